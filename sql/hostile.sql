-- Hostile input: whatever a role sends, the backend survives, answers with a specific SQLSTATE
-- within interrupt latency, and the session goes on. Numbers refer to issue 8.
\set VERBOSITY terse
SELECT current_database() AS regression_db \gset
CREATE SCHEMA hostile;
SET search_path = hostile, public;
CREATE TABLE hostile.t (id text PRIMARY KEY, v numeric, d double precision, metadata jsonb, deleted_at timestamptz);
CREATE TABLE hostile.u (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO hostile.t VALUES ('a', 1, 1, '{"k": 1}'), ('b', 1.00000000000000000001, 0.1, '{"k": 2}');
INSERT INTO hostile.u SELECT 'u' || i FROM generate_series(1, 3000) i;
SELECT register_linkable('m', 't', 'hostile.t') ->> 'key';
SELECT register_linkable('n', 'u', 'hostile.u') ->> 'key';
SELECT define_link('m.t', '{"linkable": "n.u", "isList": true}',
                   '{"database": {"extraColumns": {"note": {"type": "json", "nullable": true}}}}') ->> 'entryPoint';

-- 1. A field filter nested 8,000 levels ($not on $not ...): refused by depth, no stack overflow.
SELECT query_graph(('{"entity":"t","filters":{"id":' || repeat('{"$not":', 8000) || '"x"' || repeat('}', 8000) || '}}')::jsonb);
\echo :LAST_ERROR_SQLSTATE
-- ... within the depth bound, but deeper than the stack allows: check_stack_depth answers.
SET max_stack_depth = '100kB';
SELECT query_graph(('{"entity":"t","filters":{"id":' || repeat('{"$not":', 900) || '"x"' || repeat('}', 900) || '}}')::jsonb);
\echo :LAST_ERROR_SQLSTATE
RESET max_stack_depth;
SELECT query_graph(('{"entity":"t","filters":{"id":' || repeat('{"$not":', 900) || '"a"' || repeat('}', 900) || '}}')::jsonb) -> 'data' AS nine_hundred_nots;
-- 2. Filters nested 10,000 levels.
SELECT query_graph(('{"entity":"t","filters":' || repeat('{"$not":', 10000) || '{"id":"x"}' || repeat('}', 10000) || '}')::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph(('{"entity":"t","filters":' || repeat('{"$or":[', 5000) || '{"id":"x"}' || repeat(']}', 5000) || '}')::jsonb);
\echo :LAST_ERROR_SQLSTATE
-- 3. A field path of 500,000 segments, in query_graph and query_graph_sql.
SELECT query_graph(jsonb_build_object('entity', 't', 'fields', jsonb_build_array(repeat('a.', 500000) || 'id')));
\echo :LAST_ERROR_SQLSTATE
SELECT link_module.query_graph_sql(jsonb_build_object('entity', 't', 'fields', jsonb_build_array(repeat('a.', 500000) || 'id')));
\echo :LAST_ERROR_SQLSTATE
-- 4. A define_link side given as JSON text with a value nested 100,000 levels.
SELECT define_link('{"linkable":"a.b","alias":' || repeat('[', 100000) || repeat(']', 100000) || '}', 'c.d');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('m.t', '{"linkable":"n.u","alias":' || repeat('[', 500) || repeat(']', 500) || '}');
\echo :LAST_ERROR_SQLSTATE
-- Deep nesting reaches every function taking JSON.
CREATE TEMP TABLE deep AS SELECT (repeat('[', 5000) || repeat(']', 5000))::jsonb AS v;
SELECT link_create(jsonb_build_object('m', jsonb_build_object('t_id', 'a'), 'n', jsonb_build_object('u_id', 'u1'), 'data', jsonb_build_object('note', v))) FROM deep;
\echo :LAST_ERROR_SQLSTATE
SELECT link_create(jsonb_build_array(v)) FROM deep;
\echo :LAST_ERROR_SQLSTATE
SELECT link_dismiss(v) FROM deep;
\echo :LAST_ERROR_SQLSTATE
SELECT link_update(jsonb_build_array(jsonb_build_object('m', v))) FROM deep;
\echo :LAST_ERROR_SQLSTATE
SELECT link_list(jsonb_build_object('m', jsonb_build_object('t_id', 'a'), 'n', jsonb_build_object('u_id', 'u1')), jsonb_build_object('withDeleted', v)) FROM deep;
\echo :LAST_ERROR_SQLSTATE
SELECT link_delete(jsonb_build_object('m', jsonb_build_object('t_id', v))) FROM deep;
\echo :LAST_ERROR_SQLSTATE
SELECT link_restore(jsonb_build_object('m', v)) FROM deep;
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('m', 'x', NULL, jsonb_build_object('alias', v)) FROM deep;
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('m.t', 'n.u', jsonb_build_object('database', jsonb_build_object('extraColumns', v))) FROM deep;
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph(jsonb_build_object('entity', 't', 'filters', jsonb_build_object('metadata', v))) FROM deep;
\echo :LAST_ERROR_SQLSTATE
-- Nesting within the bound is data like any other: a json extra column keeps it.
SELECT jsonb_array_length(link_create(jsonb_build_object('m', jsonb_build_object('t_id', 'a'), 'n', jsonb_build_object('u_id', 'u1'),
       'data', jsonb_build_object('note', (repeat('[', 900) || repeat(']', 900))::jsonb)))) AS created_with_deep_note;
SELECT link_dismiss('{"m": {"t_id": "a"}, "n": {"u_id": "u1"}}') IS NOT NULL AS dismissed;

-- 6. Wide objects are parsed and checked in linear time and stay cancellable.
SET statement_timeout = '20s';
SELECT link_create(jsonb_build_object('m', jsonb_build_object('t_id', 'a'), 'n', jsonb_build_object('u_id', 'u1'),
       'data', (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 160000) i)));
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph(jsonb_build_object('entity', 't', 'filters', (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 160000) i)));
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph(jsonb_build_object('entity', 't', 'fields', (SELECT jsonb_agg('r' || i || '.id') FROM generate_series(1, 160000) i)));
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('m.t', 'n.u', jsonb_build_object('database', jsonb_build_object('extraColumns',
       (SELECT jsonb_object_agg('c' || i, '{"type": "nope"}'::jsonb) FROM generate_series(1, 160000) i))));
