-- Bad input to define_link: every error names the offending side, option, column or type,
-- carries a proper SQLSTATE, and changes nothing.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY);
CREATE TABLE blog.post (id text PRIMARY KEY);
CREATE TABLE blog.review (id text PRIMARY KEY, product_id text);
SELECT define_link('product.product', 'blog.post') ->> 'entryPoint';
SELECT count(*) AS links_before FROM link_module.links \gset
SELECT count(*) AS tables_before FROM pg_class WHERE relkind = 'r' \gset

-- Unknown module, model or table.
SELECT define_link('product.product', 'blog.nope');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('shop.product', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
-- Malformed sides.
SELECT define_link('product', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product.x', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.pro-duct', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": "product.product", "isList": "yes"}', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": "product.product", "list": true}', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"isList": true}', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": 1}', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": "product.product"', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": "product.product", "alias": "bad alias"}', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link(NULL, 'blog.post');
\echo :LAST_ERROR_SQLSTATE
-- Options that are not an object, or have unknown keys.
SELECT define_link('product.product', 'blog.post', '[]');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '"x"');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"databse": {}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"database": {"tabel": "x"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"database": []}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"database": {"extraColumns": []}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"database": {"table": "bad name!"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"database": {"idPrefix": ""}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"readOnly": 1}');
\echo :LAST_ERROR_SQLSTATE
-- Contradictions.
SELECT define_link('product.product', 'product.product');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"isList": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": "product.product", "field": "id"}', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('blog.review', 'product.product', '{"readOnly": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": "blog.review", "field": "nope_id"}', 'product.product', '{"readOnly": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": "blog.review", "field": "product_id"}', 'product.product',
                   '{"readOnly": true, "database": {"table": "x"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": "blog.review", "field": "product_id", "filterable": ["id"]}', 'product.product',
                   '{"readOnly": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('payment', 'provider', NULL);
SELECT define_link('{"linkable": "payment.provider", "field": "x"}', 'product.product', '{"readOnly": true}');
\echo :LAST_ERROR_SQLSTATE
-- Collisions: a non-link table, another link's table, another link's entry point.
CREATE TABLE public.product_product_blog_review (x int);
SELECT define_link('product.product', 'blog.review');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', '{"linkable": "blog.review", "alias": "post"}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('blog.post', 'product.product', '{"database": {"table": "product_product_blog_post"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('product.product', 'blog.post', '{"database": {"schema": "nope"}}');
\echo :LAST_ERROR_SQLSTATE
-- drop_link of an unknown link.
SELECT drop_link('nope_nope');
\echo :LAST_ERROR_SQLSTATE
-- distribute_link: an unknown link; without Citus.
SELECT distribute_link('nope_nope', 'id');
\echo :LAST_ERROR_SQLSTATE
SELECT distribute_link(entry_point, 'product_id') FROM link_module.links ORDER BY entry_point LIMIT 1;
\echo :LAST_ERROR_SQLSTATE

-- Nothing changed.
SELECT count(*) = :links_before AS same_links FROM link_module.links;
SELECT count(*) = :tables_before + 1 AS same_tables FROM pg_class WHERE relkind = 'r';
SELECT module, model FROM link_module.linkables ORDER BY 1, 2;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog CASCADE;
DROP TABLE public.product_product_blog_review;

-- Errors caught inside PL/pgSQL (a subtransaction) leave the session healthy, whether the
-- error came from C++ validation or from PostgreSQL itself in the middle of our SPI work.
CREATE TABLE product_t (id text PRIMARY KEY);
CREATE TABLE post_t (id text PRIMARY KEY);
DO $$
BEGIN
  BEGIN
    PERFORM define_link('public.product_t', 'public.post_t', '{"databse": {}}');
  EXCEPTION WHEN others THEN RAISE NOTICE 'caught %: %', SQLSTATE, SQLERRM;
  END;
  BEGIN
    PERFORM define_link('public.product_t', 'public.post_t',
                        '{"database": {"extraColumns": {"n": {"type": "integer", "defaultValue": "x"}}}}');
  EXCEPTION WHEN others THEN RAISE NOTICE 'caught %: %', SQLSTATE, SQLERRM;
  END;
  PERFORM define_link('public.product_t', 'public.post_t');
  RAISE NOTICE 'then defined: %', (SELECT count(*) FROM link_module.links WHERE entry_point = 'product_t_post_t');
END $$;
SELECT drop_link('product_t_post_t', true);
DELETE FROM link_module.linkable_registry;
DROP TABLE product_t, post_t;
