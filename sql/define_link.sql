-- define_link: link tables, cardinality indexes, read-only links, adoption of existing
-- Medusa tables, transactions, drop_link and get_link_module.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.note (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.author (id uuid PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.tag (id bigint PRIMARY KEY);
CREATE TABLE blog.review (id text PRIMARY KEY, product_id text, deleted_at timestamptz);

-- The result: names, schema-qualified table, both sides.
SELECT jsonb_pretty(define_link('product.product', 'blog.post',
       '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}'));
\d product_product_blog_post

-- Cardinality indexes follow Medusa's rule: a side's ids are unique among active links
-- unless the other side has isList.
SELECT define_link('product.product', '{"linkable": "blog.note", "isList": true}') ->> 'entryPoint';
SELECT define_link('{"linkable": "product.product", "isList": true}', 'blog.author') ->> 'entryPoint';
SELECT define_link('{"linkable": "product.product", "isList": true}', '{"linkable": "blog.tag", "isList": true}') ->> 'entryPoint';
SELECT l.entry_point, l.left_is_list, l.right_is_list,
       array(SELECT i.indexname FROM pg_indexes i
             WHERE i.tablename = l.definition->>'tableName' AND i.indexdef LIKE 'CREATE UNIQUE%'
             AND i.indexname NOT LIKE '%pkey' ORDER BY 1) AS unique_indexes
FROM link_module.links l ORDER BY 1;

-- Key columns take the type of the linked primary key.
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'product_product_blog_author'::regclass AND attnum BETWEEN 1 AND 3 ORDER BY attnum;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'product_product_blog_tag'::regclass AND attnum BETWEEN 1 AND 3 ORDER BY attnum;

-- deleteCascade and a custom idPrefix and schema are part of the definition.
CREATE SCHEMA links;
SELECT d->'left'->'deleteCascade' AS left_cascade, d->'right'->'deleteCascade' AS right_cascade,
       d->>'idPrefix' AS id_prefix, d->>'table' AS "table"
FROM define_link('blog.post', '{"linkable": "blog.note", "deleteCascade": true}',
                 '{"database": {"idPrefix": "pnlink", "schema": "links"}}') AS d;

-- Read-only link: no table; the left side's field holds the right record's key.
SELECT jsonb_pretty(define_link('{"linkable": "blog.review", "field": "product_id"}', 'product.product',
                                '{"readOnly": true, "isList": true}'));
SELECT count(*) AS tables FROM pg_class WHERE relname LIKE 'blog_review%';

-- get_link_module: either order, NULL when there is none, read-only links excluded.
SELECT get_link_module('product', 'product_id', 'blog', 'post_id') ->> 'serviceName' AS given_order;
SELECT get_link_module('blog', 'post_id', 'product', 'product_id') ->> 'serviceName' AS reverse_order;
SELECT get_link_module('blog', 'review_id', 'product', 'product_id') IS NULL AS read_only_excluded;
SELECT get_link_module('blog', 'post_id', 'product', 'nope_id') IS NULL AS unknown;

-- Everything happens in the caller's transaction.
BEGIN;
CREATE TABLE blog.comment (id text PRIMARY KEY);
SELECT define_link('product.product', 'blog.comment') ->> 'table' AS "table";
SELECT count(*) FROM link_module.links WHERE entry_point = 'product_comment';
ROLLBACK;
SELECT count(*) AS links_after_rollback FROM link_module.links WHERE entry_point = 'product_comment';
SELECT to_regclass('product_product_blog_comment') AS table_after_rollback;
SELECT count(*) AS linkables_after_rollback FROM link_module.linkables WHERE model = 'comment';

-- An existing Medusa link table is adopted, not recreated: rows are kept, our unique
-- indexes are added, missing extra columns too.
CREATE TABLE blog.event (id text PRIMARY KEY);
create table if not exists "product_product_blog_event" ("product_id" varchar(255) not null, "event_id" varchar(255) not null, "id" varchar(255) not null, "created_at" timestamptz not null default CURRENT_TIMESTAMP, "updated_at" timestamptz not null default CURRENT_TIMESTAMP, "deleted_at" timestamptz null, constraint "product_product_blog_event_pkey" primary key ("product_id", "event_id"));
create index if not exists "IDX_id_1743b3dea" on "product_product_blog_event" ("id");
INSERT INTO product_product_blog_event (product_id, event_id, id) VALUES ('prod_1', 'ev_1', 'link_1');
SELECT define_link('product.product', '{"linkable": "blog.event", "isList": true}',
                   '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') ->> 'table';
\d product_product_blog_event
SELECT product_id, event_id, id, metadata FROM product_product_blog_event;

-- drop_link keeps the table unless asked; defining the link again adopts it.
SELECT drop_link('product_event');
SELECT to_regclass('product_product_blog_event') IS NOT NULL AS table_kept;
SELECT define_link('product.product', '{"linkable": "blog.event", "isList": true}',
                   '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') ->> 'entryPoint';
SELECT count(*) AS rows_kept FROM product_product_blog_event;
SELECT drop_link('product_event', drop_table => true);
SELECT to_regclass('product_product_blog_event') AS table_dropped;
SELECT drop_link('product_event');
\echo :LAST_ERROR_SQLSTATE

-- A link whose table was dropped by hand gets it back when defined again.
DROP TABLE product_product_blog_note;
SELECT define_link('product.product', '{"linkable": "blog.note", "isList": true}') ->> 'entryPoint';
SELECT to_regclass('product_product_blog_note') IS NOT NULL AS table_recreated;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog, links CASCADE;
