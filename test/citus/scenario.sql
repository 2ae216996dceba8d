-- One scenario of every link function and cascade, run by test/shell/citus.sh in databases of a
-- Citus cluster: with the module tables as :layout tables (reference, citus_local, distributed)
-- and with plain tables. Each run must print exactly test/citus/expected/scenario.out.
-- Ids and times are left out of the output: they differ from run to run.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS link_module;
CREATE SCHEMA product; CREATE SCHEMA blog; CREATE SCHEMA brand;
CREATE TABLE product.product (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE brand.brand (id text PRIMARY KEY, name text, deleted_at timestamptz);
SELECT CASE :'layout'
  WHEN 'reference' THEN (SELECT count(create_reference_table(t)) FROM unnest(ARRAY['product.product', 'blog.post', 'brand.brand']::regclass[]) t)
  WHEN 'citus_local' THEN (SELECT count(citus_add_local_table_to_metadata(t)) FROM unnest(ARRAY['product.product', 'blog.post', 'brand.brand']::regclass[]) t)
  WHEN 'distributed' THEN (SELECT count(create_distributed_table(t, 'id', colocate_with => 'none')) FROM unnest(ARRAY['product.product', 'blog.post', 'brand.brand']::regclass[]) t)
  WHEN 'distributed_links' THEN (SELECT count(create_distributed_table(t, 'id', colocate_with => 'none')) FROM unnest(ARRAY['product.product', 'blog.post', 'brand.brand']::regclass[]) t)
  ELSE 3 END AS tables_placed;
INSERT INTO product.product SELECT 'p' || i, 'Product ' || i FROM generate_series(1, 6) i;
INSERT INTO blog.post SELECT 'b' || i, 'Post ' || i FROM generate_series(1, 6) i;
INSERT INTO brand.brand SELECT 'r' || i, 'Brand ' || i FROM generate_series(1, 6) i;

-- Many posts per product (deleteCascade on the posts), one brand per product.
SELECT define_link('product.product', '{"linkable": "blog.post", "isList": true, "deleteCascade": true}',
                   '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') ->> 'entryPoint' AS link;
SELECT define_link('product.product', 'brand.brand') ->> 'entryPoint' AS link;
-- distributed_links: the one-to-many link's table distributed by the key of its "many" side (each
-- post has one product), co-located with blog.post.
SELECT :'layout' = 'distributed_links' AS distributed_links \gset
\if :distributed_links
SELECT distribute_link('product_post', 'post_id') \gset
\endif
-- A link table follows its module tables: a reference table when they are reference or distributed
-- tables, unless distribute_link distributed it.
SELECT c.relname, (SELECT CASE WHEN partmethod = 'h' THEN 'distributed' WHEN repmodel = 't' THEN 'reference' END
                   FROM pg_dist_partition WHERE logicalrelid = c.oid)
                  IS NOT DISTINCT FROM CASE WHEN :'layout' = 'distributed_links' AND c.relname = 'product_product_blog_post'
                  THEN 'distributed' WHEN :'layout' IN ('reference', 'distributed', 'distributed_links') THEN 'reference' END
                  AS placed_as_expected
FROM pg_class c WHERE c.relname IN ('product_product_blog_post', 'product_product_brand_brand') ORDER BY 1;

