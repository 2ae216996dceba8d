-- All 21 extraColumns types, their defaults (typed literals, never raw SQL), nullable, and
-- enum / enumArray CHECKs.
CREATE TABLE product (id text PRIMARY KEY);
CREATE TABLE post (id text PRIMARY KEY);

-- c_string's default uses Medusa's raw-SQL spelling of a string ('it''s'): it is unquoted.
SELECT jsonb_object_keys(define_link('public.product', 'public.post', $json${"database": {"table": "product_post", "extraColumns": {
  "c_string":     {"type": "string", "defaultValue": "'it''s'"},
  "c_text":       {"type": "text", "nullable": true, "defaultValue": "plain"},
  "c_integer":    {"type": "integer", "defaultValue": 1},
  "c_boolean":    {"type": "boolean", "defaultValue": false},
  "c_date":       {"type": "date", "defaultValue": "2024-01-31"},
  "c_time":       {"type": "time", "nullable": true, "defaultValue": "12:30:15"},
  "c_datetime":   {"type": "datetime", "defaultValue": "now()"},
  "c_json":       {"type": "json", "defaultValue": {"a": [1, 2]}},
  "c_array":      {"type": "array", "defaultValue": ["x", "y \"quoted\""]},
  "c_enum":       {"type": "enum", "defaultValue": "draft", "options": {"items": ["draft", "published"]}},
  "c_enum_array": {"type": "enumArray", "nullable": true, "options": {"items": ["red", "green"]}},
  "c_float":      {"type": "float", "defaultValue": 1.5},
  "c_double":     {"type": "double", "defaultValue": "2.25"},
  "c_decimal":    {"type": "decimal", "defaultValue": "1"},
  "c_bigint":     {"type": "bigint", "defaultValue": 9007199254740993},
  "c_smallint":   {"type": "smallint", "nullable": true},
  "c_tinyint":    {"type": "tinyint", "nullable": true},
  "c_mediumint":  {"type": "mediumint", "nullable": true},
  "c_blob":       {"type": "blob", "nullable": true, "defaultValue": "\\x0102"},
  "c_uint8array": {"type": "uint8array", "nullable": true},
  "c_uuid":       {"type": "uuid", "defaultValue": "gen_random_uuid()"}
}}}$json$) -> 'extraColumns') AS columns;
\d product_post

-- Defaults are applied; the enum CHECKs accept only their items.
INSERT INTO product_post (product_id, post_id, id) VALUES ('p1', 'b1', 'link_1');
SELECT c_string, c_text, c_integer, c_boolean, c_date, c_time, c_json, c_array, c_enum, c_enum_array,
       c_float, c_double, c_decimal, c_bigint, c_blob, c_datetime IS NOT NULL AS has_datetime,
       c_uuid IS NOT NULL AS has_uuid
FROM product_post;
\set VERBOSITY terse
INSERT INTO product_post (product_id, post_id, id, c_enum) VALUES ('p2', 'b2', 'link_2', 'archived');
INSERT INTO product_post (product_id, post_id, id, c_enum_array) VALUES ('p2', 'b2', 'link_2', '{red,blue}');
\set VERBOSITY default
INSERT INTO product_post (product_id, post_id, id, c_enum_array) VALUES ('p2', 'b2', 'link_2', '{red,green}');

-- The returned definition is accepted as input: defining it again changes nothing.
SELECT definition -> 'extraColumns' -> 'c_string' AS c_string_spec FROM link_module.links WHERE entry_point = 'product_post';
SELECT xmin AS before FROM link_module.link_registry WHERE entry_point = 'product_post' \gset
SELECT define_link('public.product', 'public.post', (SELECT jsonb_build_object('database',
       jsonb_build_object('table', 'product_post', 'extraColumns', definition->'extraColumns'))
       FROM link_module.links WHERE entry_point = 'product_post')) IS NOT NULL AS redefined;
SELECT xmin = :'before' AS unchanged FROM link_module.link_registry WHERE entry_point = 'product_post';

