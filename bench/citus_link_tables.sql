-- link_module on a Citus cluster: the same work with the link table a reference table
-- (dist=false) and distributed by post_id (dist=true, distribute_link), each in a database of
-- its own; psql's \timing prints each step. 10,000 products, 20,000 posts, one link per post
-- (one-to-many, deleteCascade on the posts).
--   bash ../shared/citus/cluster.sh start   (link_module in the coordinator's
--   shared_preload_libraries, a database with citus on every node and the workers added)
--   psql -X -q -d <db> -v dist=true -f bench/citus_link_tables.sql
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS link_module;
CREATE SCHEMA product; CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
SELECT create_distributed_table('product.product', 'id'), create_distributed_table('blog.post', 'id', colocate_with => 'none');
INSERT INTO product.product SELECT 'p' || i FROM generate_series(1, 10000) i;
INSERT INTO blog.post SELECT 'b' || i FROM generate_series(1, 20000) i;
SELECT define_link('product.product', '{"linkable": "blog.post", "isList": true, "deleteCascade": true}') ->> 'entryPoint';
\if :dist
SELECT distribute_link('product_post', 'post_id');
\endif
\timing on
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p' || ((i - 1) / 2 + 1)), 'blog', jsonb_build_object('post_id', 'b' || i))) FROM generate_series(1, 20000) i))) AS created;
SELECT jsonb_array_length(link_list((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p' || i))) FROM generate_series(1, 1000) i))) AS listed;
SELECT jsonb_array_length(query_graph('{"entity": "product", "fields": ["id", "post.id"], "pagination": {"take": 100, "order": {"id": "ASC"}}}') -> 'data') AS page;
UPDATE product.product SET deleted_at = now() WHERE id IN (SELECT 'p' || i FROM generate_series(1, 5000) i);
UPDATE product.product SET deleted_at = NULL WHERE id IN (SELECT 'p' || i FROM generate_series(1, 5000) i);
SELECT jsonb_array_length(link_dismiss((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p' || ((i - 1) / 2 + 1)), 'blog', jsonb_build_object('post_id', 'b' || i))) FROM generate_series(1, 2000) i))) AS dismissed;
DELETE FROM product.product WHERE id IN (SELECT 'p' || i FROM generate_series(5001, 10000) i);
\timing off
SELECT (SELECT count(*) FROM blog.post) AS posts, (SELECT count(*) FROM product_product_blog_post WHERE deleted_at IS NULL) AS active_links;