\echo :LAST_ERROR_SQLSTATE
SELECT link_delete(jsonb_build_object('m', (SELECT jsonb_object_agg('k' || i, 'a') FROM generate_series(1, 160000) i)));
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
-- A cancel reaches the C++ loops: two million field paths, stopped by statement_timeout.
CREATE TEMP TABLE huge AS SELECT jsonb_build_object('entity', 't', 'fields',
       (SELECT jsonb_agg('f' || i || '.id') FROM generate_series(1, 2000000) i)) AS q;
SET statement_timeout = '100ms';
SELECT query_graph(q) FROM huge;
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
DROP TABLE huge;

-- 7. link_list with 3,000 x 3,000 ids (and 20,000 x 20,000) never forms the 9M pairs.
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object('m', jsonb_build_object('t_id', 'b'),
       'n', jsonb_build_object('u_id', 'u' || i))) FROM generate_series(1, 3000) i))) AS linked;
SET statement_timeout = '20s';
SELECT jsonb_array_length(link_list(jsonb_build_object(
       'm', jsonb_build_object('t_id', (SELECT jsonb_agg(CASE WHEN i = 1 THEN 'b' ELSE 'x' || i END) FROM generate_series(1, 3000) i)),
       'n', jsonb_build_object('u_id', (SELECT jsonb_agg('u' || i) FROM generate_series(1, 3000) i))))) AS listed;
SELECT jsonb_array_length(link_list(jsonb_build_object(
       'm', jsonb_build_object('t_id', (SELECT jsonb_agg('x' || i) FROM generate_series(1, 20000) i)),
       'n', jsonb_build_object('u_id', (SELECT jsonb_agg('y' || i) FROM generate_series(1, 20000) i))))) AS listed_none;
RESET statement_timeout;
-- The rows come in the order of the ids given, each once.
SELECT link_list('[{"m": {"t_id": ["b", "a"]}, "n": {"u_id": ["u3", "u2", "u3"]}}, {"m": {"t_id": "b"}, "n": {"u_id": "u1"}}]',
                 '{"asLinkDefinition": true}');

