-- link_module demo: two modules keep their tables apart; links relate their records.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;

\echo '\n== 1. Two modules, two schemas, no foreign keys between them'
CREATE EXTENSION link_module;
CREATE SCHEMA catalog;
CREATE SCHEMA blog;
CREATE TABLE catalog.product (id text PRIMARY KEY, title text NOT NULL, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, title text NOT NULL, deleted_at timestamptz);
CREATE TABLE blog.author (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text, deleted_at timestamptz);
INSERT INTO catalog.product VALUES ('prod_1', 'Espresso machine'), ('prod_2', 'Grinder');
INSERT INTO blog.post VALUES ('post_1', 'Ten espresso tips'), ('post_2', 'Grind size explained');

\echo '\n== 2. Register the linkables (module.model -> table); keys and soft-delete columns are found'
SELECT register_linkable('product', 'product', 'catalog.product') ->> 'key' AS product_key;
SELECT register_linkable('blog', 'post', 'blog.post') ->> 'key' AS post_key;
SELECT module, model, relation, key, key_type, soft_delete_column FROM link_module.linkables ORDER BY 1, 2;

\echo '\n== 3. Define links, with Medusa''s names, an extra metadata column and cardinality'
-- product <-> post: a product has many posts; each post belongs to one product.
SELECT d ->> 'serviceName' AS service_name, d ->> 'entryPoint' AS entry_point, d ->> 'table' AS link_table
FROM define_link('product.product', '{"linkable": "blog.post", "isList": true}',
                 '{"database": {"extraColumns": {
                     "metadata": {"type": "json", "nullable": true},
                     "position": {"type": "integer", "defaultValue": 0}}}}') AS d;
-- post <-> author: a table named 'schema.table' is registered implicitly; deleting a post
-- will cascade to its author link (deleteCascade, used by the cascade functions).
SELECT d ->> 'serviceName' AS service_name, d ->> 'entryPoint' AS entry_point, d ->> 'table' AS link_table
FROM define_link('blog.post', '{"linkable": "blog.author", "deleteCascade": true}') AS d;

\echo '\n== 4. The link table define_link created (Medusa layout + partial unique index for cardinality)'
\d product_product_blog_post

\echo '\n== 5. link_create: modules in either order, typed data, generated ids'
SELECT r ->> 'product_id' AS product_id, r ->> 'post_id' AS post_id, r ->> 'id' AS id, r -> 'metadata' AS metadata,
       r -> 'position' AS position
FROM jsonb_array_elements(link_create('[
  {"product": {"product_id": "prod_1"}, "blog": {"post_id": "post_1"}, "data": {"metadata": {"pinned": true}}},
  {"blog": {"post_id": "post_2"}, "product": {"product_id": "prod_1"}, "data": {"position": 2}}]')) r;

\echo '\n== 6. Cardinality is the database''s: post_1 already belongs to prod_1'
\set ON_ERROR_STOP off
SELECT link_create('{"product": {"product_id": "prod_2"}, "blog": {"post_id": "post_1"}}');
\echo '-- and a record that does not exist cannot be linked:'
SELECT link_create('{"product": {"product_id": "prod_404"}, "blog": {"post_id": "post_2"}}');
\set ON_ERROR_STOP on

\echo '\n== 7. link_create again is an upsert; link_update changes existing links only'
SELECT r -> 'metadata' AS metadata, r -> 'position' AS position
FROM jsonb_array_elements(link_create('{"product": {"product_id": "prod_1"}, "blog": {"post_id": "post_1"}, "data": {"position": 1}}')) r;
SELECT r -> 'metadata' AS metadata, r -> 'position' AS position
FROM jsonb_array_elements(link_update('{"product": {"product_id": "prod_1"}, "blog": {"post_id": "post_2"}, "data": {"metadata": {"note": "updated"}}}')) r;

\echo '\n== 8. link_dismiss soft-deletes; link_list shows links (as Medusa link definitions too)'
SELECT r ->> 'post_id' AS dismissed, r ->> 'deleted_at' IS NOT NULL AS soft_deleted
FROM jsonb_array_elements(link_dismiss('{"product": {"product_id": "prod_1"}, "blog": {"post_id": "post_2"}}')) r;
SELECT jsonb_pretty(link_list('{"product": {"product_id": "prod_1"}, "blog": {"post_id": ["post_1", "post_2"]}}',
                              '{"asLinkDefinition": true}'));
SELECT jsonb_array_length(link_list('{"product": {"product_id": "prod_1"}, "blog": {"post_id": ["post_1", "post_2"]}}',
                                    '{"withDeleted": true}')) AS with_dismissed;

\echo '\n== 9. The database cascades: soft-deleting a post dismisses its links, clearing it restores them'
UPDATE blog.post SET deleted_at = now() WHERE id = 'post_1';
SELECT product_id, post_id, deleted_at IS NOT NULL AS dismissed FROM product_product_blog_post ORDER BY post_id;
UPDATE blog.post SET deleted_at = NULL WHERE id = 'post_1';
SELECT product_id, post_id, deleted_at IS NOT NULL AS dismissed FROM product_product_blog_post ORDER BY post_id;
SELECT jsonb_pretty(link_delete('{"product": {"product_id": ["prod_1"]}}')) AS removed;
SELECT jsonb_pretty(link_restore('{"product": {"product_id": ["prod_1"]}}')) AS restored;

\echo '\n== 10. query_graph: products with their posts and the link metadata, filtered by a linked post, one statement'
SELECT jsonb_pretty(query_graph('{"entity": "product", "fields": ["id", "posts.id", "post_link.metadata"],
                                  "filters": {"posts": {"id": "post_1"}},
                                  "pagination": {"take": 10, "order": {"id": "ASC"}}}'));

\echo '\n== 11. Declarative re-definition: a safe change is applied, an unsafe one refused'
SELECT d -> 'extraColumns' AS extra_columns
FROM define_link('product.product', '{"linkable": "blog.post", "isList": true}',
                 '{"database": {"extraColumns": {
                     "metadata": {"type": "json", "nullable": true},
                     "position": {"type": "integer", "defaultValue": 0},
                     "featured": {"type": "boolean", "defaultValue": false}}}}') AS d;
\set ON_ERROR_STOP off
SELECT define_link('product.product', '{"linkable": "blog.post", "isList": true}',
                   '{"database": {"extraColumns": {"metadata": {"type": "text", "nullable": true}}}}');
\set ON_ERROR_STOP on

\echo '\n== 12. All link definitions'
SELECT service_name, entry_point, link_table, left_linkable, left_is_list, right_linkable, right_is_list,
       right_delete_cascade
FROM link_module.links ORDER BY 1;
SELECT get_link_module('blog', 'post_id', 'product', 'product_id') ->> 'serviceName' AS found_in_either_order;
