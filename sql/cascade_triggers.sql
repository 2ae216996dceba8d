-- The database cascades by itself: statement triggers on linkable tables, set up by define_link.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.author (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.note (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO product.product SELECT 'p' || i FROM generate_series(1, 1000) i;
INSERT INTO blog.post SELECT 'b' || i FROM generate_series(1, 1000) i;
INSERT INTO blog.author VALUES ('a1'), ('a2');
INSERT INTO blog.note VALUES ('n1'), ('n2');
-- product -> post (deleteCascade) -> author (deleteCascade); product -> note (no cascade).
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}') ->> 'entryPoint';
SELECT define_link('blog.post', '{"linkable": "blog.author", "deleteCascade": true, "isList": true}') ->> 'entryPoint';
SELECT define_link('{"linkable": "product.product", "isList": true}', 'blog.note') ->> 'entryPoint';
SELECT tgrelid::regclass AS "table", array_agg(tgname::text ORDER BY tgname) AS triggers
FROM pg_trigger WHERE tgname LIKE 'link_module%' GROUP BY 1 ORDER BY 1;
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p' || i),
                                              'blog', jsonb_build_object('post_id', 'b' || i))) FROM generate_series(1, 1000) i))) AS links;
SELECT jsonb_array_length(link_create('[{"blog": {"post_id": "b1", "author_id": "a1"}}, {"blog": {"post_id": "b2", "author_id": "a2"}},
  {"product": {"product_id": "p1"}, "blog": {"note_id": "n1"}}, {"product": {"product_id": "p2"}, "blog": {"note_id": "n2"}}]')) AS links;
CREATE FUNCTION state(ids text[]) RETURNS TABLE (what text, live boolean) LANGUAGE sql AS $$
  SELECT 'product ' || id, deleted_at IS NULL FROM product.product WHERE id = ANY (ids) UNION ALL
  SELECT 'post ' || id, deleted_at IS NULL FROM blog.post WHERE id = ANY (ids) UNION ALL
  SELECT 'author ' || id, deleted_at IS NULL FROM blog.author WHERE id = ANY (ids) UNION ALL
  SELECT 'note ' || id, deleted_at IS NULL FROM blog.note WHERE id = ANY (ids) UNION ALL
  SELECT 'link ' || product_id || '-' || post_id, deleted_at IS NULL FROM product_product_blog_post WHERE product_id = ANY (ids) UNION ALL
  SELECT 'link ' || post_id || '-' || author_id, deleted_at IS NULL FROM blog_post_blog_author WHERE post_id = ANY (ids) UNION ALL
  SELECT 'link ' || product_id || '-' || note_id, deleted_at IS NULL FROM product_product_blog_note WHERE product_id = ANY (ids)
  ORDER BY 1 $$;

-- Soft-deleting a product (setting deleted_at) cascades like link_delete.
UPDATE product.product SET deleted_at = now() WHERE id = 'p1';
SELECT * FROM state('{p1,b1,a1,n1}');
-- Clearing it restores like link_restore: exactly what the cascade took.
UPDATE product.product SET deleted_at = NULL WHERE id = 'p1';
SELECT * FROM state('{p1,b1,a1,n1}');

-- One statement soft-deletes 1000 products: their posts and links follow, set-based.
UPDATE product.product SET deleted_at = now() WHERE id <> 'p2';
SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS live_posts FROM blog.post;
SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS active_links FROM product_product_blog_post;
UPDATE product.product SET deleted_at = NULL;
SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS live_posts FROM blog.post;
SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS active_links FROM product_product_blog_post;

-- A hard DELETE removes the record's link rows (dismissed ones too) and hard-deletes its
-- deleteCascade records, recursively.
SELECT jsonb_array_length(link_dismiss('{"product": {"product_id": "p2"}, "blog": {"note_id": "n2"}}')) AS dismissed;
DELETE FROM product.product WHERE id = 'p2';
SELECT * FROM state('{p2,b2,a2,n2}');

-- A linked record's key cannot change; an unlinked one's can.
UPDATE product.product SET id = 'p1x' WHERE id = 'p1';
\echo :LAST_ERROR_SQLSTATE
UPDATE blog.note SET id = 'n2x' WHERE id = 'n2';
SELECT id FROM blog.note ORDER BY 1;

-- A record being soft-deleted cannot be linked; a soft-deleted one neither.
UPDATE blog.post SET deleted_at = now() WHERE id = 'b3';
SELECT link_create('{"product": {"product_id": "p5"}, "blog": {"post_id": "b3"}}');
\echo :LAST_ERROR_SQLSTATE

-- TRUNCATE removes every row of the table's links.
TRUNCATE blog.note;
SELECT count(*) AS note_links FROM product_product_blog_note;

-- drop_link removes a table's triggers once no link uses it.
SELECT drop_link('product_note', true);
SELECT drop_link('post_author', true);
SELECT tgrelid::regclass AS "table", array_agg(tgname::text ORDER BY tgname) AS triggers
FROM pg_trigger WHERE tgname LIKE 'link_module%' GROUP BY 1 ORDER BY 1;

SELECT drop_link(entry_point, true) FROM link_module.links;
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'link_module%';
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog CASCADE;
DROP FUNCTION state(text[]);

-- Dropping a linkable's table takes the rows of its links along; its triggers go with it.
CREATE TABLE shop (id text PRIMARY KEY);
CREATE TABLE item (id text PRIMARY KEY);
INSERT INTO shop VALUES ('s1'); INSERT INTO item VALUES ('i1');
SELECT define_link('public.shop', 'public.item') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('{"public": {"shop_id": "s1", "item_id": "i1"}}')) AS linked;
DROP TABLE shop;
SELECT count(*) AS rows_left FROM public_shop_public_item;
SELECT link_create('{"public": {"shop_id": "s1", "item_id": "i1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT drop_link('shop_item', true);
DELETE FROM link_module.linkable_registry;
DROP TABLE item;
