-- Declarative re-definition: calling define_link again with the same sides converges the
-- table. Safe changes apply; unsafe ones are refused, each named, unless allowUnsafe.
CREATE TABLE product (id text PRIMARY KEY);
CREATE TABLE post (id text PRIMARY KEY);
SELECT register_linkable('product', 'product', 'product');
SELECT register_linkable('blog', 'post', 'post');
SELECT define_link('product.product', 'blog.post', '{"database": {"extraColumns": {
  "note": {"type": "text", "nullable": true},
  "rank": {"type": "integer", "defaultValue": 0},
  "status": {"type": "enum", "options": {"items": ["a", "b"]}, "defaultValue": "a"}}}}') ->> 'table';
INSERT INTO product_product_blog_post (product_id, post_id, id, note) VALUES ('p1', 'b1', 'l1', 'kept');
CREATE FUNCTION columns() RETURNS TABLE (name name, type text, not_null boolean, "default" text)
LANGUAGE sql AS $$
  SELECT attname, format_type(atttypid, atttypmod), attnotnull, pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE attrelid = 'product_product_blog_post'::regclass AND attnum > 3 AND NOT attisdropped
    AND attname NOT IN ('created_at', 'updated_at', 'deleted_at')
  ORDER BY attnum $$;

-- Safe: new nullable or defaulted columns, a default changed, NOT NULL dropped, enum items
-- added, deleteCascade, idPrefix.
SELECT d -> 'extraColumns' AS extra_columns, d #> '{right,deleteCascade}' AS cascade, d ->> 'idPrefix' AS prefix
FROM define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}', '{"database": {
  "idPrefix": "pp", "extraColumns": {
  "note": {"type": "text", "nullable": true},
  "rank": {"type": "integer", "defaultValue": 5, "nullable": true},
  "status": {"type": "enum", "options": {"items": ["a", "b", "c"]}, "defaultValue": "a"},
  "extra": {"type": "json", "nullable": true},
  "score": {"type": "double", "defaultValue": 1}}}}') AS d;
SELECT * FROM columns();
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'product_product_blog_post_status_check';
SELECT product_id, post_id, note, rank, status, extra, score FROM product_product_blog_post;

-- Unsafe changes are refused together, each named, and nothing changes.
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}', '{"database": {
  "idPrefix": "pp", "extraColumns": {
  "note": {"type": "integer", "nullable": true},
  "rank": {"type": "integer", "defaultValue": 5},
  "status": {"type": "enum", "options": {"items": ["a", "b"]}, "defaultValue": "a"},
  "required": {"type": "text"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM columns();

-- With allowUnsafe they are applied (here the type change fails on existing data, atomically).
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}', '{"allowUnsafe": true,
  "database": {"idPrefix": "pp", "extraColumns": {
  "note": {"type": "integer", "nullable": true},
  "rank": {"type": "integer", "defaultValue": 5, "nullable": true},
  "status": {"type": "enum", "options": {"items": ["a", "b", "c"]}, "defaultValue": "a"},
  "extra": {"type": "json", "nullable": true},
  "score": {"type": "double", "defaultValue": 1}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM columns();
UPDATE product_product_blog_post SET note = '42';
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}', '{"allowUnsafe": true,
  "database": {"idPrefix": "pp", "extraColumns": {
  "note": {"type": "integer", "nullable": true},
  "rank": {"type": "integer", "defaultValue": 5},
  "status": {"type": "enum", "options": {"items": ["a"]}, "defaultValue": "a"}}}}') -> 'extraColumns';
SELECT * FROM columns();
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'product_product_blog_post_status_check';
SELECT product_id, post_id, note, rank, status FROM product_product_blog_post;

-- isList: relaxing drops a unique index; tightening builds one, and is refused while active
-- links repeat the key (naming them) but not because of dismissed ones.
SELECT define_link('product.product', '{"linkable": "blog.post", "isList": true, "deleteCascade": true}',
  '{"database": {"idPrefix": "pp", "extraColumns": {"note": {"type": "integer", "nullable": true},
  "rank": {"type": "integer", "defaultValue": 5}, "status": {"type": "enum", "options": {"items": ["a"]}, "defaultValue": "a"}}}}') ->> 'entryPoint';
SELECT indexname FROM pg_indexes WHERE tablename = 'product_product_blog_post' AND indexname LIKE '%unique%' ORDER BY 1;
INSERT INTO product_product_blog_post (product_id, post_id, id) VALUES ('p1', 'b2', 'l2'), ('p1', 'b3', 'l3');
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}',
  '{"database": {"idPrefix": "pp", "extraColumns": {"note": {"type": "integer", "nullable": true},
  "rank": {"type": "integer", "defaultValue": 5}, "status": {"type": "enum", "options": {"items": ["a"]}, "defaultValue": "a"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT indexname FROM pg_indexes WHERE tablename = 'product_product_blog_post' AND indexname LIKE '%unique%' ORDER BY 1;
UPDATE product_product_blog_post SET deleted_at = now() WHERE post_id IN ('b2', 'b3');
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}',
  '{"database": {"idPrefix": "pp", "extraColumns": {"note": {"type": "integer", "nullable": true},
  "rank": {"type": "integer", "defaultValue": 5}, "status": {"type": "enum", "options": {"items": ["a"]}, "defaultValue": "a"}}}}') ->> 'entryPoint';
SELECT indexname FROM pg_indexes WHERE tablename = 'product_product_blog_post' AND indexname LIKE '%unique%' ORDER BY 1;

-- What define_link cannot change: the table of a link, or read-only versus stored.
SELECT define_link('product.product', 'blog.post', '{"database": {"table": "other_table"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"database": {"schema": "pg_temp_x"}}');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE review (id text PRIMARY KEY, product_id text);
SELECT define_link('{"linkable": "public.review", "field": "product_id"}', 'product.product', '{"readOnly": true}') ->> 'entryPoint';
SELECT define_link('public.review', 'product.product');
\echo :LAST_ERROR_SQLSTATE
-- A read-only link's own options converge.
SELECT define_link('{"linkable": "public.review", "field": "product_id"}', 'product.product',
                   '{"readOnly": true, "isList": true}') -> 'isList' AS is_list;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP TABLE product, post, review;
DROP FUNCTION columns();
