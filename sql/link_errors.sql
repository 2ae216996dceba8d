-- Bad link payloads: a clear error naming the entry (its index), nothing written.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY);
CREATE TABLE blog.post (id text PRIMARY KEY);
INSERT INTO product.product SELECT 'p' || i FROM generate_series(1, 10000) i;
INSERT INTO blog.post SELECT 'b' || i FROM generate_series(1, 10000) i;
SELECT define_link('product.product', '{"linkable": "blog.post", "isList": true}', '{"database": {"extraColumns": {
  "rank": {"type": "integer", "nullable": true}, "kind": {"type": "enum", "options": {"items": ["a", "b"]}, "defaultValue": "a"}}}}') ->> 'entryPoint';

SELECT link_create('"nope"');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('[{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}}, 7]');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "shop": {"shop_id": "s1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": "p1", "blog": {"post_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
-- Unknown module, key or link: what was given, and the links between those modules.
SELECT link_create('{"product": {"product_id": "p1"}, "shop": {"shop_id": "s1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"article_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "link": "nope"}');
\echo :LAST_ERROR_SQLSTATE
-- Ids must be non-empty strings.
SELECT link_create('{"product": {"product_id": 1}, "blog": {"post_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": null}, "blog": {"post_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": ""}, "blog": {"post_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_dismiss('{"product": {"product_id": ["p1"]}, "blog": {"post_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
-- data: an object of known extra columns, each value of its column's type.
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": "x"}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"colour": "red"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"rank": "high"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"kind": "c"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"kind": null}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"created_at": "2020-01-01"}}');
\echo :LAST_ERROR_SQLSTATE

-- 10,000 links where one is bad: the error names links[7777] and nothing is written.
SELECT link_create((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p' || i),
                           'blog', jsonb_build_object('post_id', 'b' || i),
                           'data', jsonb_build_object('rank', CASE WHEN i = 7778 THEN to_jsonb('oops'::text) ELSE to_jsonb(i) END)))
                    FROM generate_series(1, 10000) i));
\echo :LAST_ERROR_SQLSTATE
SELECT link_create((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p' || i),
                           'blog', jsonb_build_object('post_id', CASE WHEN i = 9001 THEN 'missing' ELSE 'b' || i END)))
                    FROM generate_series(1, 10000) i));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows_written FROM product_product_blog_post;
-- The same 10,000 links, valid, in one call.
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p' || i),
                           'blog', jsonb_build_object('post_id', 'b' || i), 'data', jsonb_build_object('rank', i)))
                    FROM generate_series(1, 10000) i))) AS created;
SELECT count(*), sum(rank) FROM product_product_blog_post;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog CASCADE;