-- decimal takes precision and scale, or Medusa's columnType "numeric".
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "price"}', '{"database": {
  "table": "product_price", "extraColumns": {
    "amount": {"type": "decimal", "options": {"precision": 12, "scale": 2}, "defaultValue": "9.99"},
    "ratio":  {"type": "decimal", "options": {"columnType": "numeric"}, "nullable": true}}}}') ->> 'table';
SELECT attname, format_type(atttypid, atttypmod), pg_get_expr(d.adbin, d.adrelid) AS default
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE attrelid = 'product_price'::regclass AND attname IN ('amount', 'ratio') ORDER BY attnum;

-- Bad types and defaults name the column; nothing is created.
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "varchar"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"nullable": true}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "integer", "defaultValue": "12abc"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "smallint", "defaultValue": 100000}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "date", "defaultValue": "2024-02-30"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "json", "defaultValue": "{not json"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "integer", "defaultValue": true}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "integer", "defaultValue": "now()"}}}}');
\echo :LAST_ERROR_SQLSTATE
-- Raw SQL is not a default: it is just an invalid literal.
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "integer", "defaultValue": "1); DROP TABLE product; --"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "text", "defaultValue": "now() || chr(65)"}}}}') #> '{extraColumns,c,defaultValue}';
SELECT pg_get_expr(adbin, adrelid) AS literal_default FROM pg_attrdef WHERE adrelid = 't_x'::regclass;
SELECT drop_link('product_x', true);
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "enum", "options": {"items": []}}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "enum", "options": {"items": ["a"]}, "defaultValue": "b"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "enumArray", "options": {"items": ["a"]}, "defaultValue": ["a", "z"]}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "text", "options": {"items": ["a"]}}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "decimal", "options": {"precision": 2, "scale": 5}}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "text", "nullable": "yes"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"c": {"type": "text", "default": "x"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"bad name": {"type": "text"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"deleted_at": {"type": "datetime"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('public.product', '{"linkable": "public.post", "alias": "x"}', '{"database": {"table": "t_x",
  "extraColumns": {"product_id": {"type": "text"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('t_x') AS not_created, count(*) AS links FROM link_module.links;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP TABLE product, post;

-- Extra columns named like the aliases of link_module's statements (t, z, i, w, p, x, m, row,
-- ord__) are columns like any other in every function.
CREATE TABLE alias_a (id text PRIMARY KEY);
CREATE TABLE alias_b (id text PRIMARY KEY);
INSERT INTO alias_a VALUES ('a1');
INSERT INTO alias_b VALUES ('b1');
SELECT define_link('public.alias_a', 'public.alias_b', '{"database": {"extraColumns": {"t": {"type": "text", "nullable": true},
  "z": {"type": "text", "nullable": true}, "i": {"type": "text", "nullable": true}, "w": {"type": "text", "nullable": true},
  "p": {"type": "text", "nullable": true}, "x": {"type": "text", "nullable": true}, "m": {"type": "text", "nullable": true},
  "row": {"type": "text", "nullable": true}, "ord__": {"type": "text", "nullable": true}}}}') ->> 'entryPoint' AS link;
SELECT r - 'id' - 'created_at' - 'updated_at' AS created FROM jsonb_array_elements(link_create('{"public": {"alias_a_id": "a1", "alias_b_id": "b1"},
  "data": {"t": "tv", "z": "zv", "i": "iv", "w": "wv", "p": "pv", "x": "xv", "m": "mv", "row": "rv", "ord__": "ov"}}')) r;
SELECT link_update('{"public": {"alias_a_id": "a1", "alias_b_id": "b1"}, "data": {"t": "tv2"}}') -> 0 ->> 't' AS updated;
SELECT link_list('{"public": {"alias_a_id": "a1", "alias_b_id": "b1"}}', '{"asLinkDefinition": true}') AS listed;
SELECT query_graph('{"entity": "alias_a", "fields": ["id", "alias_b.id", "alias_b_link.t"]}') AS graph;
SELECT jsonb_array_length(link_dismiss('{"public": {"alias_a_id": "a1", "alias_b_id": "b1"}}')) AS dismissed;
SELECT drop_link(entry_point, true) FROM link_module.links WHERE entry_point = 'alias_a_alias_b';
DELETE FROM link_module.linkable_registry;
DROP TABLE alias_a, alias_b;