-- 9. Numbers are exact where they become SQL values.
SELECT query_graph('{"entity": "t", "fields": ["id"], "filters": {"v": 1}}');
SELECT query_graph('{"entity": "t", "fields": ["id"], "filters": {"v": 1.00000000000000000001}}');
SELECT query_graph('{"entity": "t", "fields": ["id"], "filters": {"v": {"$gt": 1.000000000000000000001}}}');
SELECT query_graph('{"entity": "t", "fields": ["id"], "filters": {"d": 0.1}}');
SELECT query_graph('{"entity": "t", "fields": ["id"], "filters": {"v": {"$lt": 1e400}}}');
SELECT query_graph('{"entity": "t", "fields": ["id"], "filters": {"d": 1e400}}');
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph('{"entity": "t", "fields": ["id"], "filters": {"v": 1e400}}');
CREATE TABLE hostile.w (id text PRIMARY KEY);
SELECT register_linkable('n', 'w', 'hostile.w') ->> 'key';
SELECT define_link('m.t', 'n.w', '{"database": {"table": "t_w_decimal", "extraColumns": {"amount": {"type": "decimal",
       "options": {"precision": 30, "scale": 25}, "defaultValue": 1.0000000000000000000000001}}}}') -> 'extraColumns';
SELECT column_default FROM information_schema.columns WHERE table_name = 't_w_decimal' AND column_name = 'amount';
SELECT drop_link('t_w', true);
SELECT define_link('m.t', 'n.u', '{"database": {"extraColumns": {"amount": {"type": "decimal",
       "options": {"precision": 4294967297}}}}}');
\echo :LAST_ERROR_SQLSTATE
-- A payload's numbers are checked by kind and stored exactly as given.
SELECT define_link('m.t', '{"linkable": "n.u", "isList": true}', '{"database": {"extraColumns": {"note": {"type": "json", "nullable": true},
       "amount": {"type": "decimal", "nullable": true, "options": {"precision": 30, "scale": 25}}}}}') ->> 'entryPoint';
