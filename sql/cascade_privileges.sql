-- Deletes and soft deletes cascaded by the triggers use the privileges PostgreSQL uses for a
-- foreign-key cascade: each statement runs as the owner of the table it changes. Whoever may
-- soft-delete or delete a record has its links and deleteCascade records follow; link_delete,
-- called directly, and restores (by link_restore or by trigger) run with the caller's own.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO product.product VALUES ('p1'), ('p2');
INSERT INTO blog.post VALUES ('b1'), ('b2');
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}},
                                       {"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}}]')) AS links;
CREATE ROLE regress_link_clerk;
GRANT USAGE ON SCHEMA product TO regress_link_clerk;
GRANT SELECT, UPDATE, DELETE ON product.product TO regress_link_clerk;

SET ROLE regress_link_clerk;
SELECT count(*) FROM blog.post;
\echo :LAST_ERROR_SQLSTATE
-- The clerk soft-deletes and deletes products; links and posts follow.
UPDATE product.product SET deleted_at = now() WHERE id = 'p1';
DELETE FROM product.product WHERE id = 'p2';
-- Called directly, link_restore needs rights on the tables it changes.
SELECT link_restore('{"product": {"product_id": ["p1"]}}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

SELECT id, deleted_at IS NOT NULL AS deleted FROM blog.post ORDER BY id;
SELECT product_id, post_id, deleted_at IS NOT NULL AS dismissed FROM product_product_blog_post ORDER BY 1;
-- A restore by trigger runs as the role that clears the column (the stamp it undoes is that
-- role's value): without rights on the link table and posts, the clerk's restore is refused,
-- and nothing changes.
SET ROLE regress_link_clerk;
\set SHOW_CONTEXT never
UPDATE product.product SET deleted_at = NULL WHERE id = 'p1';
\echo :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT errors
RESET ROLE;
SELECT id, deleted_at IS NOT NULL AS deleted FROM product.product ORDER BY id;
-- Given them (reviving the link takes DELETE on posts too: the link has deleteCascade toward
-- them), it restores p1 the way it deleted it: the trigger restores the rest.
GRANT USAGE ON SCHEMA blog TO regress_link_clerk;
GRANT SELECT, UPDATE ON product_product_blog_post TO regress_link_clerk;
GRANT SELECT, UPDATE, DELETE ON blog.post TO regress_link_clerk;
SET ROLE regress_link_clerk;
UPDATE product.product SET deleted_at = NULL WHERE id = 'p1';
RESET ROLE;
SELECT id, deleted_at IS NOT NULL AS deleted FROM blog.post ORDER BY id;
SELECT product_id, post_id, deleted_at IS NOT NULL AS dismissed FROM product_product_blog_post ORDER BY 1;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog CASCADE;
DROP ROLE regress_link_clerk;