-- link_create, with its checks.
SELECT jsonb_array_length(link_create('[
  {"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"metadata": {"n": 1}}},
  {"product": {"product_id": "p1"}, "blog": {"post_id": "b2"}},
  {"product": {"product_id": "p2"}, "blog": {"post_id": "b3"}},
  {"product": {"product_id": "p3"}, "blog": {"post_id": "b4"}},
  {"product": {"product_id": "p4"}, "blog": {"post_id": "b5"}},
  {"product": {"product_id": "p1"}, "brand": {"brand_id": "r1"}},
  {"product": {"product_id": "p2"}, "brand": {"brand_id": "r2"}}]')) AS created;
\set ON_ERROR_STOP 0
SELECT link_create('[{"product": {"product_id": "p404"}, "blog": {"post_id": "b6"}}]');
SELECT link_create('[{"product": {"product_id": "p1"}, "brand": {"brand_id": "r3"}}]');
SELECT link_create('[{"product": {"product_id": "p5"}, "blog": {"post_id": "b1"}}]');
\set ON_ERROR_STOP 1
-- What link_delete and link_restore report, each record list sorted (a distributed table's rows
-- come back in no fixed order; a link's lists, paired by position, sorted by pair).
SET client_min_messages = error; -- Citus warns that it creates a function of pg_temp only here
CREATE FUNCTION pg_temp.sorted(report jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_object_agg(e.k, CASE WHEN e.k LIKE '%Link' THEN (SELECT jsonb_object_agg(f.k, (SELECT jsonb_agg(f.v -> o.i ORDER BY o.pair) FROM (SELECT i, (SELECT string_agg(g.v ->> i, ',' ORDER BY g.k) FROM jsonb_each(e.v) g(k, v)) AS pair FROM generate_series(0, jsonb_array_length(f.v) - 1) i) o)) FROM jsonb_each(e.v) f(k, v))
    ELSE (SELECT jsonb_object_agg(f.k, (SELECT jsonb_agg(x ORDER BY x) FROM jsonb_array_elements(f.v) x)) FROM jsonb_each(e.v) f(k, v)) END)
  FROM jsonb_each(report) e(k, v) $$;
SET client_min_messages = warning;
-- Queries run after each step (psql variables: a view on a local table would make Citus warn).
\set post_links 'SELECT product_id, post_id, metadata, deleted_at IS NOT NULL AS dismissed FROM product_product_blog_post ORDER BY 1, 2'
\set deleted 'SELECT * FROM (SELECT \'product\' AS t, id FROM product.product WHERE deleted_at IS NOT NULL UNION ALL SELECT \'post\', id FROM blog.post WHERE deleted_at IS NOT NULL UNION ALL SELECT \'brand\', id FROM brand.brand WHERE deleted_at IS NOT NULL) d ORDER BY 1, 2'
:post_links;

-- link_update, link_list, query_graph.
SELECT jsonb_array_length(link_update('[{"product": {"product_id": "p1"}, "blog": {"post_id": "b2"}, "data": {"metadata": {"n": 2}}}]')) AS updated;
SELECT string_agg(l ->> 'post_id' || ':' || coalesce(l ->> 'metadata', '-'), ' ' ORDER BY l ->> 'post_id')
FROM jsonb_array_elements(link_list('{"product": {"product_id": "p1"}, "link": "product_post"}')) l;
SELECT query_graph('{"entity": "product", "fields": ["id", "post.id", "post.title", "post_link.metadata", "brand.name"],
                     "filters": {"id": ["p1", "p2"]}, "pagination": {"order": {"id": "ASC"}}}') -> 'data' AS graph;
SELECT query_graph('{"entity": "product", "fields": ["id"], "filters": {"post": {"title": "Post 3"}}}') -> 'data' AS by_post;
SELECT query_graph('{"entity": "product", "fields": ["id", "title"], "filters": {"id": ["p1", "p3"]}}') -> 'data' AS own_fields;
SELECT query_graph('{"entity": "post", "fields": ["id", "product.id", "product.brand.name", "product.post_link.post_id"],
                     "filters": {"$not": {"product": {"brand": {"name": "Brand 2"}}}},
                     "pagination": {"order": {"id": "DESC"}, "skip": 1, "take": 3}}') AS nested_page;
SELECT query_graph('{"entity": "brand", "fields": ["name", "product_link.product_id", "product.posts.title"],
                     "filters": {"product_link": {"product_id": ["p1", "p2"]}}}') -> 'data' AS through_link_rows;

-- link_dismiss, then a dismissal outside link_module (as Medusa's link.delete): noted, and undone by link_restore.
SELECT jsonb_array_length(link_dismiss('[{"product": {"product_id": "p2"}, "blog": {"post_id": "b3"}}]')) AS dismissed;
UPDATE product_product_blog_post SET deleted_at = now() WHERE product_id = 'p3' AND deleted_at IS NULL;
:post_links;
SELECT pg_temp.sorted(link_restore('{"product": {"product_id": ["p3"]}}')) AS restored;
:post_links;

-- link_delete and link_restore: the cascade and its exact undo.
SELECT pg_temp.sorted(link_delete('{"product": {"product_id": ["p1"]}}')) AS deleted;
:deleted;
SELECT pg_temp.sorted(link_restore('{"product": {"product_id": ["p1"]}}')) AS restored;
:deleted;

-- Cascades from DML on the module tables (their triggers).
UPDATE product.product SET deleted_at = now() WHERE id IN ('p1', 'p4');
:post_links;
:deleted;
UPDATE product.product SET deleted_at = NULL WHERE id IN ('p1', 'p4');
:post_links;
:deleted;
DELETE FROM product.product WHERE id = 'p1';
:post_links;
SELECT (SELECT count(*) FROM product_product_brand_brand) AS brand_links, (SELECT string_agg(id, ',' ORDER BY id) FROM blog.post) AS posts;
DELETE FROM blog.post WHERE id = 'b4';
:post_links;
-- A record restored while the record at the other end stays soft-deleted: the link stays dismissed.
UPDATE product.product SET deleted_at = now() WHERE id = 'p4';
UPDATE blog.post SET deleted_at = NULL WHERE id = 'b5';
:post_links;
:deleted;
TRUNCATE brand.brand;
SELECT count(*) AS brand_links FROM product_product_brand_brand;
SELECT * FROM link_check();