INSERT INTO hostile.u VALUES ('v1');
SELECT (link_create('[{"m": {"t_id": "a"}, "n": {"u_id": "v1"}, "data": {"amount": 1.0000000000000000000000001, "note": {"x": 1e400}}},
                     {"m": {"t_id": "a"}, "n": {"u_id": "v1"}, "data": {"note": {"y": 1.00000000000000000001}}}]') -> 0) - 'id' - 'created_at' - 'updated_at';
SELECT (link_create('{"m": {"t_id": "a"}, "n": {"u_id": "v1"}, "data": {"note": {"x": 1e400}}}') -> 0) -> 'note';

-- Settings that bound work are for superusers only.
CREATE ROLE lm_hostile;
GRANT USAGE ON SCHEMA hostile TO lm_hostile;
GRANT SELECT ON ALL TABLES IN SCHEMA hostile TO lm_hostile;
SET ROLE lm_hostile;
SET link_module.graph_max_take = 100000000;
\echo :LAST_ERROR_SQLSTATE
SET link_module.graph_max_depth = 100;
\echo :LAST_ERROR_SQLSTATE
SET link_module.batch_size = 10000000;
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph('{"entity": "t", "fields": ["id"], "pagination": {"take": 1001}}');
\echo :LAST_ERROR_SQLSTATE
-- ... and the same hostile inputs as an unprivileged role: still clean errors.
SELECT query_graph(('{"entity":"t","filters":' || repeat('{"$not":', 10000) || '{"id":"x"}' || repeat('}', 10000) || '}')::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable":"a.b","alias":' || repeat('[', 100000) || repeat(']', 100000) || '}', 'c.d');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP OWNED BY lm_hostile;
DROP ROLE lm_hostile;

-- Two links giving one relation name on an entity: an error, not the first one.
CREATE TABLE hostile.r (id text PRIMARY KEY, u_id text);
SELECT register_linkable('m', 'r', 'hostile.r') ->> 'key';
SELECT define_link('{"linkable": "m.r", "alias": "r2", "field": "u_id"}', '{"linkable": "n.u", "alias": "twin"}', '{"readOnly": true}') ->> 'entryPoint';
SELECT define_link('m.r', '{"linkable": "n.u", "alias": "twin"}', '{"database": {"table": "r_twin"}}') ->> 'entryPoint';
SELECT query_graph('{"entity": "r", "fields": ["id", "twin.*"]}');
\echo :LAST_ERROR_SQLSTATE

-- 5. Databases in other encodings: non-ASCII table, column and id names, converted at the edge.
CREATE DATABASE lm_latin1 ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C';
CREATE DATABASE lm_eucjp ENCODING 'EUC_JP' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C';
\c lm_latin1
SET client_encoding = 'UTF8';
\set VERBOSITY terse
CREATE EXTENSION link_module;
CREATE SCHEMA "catálogo";
CREATE TABLE "catálogo"."prodüct" (id text PRIMARY KEY, "tïtle" text, deleted_at timestamptz);
CREATE TABLE "catálogo"."pöst" (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO "catálogo"."prodüct" VALUES ('p-é', 'Café'), ('p2', 'x');
INSERT INTO "catálogo"."pöst" VALUES ('b-ñ'), ('b2');
SELECT register_linkable('catalog', 'product', '"catálogo"."prodüct"') ->> 'relation';
SELECT register_linkable('cms', 'post', '"catálogo"."pöst"') ->> 'relation';
SELECT define_link('catalog.product', '{"linkable": "cms.post", "deleteCascade": true}',
       '{"database": {"extraColumns": {"notes": {"type": "text", "nullable": true, "defaultValue": "déjà"}}}}') ->> 'table';
SELECT link_create('{"catalog": {"product_id": "p-é"}, "cms": {"post_id": "b-ñ"}, "data": {"notes": "ça"}}') -> 0 ->> 'notes';
SELECT link_list('{"catalog": {"product_id": ["p-é", "p2"]}, "cms": {"post_id": ["b-ñ"]}}', '{"asLinkDefinition": true}');
SELECT query_graph('{"entity": "product", "fields": ["id", "tïtle", "post.id", "post_link.notes"], "filters": {"tïtle": "Café"}}');
SELECT link_create('{"catalog": {"product_id": "p-é"}, "cms": {"post_id": "b-ñ"}, "data": {"notes": "€"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"catalog": {"product_id": "zzé"}, "cms": {"post_id": "b-ñ"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph('{"entity": "product", "fields": ["nöpe"]}');
\echo :LAST_ERROR_SQLSTATE
UPDATE "catálogo"."prodüct" SET deleted_at = now() WHERE id = 'p-é';
SELECT id, deleted_at IS NOT NULL AS deleted FROM "catálogo"."pöst" ORDER BY id;
UPDATE "catálogo"."prodüct" SET deleted_at = NULL WHERE id = 'p-é';
SELECT id, deleted_at IS NOT NULL AS deleted FROM "catálogo"."pöst" ORDER BY id;
SELECT link_delete('{"catalog": {"product_id": ["p-é"]}}');
SELECT link_restore('{"catalog": {"product_id": ["p-é"]}}');
DELETE FROM "catálogo"."prodüct" WHERE id = 'p-é';
SELECT id FROM "catálogo"."pöst" ORDER BY id;
\c lm_eucjp
SET client_encoding = 'UTF8';
\set VERBOSITY terse
CREATE EXTENSION link_module;
CREATE TABLE "商品" (id text PRIMARY KEY, "名前" text, deleted_at timestamptz);
CREATE TABLE "記事" (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO "商品" VALUES ('商品1', '靴'), ('商品2', '帽子');
INSERT INTO "記事" VALUES ('記事1'), ('記事2');
SELECT register_linkable('catalog', 'product', '"商品"') ->> 'relation';
SELECT register_linkable('cms', 'post', '"記事"') ->> 'relation';
SELECT define_link('catalog.product', '{"linkable": "cms.post", "isList": true, "deleteCascade": true}') ->> 'table';
SELECT jsonb_array_length(link_create('[{"catalog": {"product_id": "商品1"}, "cms": {"post_id": "記事1"}},
                                        {"catalog": {"product_id": "商品1"}, "cms": {"post_id": "記事2"}}]')) AS created;
SELECT query_graph('{"entity": "product", "fields": ["名前", "posts.id"], "filters": {"名前": "靴"}}');
SELECT link_dismiss('{"catalog": {"product_id": "商品1"}, "cms": {"post_id": "記事2"}}') -> 0 ->> 'post_id';
SELECT link_create('{"catalog": {"product_id": "商品1"}, "cms": {"post_id": "記事2"}}') -> 0 ->> 'post_id';
SELECT link_create('{"catalog": {"product_id": "商品9"}, "cms": {"post_id": "記事1"}}');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM "商品" WHERE id = '商品1';
SELECT id FROM "記事" ORDER BY id;
\c :regression_db
DROP DATABASE lm_latin1;
DROP DATABASE lm_eucjp;
SELECT 'the session is still usable' AS still_here;
-- Leave the registry as we found it.
SELECT count(*) AS dropped FROM (SELECT drop_link(entry_point, true) FROM link_module.links) d;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA hostile CASCADE;
