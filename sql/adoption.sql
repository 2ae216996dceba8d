-- An existing Medusa database (issue 11): tables adopted as they are, links whose table
-- Medusa's planner dropped, data that breaks cardinality or names missing records.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE blog.tag (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO product.product VALUES ('p1', 'Shoe'), ('p2', 'Hat'), ('p3', 'Sock');
INSERT INTO blog.post VALUES ('b1', 'About shoes'), ('b2', 'About hats'), ('b3', 'About socks');
INSERT INTO blog.tag VALUES ('t1'), ('t2');

-- 1. A link table dropped by Medusa's planner (DROP TABLE IF EXISTS, when a link is removed
-- from the code) takes its link with it, as a dropped table takes its triggers.
SELECT define_link('product.product', 'blog.post') ->> 'entryPoint' AS defined;
SELECT define_link('product.product', '{"linkable": "blog.tag", "isList": true}') ->> 'entryPoint' AS defined;
SELECT jsonb_array_length(link_create('[{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}},
                                        {"product": {"product_id": "p1"}, "blog": {"tag_id": "t1"}}]')) AS linked;
DROP TABLE IF EXISTS product_product_blog_post;
SELECT entry_point FROM link_module.links ORDER BY 1;
SELECT link_list('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph('{"entity": "product", "fields": ["id", "post.id"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph('{"entity": "product", "fields": ["id", "tags.id"], "filters": {"id": "p1"}}') -> 'data' AS graph;
-- The records' triggers stay while another link uses the table, and go with the last one.
SELECT tgrelid::regclass AS record_table, count(*) FROM pg_trigger
WHERE tgname LIKE 'link_module%' AND tgrelid IN ('product.product'::regclass, 'blog.post'::regclass, 'blog.tag'::regclass)
GROUP BY 1 ORDER BY 1;
-- Soft-deleting a post cascades nowhere and fails nowhere.
UPDATE blog.post SET deleted_at = now() WHERE id = 'b1';
UPDATE blog.post SET deleted_at = NULL WHERE id = 'b1';
-- Defined again, the link has a new table.
SELECT define_link('product.product', 'blog.post') ->> 'table' AS defined_again;
SELECT jsonb_array_length(link_list('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}}')) AS listed;
-- drop_link(..., true) drops the table without that notice.
SELECT drop_link('product_post', true);
SELECT to_regclass('product_product_blog_post') AS gone;

-- 2. Adopting rows Medusa wrote: its cardinality check races (two active one-to-one links of
-- p1), and it checks no records (a link to p9, which does not exist; one to b3, soft-deleted).
-- The table as Medusa's planner creates it:
CREATE TABLE product_product_blog_post ("product_id" varchar(255) NOT NULL, "post_id" varchar(255) NOT NULL,
    "id" varchar(255) NOT NULL, "created_at" timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP, "deleted_at" timestamptz NULL,
    CONSTRAINT "product_product_blog_post_pkey" PRIMARY KEY ("product_id", "post_id"));
INSERT INTO product_product_blog_post (product_id, post_id, id, created_at) VALUES
    ('p1', 'b1', 'link_1', '2026-01-01'), ('p1', 'b2', 'link_2', '2026-01-02'),
    ('p9', 'b9', 'link_3', '2026-01-03'), ('p3', 'b3', 'link_4', '2026-01-04');
INSERT INTO product_product_blog_post (product_id, post_id, id, created_at, deleted_at) VALUES
    ('p2', 'b1', 'link_5', '2026-01-05', '2026-01-06');
UPDATE blog.post SET deleted_at = '2026-02-01' WHERE id = 'b3';
-- Refused as it is: the unique index cannot be built. Nothing changed.
SELECT define_link('product.product', 'blog.post');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS links FROM link_module.links WHERE entry_point = 'product_post';
-- With repair: the newest active link of p1 stays, the others are dismissed, as are links to
-- missing or soft-deleted records, in define_link's transaction (NOTICEs say how many).
BEGIN;
SELECT define_link('product.product', 'blog.post', '{"repair": true}') ->> 'entryPoint' AS adopted;
SELECT product_id, post_id, deleted_at IS NULL AS active FROM product_product_blog_post ORDER BY 1, 2;
ROLLBACK;
-- Without repair a one-to-many link adopts the rows, and says what it found.
SELECT define_link('product.product', '{"linkable": "blog.post", "isList": true}') ->> 'entryPoint' AS adopted;
SELECT * FROM link_check('product_post');
SELECT * FROM link_check() WHERE link = 'product_post';
-- Becoming one-to-one is refused while p1 has two active links.
SELECT define_link('product.product', 'blog.post') ->> 'entryPoint';
\echo :LAST_ERROR_SQLSTATE
-- link_repair dismisses what link_check lists and returns it; then nothing is left to list.
SELECT * FROM link_repair('product_post');
SELECT * FROM link_check('product_post');
-- Becoming one-to-one with repair keeps p1's newest active link.
SELECT define_link('product.product', 'blog.post', '{"repair": true}') ->> 'entryPoint' AS one_to_one;
SELECT product_id, post_id, deleted_at IS NULL AS active FROM product_product_blog_post ORDER BY 1, 2;
SELECT * FROM link_check('nope');
\echo :LAST_ERROR_SQLSTATE

SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog CASCADE;

-- 3. Checks and repairs that keep what is valid. A repair dismisses the links to missing records
-- first, so the link kept for an id that may have only one is never one of those; a linkable
-- registered with {"validate": false} may name records that do not exist (yet), and keeps them;
-- an adopted table's varchar keys naming uuid records compare as text.
CREATE SCHEMA a;
CREATE TABLE a.p (id uuid PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE a.q (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE a.ext (id text PRIMARY KEY);
INSERT INTO a.p VALUES ('00000000-0000-0000-0000-000000000001');
INSERT INTO a.q VALUES ('q_live');
SELECT register_linkable('a', 'ext', 'a.ext', '{"validate": false}') ->> 'key' AS registered;
CREATE TABLE a.a_p_a_q (p_id varchar(255) NOT NULL, q_id varchar(255) NOT NULL, id varchar(255) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz, PRIMARY KEY (p_id, q_id));
INSERT INTO a.a_p_a_q (p_id, q_id, id, created_at) VALUES
    ('00000000-0000-0000-0000-000000000001', 'q_live', 'l1', '2024-01-01'),
    ('00000000-0000-0000-0000-000000000001', 'q_gone', 'l2', '2024-02-01');
SELECT define_link('a.p', 'a.q', '{"database": {"schema": "a"}, "repair": true}') ->> 'entryPoint' AS adopted;
SELECT q_id, deleted_at IS NULL AS active FROM a.a_p_a_q ORDER BY 1;
SELECT query_graph('{"entity": "a.p", "fields": ["id", "q.id"]}') -> 'data' AS graph;
SELECT define_link('a.q', '{"linkable": "a.ext", "isList": true}', '{"database": {"schema": "a"}}') ->> 'entryPoint' AS defined;
SELECT jsonb_array_length(link_create('{"a": {"q_id": "q_live", "ext_id": "not_yet"}}')) AS linked;
SELECT * FROM link_repair('q_ext');
-- An id longer than its varchar(n) key names no record: it is never truncated into one.
CREATE TABLE a.short (id varchar(5) PRIMARY KEY, deleted_at timestamptz);
INSERT INTO a.short VALUES ('s1234');
SELECT define_link('a.short', 'a.q', '{"database": {"schema": "a"}}') ->> 'entryPoint' AS defined;
SELECT link_create('{"a": {"short_id": "s1234-other", "q_id": "q_live"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph('{"entity": "a.short", "fields": ["id"], "filters": {"id": "s1234-other"}}') AS graph;
-- An adopted table must have what cardinality and every statement rely on: keys that are never
-- NULL, and link_module's unique index names on partial unique indexes of their key.
CREATE TABLE a.a_short_a_ext (short_id varchar(5), ext_id text NOT NULL, id varchar(255) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz);
SELECT define_link('a.short', 'a.ext', '{"database": {"schema": "a"}}');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE a.a_short_a_ext ALTER COLUMN short_id SET NOT NULL;
SELECT ('IDX_short_id_unique_' || (regexp_match(define_link('a.short', '{"linkable": "a.ext", "isList": true}',
        '{"database": {"schema": "a"}}') ->> 'table', '.*'))[1]) IS NOT NULL AS defined_as_list;
SELECT drop_link('short_ext');
SELECT indexname AS unique_index FROM pg_indexes WHERE tablename = 'a_short_a_ext' AND indexname LIKE 'IDX_ext_id_unique_%' \gset
DROP INDEX a.:"unique_index";
CREATE INDEX :"unique_index" ON a.a_short_a_ext (ext_id);
SELECT define_link('a.short', '{"linkable": "a.ext", "isList": true}', '{"database": {"schema": "a"}}');
\echo :LAST_ERROR_SQLSTATE
-- A link table is a permanent table, never a temporary one.
CREATE TEMPORARY TABLE scratch (id int);
DO $$ BEGIN
    PERFORM define_link('a.short', 'a.ext', jsonb_build_object('database', jsonb_build_object('schema', pg_my_temp_schema()::regnamespace::text)));
EXCEPTION WHEN invalid_schema_name THEN RAISE NOTICE 'refused: %', SQLSTATE;
END $$;
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA a CASCADE;
