-- link_delete and link_restore: cascades through links, and their exact undo.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE product.brand (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.author (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.tag (id text PRIMARY KEY);
INSERT INTO product.product VALUES ('p1'), ('p2'), ('p3');
INSERT INTO product.brand VALUES ('br1');
INSERT INTO blog.post VALUES ('b1'), ('b2'), ('b3');
INSERT INTO blog.author VALUES ('a1');
INSERT INTO blog.tag VALUES ('t1');
SELECT register_linkable('payment', 'provider', NULL) ->> 'virtual' AS virtual;
-- product -> post (deleteCascade on post) -> author (deleteCascade on author) -> product again
-- (deleteCascade on product: a cycle); product <-> brand with deleteCascade on both sides;
-- product -> a virtual provider (deleteCascade); product -> tag (no soft-delete column).
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}') ->> 'entryPoint';
SELECT define_link('blog.post', '{"linkable": "blog.author", "deleteCascade": true, "isList": true}') ->> 'entryPoint';
SELECT define_link('{"linkable": "blog.author", "isList": true}', '{"linkable": "product.product", "deleteCascade": true}') ->> 'entryPoint';
SELECT define_link('{"linkable": "product.product", "deleteCascade": true}', '{"linkable": "product.brand", "deleteCascade": true}') ->> 'entryPoint';
SELECT define_link('{"linkable": "product.product", "isList": true}', '{"linkable": "payment.provider", "deleteCascade": true}') ->> 'entryPoint';
SELECT define_link('product.product', '{"linkable": "blog.tag", "deleteCascade": true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[
  {"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}},
  {"blog": {"post_id": "b1", "author_id": "a1"}},
  {"blog": {"author_id": "a1"}, "product": {"product_id": "p3"}},
  {"product": {"product_id": "p1", "brand_id": "br1"}},
  {"product": {"product_id": "p1"}, "payment": {"provider_id": "pp1"}},
  {"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}}]')) AS links;
CREATE FUNCTION state() RETURNS TABLE (record text, deleted boolean) LANGUAGE sql AS $$
  SELECT 'product ' || id, deleted_at IS NOT NULL FROM product.product UNION ALL
  SELECT 'brand ' || id, deleted_at IS NOT NULL FROM product.brand UNION ALL
  SELECT 'post ' || id, deleted_at IS NOT NULL FROM blog.post UNION ALL
  SELECT 'author ' || id, deleted_at IS NOT NULL FROM blog.author ORDER BY 1 $$;
CREATE FUNCTION active_links() RETURNS TABLE (link text, a text, b text) LANGUAGE sql AS $$
  SELECT 'product_post', product_id, post_id FROM product_product_blog_post WHERE deleted_at IS NULL UNION ALL
  SELECT 'post_author', post_id, author_id FROM blog_post_blog_author WHERE deleted_at IS NULL UNION ALL
  SELECT 'author_product', author_id, product_id FROM blog_author_product_product WHERE deleted_at IS NULL UNION ALL
  SELECT 'product_brand', product_id, brand_id FROM product_product_product_brand WHERE deleted_at IS NULL UNION ALL
  SELECT 'product_provider', product_id, provider_id FROM product_product_payment_provider WHERE deleted_at IS NULL
  ORDER BY 1, 2, 3 $$;

-- Deleting p1: every active link row of p1 goes; each deleteCascade side's records are
-- soft-deleted and their links follow, level by level: post b1, then author a1, then product p3
-- (the cycle back to products ends there). Both sides of product <-> brand cascade (Medusa
-- stops with an error there). The virtual provider is only reported. The result lists link rows
-- by service name and records by module and key.
SELECT jsonb_pretty(link_delete('{"product": {"product_id": ["p1"]}}'));
SELECT * FROM state();
SELECT * FROM active_links();

-- A link dismissed separately (p2 - b2) stays dismissed through delete and restore.
SELECT jsonb_array_length(link_dismiss('{"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}}')) AS dismissed;
SELECT link_delete('{"product": {"product_id": "p2"}}') AS nothing_active;

-- Restore undoes exactly what the delete removed. Meanwhile b1 came back out of band (its
-- trigger off, so its links stay removed) and got another product (a one-to-one link), so
-- p1 - b1 cannot come back: it is listed under "skipped".
ALTER TABLE blog.post DISABLE TRIGGER link_module_update;
UPDATE blog.post SET deleted_at = NULL WHERE id = 'b1';
ALTER TABLE blog.post ENABLE TRIGGER link_module_update;
SELECT jsonb_array_length(link_create('{"product": {"product_id": "p2"}, "blog": {"post_id": "b1"}}')) AS relinked;
SELECT jsonb_pretty(link_restore('{"product": {"product_id": ["p1"]}}'));
SELECT * FROM state();
SELECT * FROM active_links();
SELECT deleted_at IS NOT NULL AS still_dismissed FROM product_product_blog_post WHERE product_id = 'p2' AND post_id = 'b2';

-- Nothing to do: empty ids, a record never deleted.
SELECT link_delete('{"product": {"product_id": []}}') AS empty_ids, link_restore('{"product": {"product_id": ["p404"]}}') AS never_deleted;

-- Bad input: unknown module or key, ids of the wrong form, a cascade into a table without a
-- soft-delete column (nothing changes).
SELECT link_delete('{"shop": {"shop_id": ["s1"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_delete('{"product": {"sku_id": ["s1"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_delete('{"product": {"product_id": [1]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_delete('[]');
\echo :LAST_ERROR_SQLSTATE
SELECT jsonb_array_length(link_create('{"product": {"product_id": "p2"}, "blog": {"tag_id": "t1"}}')) AS tagged;
SELECT link_delete('{"product": {"product_id": ["p2"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS p2_links_untouched FROM active_links() WHERE a = 'p2' OR b = 'p2';
-- Ids that cannot be keys of the linkable's table are an error, not a silent no-op.
CREATE TABLE blog.comment (id integer PRIMARY KEY, deleted_at timestamptz);
SELECT define_link('product.product', 'blog.comment') ->> 'entryPoint';
SELECT link_delete('{"blog": {"comment_id": ["c1"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_restore('{"blog": {"comment_id": ["1", "two"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_delete('{"blog": {"comment_id": ["1"]}}') AS integer_ids;

-- A restore never leaves an active link to a record that is not live: restoring one side
-- revives the links only where the record at the other end is live too (by trigger and by
-- link_restore); the others keep their stamp, listed under "skipped".
CREATE TABLE blog.note (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO blog.note VALUES ('n1'), ('n2');
INSERT INTO product.product VALUES ('q1'), ('q2');
SELECT define_link('product.product', 'blog.note') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[{"product": {"product_id": "q1"}, "blog": {"note_id": "n1"}},
                                        {"product": {"product_id": "q2"}, "blog": {"note_id": "n2"}}]')) AS linked;
UPDATE blog.note SET deleted_at = now() WHERE id = 'n1';
UPDATE product.product SET deleted_at = now() WHERE id = 'q1';
UPDATE blog.note SET deleted_at = NULL WHERE id = 'n1';
SELECT link_delete('{"blog": {"note_id": ["n2"]}}');
UPDATE product.product SET deleted_at = now() WHERE id = 'q2';
SELECT link_restore('{"blog": {"note_id": ["n2"]}}');
SELECT product_id, note_id, deleted_at IS NULL AS active FROM product_product_blog_note ORDER BY 1;
-- Once the product is back, restoring the note again revives the link.
UPDATE product.product SET deleted_at = NULL WHERE id = 'q2';
SELECT link_restore('{"blog": {"note_id": ["n2"]}}');
SELECT product_id, note_id, deleted_at IS NULL AS active FROM product_product_blog_note ORDER BY 1;

-- Cascade statements planned with their arrays run with JIT off, and leave the caller's setting.
CREATE FUNCTION report_jit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'jit during the cascade''s statement: %', current_setting('jit'); RETURN NULL; END $$;
CREATE TRIGGER report_jit AFTER UPDATE ON product_product_blog_note FOR EACH STATEMENT EXECUTE FUNCTION report_jit();
SET jit = on;
SELECT link_delete('{"blog": {"note_id": ["n2"]}}') ? 'ProductProductBlogNoteLink' AS deleted;
DROP TRIGGER report_jit ON product_product_blog_note;
DROP FUNCTION report_jit();
SELECT link_restore('{"blog": {"note_id": ["n2"]}}') ? 'ProductProductBlogNoteLink' AS restored;
SHOW jit;
RESET jit;

-- A hard delete takes every row naming its records, active or dismissed, from either side,
-- for one record and for thousands.
CREATE TABLE public.a (id text PRIMARY KEY);
CREATE TABLE public.b (id text PRIMARY KEY);
SELECT define_link('public.a', '{"linkable": "public.b", "isList": true}') IS NOT NULL AS defined;
INSERT INTO a SELECT 'a' || i FROM generate_series(1, 3000) i;
INSERT INTO b SELECT 'b' || i FROM generate_series(1, 3000) i;
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object('public', jsonb_build_object('a_id', 'a' || i, 'b_id', 'b' || i))) FROM generate_series(1, 3000) i))) AS created;
SELECT jsonb_array_length(link_dismiss((SELECT jsonb_agg(jsonb_build_object('public', jsonb_build_object('a_id', 'a' || i, 'b_id', 'b' || i))) FROM generate_series(1, 3000, 2) i))) AS dismissed;
DELETE FROM b WHERE id IN (SELECT 'b' || i FROM generate_series(1, 2000) i);
DELETE FROM b WHERE id IN ('b2001', 'b2002', 'b2003');
DELETE FROM a WHERE id IN (SELECT 'a' || i FROM generate_series(2004, 2999) i);
DELETE FROM a WHERE id = 'a3000';
SELECT count(*) AS rows_left FROM public_a_public_b;
INSERT INTO b VALUES ('b1');
SELECT jsonb_array_length(link_create('{"public": {"a_id": "a1", "b_id": "b1"}}')) AS created_again;
SELECT drop_link('a_b', true) IS NOT NULL AS dropped;
DROP TABLE a, b;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog CASCADE;
DROP FUNCTION state(), active_links();
