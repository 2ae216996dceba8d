-- Calls larger than link_module.batch_size run in several statements: the results, their
-- order, cardinality errors and existence checks are the same as in one statement.
CREATE TABLE product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE post (id text PRIMARY KEY);
INSERT INTO product SELECT 'p' || i FROM generate_series(1, 12) i;
INSERT INTO post SELECT 'b' || i FROM generate_series(1, 12) i;
SELECT define_link('public.product', 'public.post', '{"database": {"extraColumns": {"n": {"type": "integer", "nullable": true}}}}') ->> 'entryPoint';
CREATE FUNCTION links_of(first int, last int, extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_agg(jsonb_build_object('public', jsonb_build_object('product_id', 'p' || i, 'post_id', 'b' || i),
                                      'data', jsonb_build_object('n', i, 'id', 'l' || i) || extra) ORDER BY i)
  FROM generate_series(first, last) i $$;
SET link_module.batch_size = 3;
SHOW link_module.batch_size;

-- 5 existing pairs and 5 new ones, mixed, over chunks of 3.
SELECT jsonb_array_length(link_create(links_of(1, 5))) AS created;
SELECT string_agg(r ->> 'id' || ':' || (r ->> 'n'), ' ') AS rows
FROM jsonb_array_elements(link_create((SELECT jsonb_agg(e) FROM (SELECT jsonb_array_elements(links_of(1, 10, '{"n": 0}')) e) x))) r;
SELECT product_id, post_id, id, n FROM public_product_public_post ORDER BY n, product_id;

-- A cardinality conflict in a later chunk fails the whole call.
SELECT link_create(links_of(11, 12) || '[{"public": {"product_id": "p12", "post_id": "b1"}}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
-- ... also when the database finds it, in a later chunk (rows 4 and 5 of chunks of 3).
SELECT link_create(links_of(8, 11) || '[{"public": {"product_id": "p3", "post_id": "b1"}}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
-- A missing record in a later chunk too.
UPDATE product SET deleted_at = now() WHERE id = 'p12';
SELECT link_create(links_of(11, 12));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS unchanged FROM public_product_public_post;

-- Dismiss, update and list over chunks.
SELECT jsonb_array_length(link_dismiss(links_of(1, 7))) AS dismissed;
SELECT jsonb_array_length(link_list(links_of(1, 10))) AS active, jsonb_array_length(link_list(links_of(1, 10), '{"withDeleted": true}')) AS all;
SELECT string_agg(r ->> 'n', ' ') AS updated FROM jsonb_array_elements(link_update(links_of(8, 10, '{"n": 99}'))) r;
SELECT link_update(links_of(6, 10));
\echo :LAST_ERROR_SQLSTATE
RESET link_module.batch_size;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP TABLE product, post;
DROP FUNCTION links_of;

-- Results of several statements are joined into one jsonb array by copying their elements'
-- binary forms: the joined array equals its own rebuild, across the 32-entry offset stride.
CREATE TABLE product2 (id text PRIMARY KEY);
CREATE TABLE post2 (id text PRIMARY KEY);
INSERT INTO product2 SELECT 'p' || i FROM generate_series(1, 100) i;
INSERT INTO post2 SELECT 'b' || i FROM generate_series(1, 100) i;
SELECT define_link('public.product2', '{"linkable": "public.post2", "isList": true}', '{"database": {"extraColumns": {
  "n": {"type": "double", "nullable": true}, "tags": {"type": "array", "nullable": true}, "meta": {"type": "json", "nullable": true}}}}') ->> 'entryPoint';
SET link_module.batch_size = 7;
CREATE TEMP TABLE joined AS
SELECT link_create((SELECT jsonb_agg(jsonb_build_object('public', jsonb_build_object('product2_id', 'p' || (i % 5 + 1), 'post2_id', 'b' || i),
                    'data', jsonb_build_object('id', 'x' || i, 'n', i / 3.0, 'tags', jsonb_build_array('t' || i), 'meta', jsonb_build_object('i', i, 'odd', i % 2 = 1))) ORDER BY i)
                    FROM generate_series(1, 100) i)) AS r;
RESET link_module.batch_size;
SELECT jsonb_array_length(r) AS rows, r = (SELECT jsonb_agg(e) FROM jsonb_array_elements(r) e) AS same_as_rebuilt,
       r -> 0 ->> 'id' AS first, r -> 33 ->> 'id' AS stride_crossed, r -> 99 -> 'meta' AS last_meta,
       r -> 64 -> 'n' = to_jsonb(65 / 3.0::float8) AS number_kept
FROM joined;
SELECT count(*) AS listed FROM jsonb_array_elements((SELECT r FROM joined)) e
JOIN public_product2_public_post2 t ON t.id = e ->> 'id' AND t.meta = e -> 'meta' AND t.tags = ARRAY(SELECT jsonb_array_elements_text(e -> 'tags'));
SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP TABLE product2, post2;

-- A pair asked in entries that fall in different chunks is listed once, where first asked.
CREATE TABLE product3 (id text PRIMARY KEY);
CREATE TABLE post3 (id text PRIMARY KEY);
INSERT INTO product3 VALUES ('p1'), ('p2'), ('p3');
INSERT INTO post3 VALUES ('b1'), ('b2'), ('b3');
SELECT define_link('{"linkable": "public.product3", "isList": true}', '{"linkable": "public.post3", "isList": true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[{"public": {"product3_id": "p1", "post3_id": "b1"}}, {"public": {"product3_id": "p2", "post3_id": "b2"}},
                                        {"public": {"product3_id": "p2", "post3_id": "b3"}}]')) AS created;
SET link_module.batch_size = 1;
SELECT string_agg((r ->> 'product3_id') || '-' || (r ->> 'post3_id'), ' ') AS listed
FROM jsonb_array_elements(link_list('{"public": {"product3_id": ["p2", "p2", "p1"], "post3_id": ["b3", "b2", "b1"]}}')) r;
SELECT string_agg((r ->> 'product3_id') || '-' || (r ->> 'post3_id'), ' ') AS listed
FROM jsonb_array_elements(link_list('[{"public": {"product3_id": "p2", "post3_id": "b2"}}, {"public": {"product3_id": "p1", "post3_id": "b1"}},
                                      {"public": {"product3_id": "p2", "post3_id": "b2"}}]')) r;
RESET link_module.batch_size;
-- One entry of 3,000 ids on each side: the pairs are not formed (a quadratic plan would
-- take seconds here).
SET statement_timeout = '5s';
SELECT jsonb_array_length(link_list(jsonb_build_object('public', jsonb_build_object(
  'product3_id', (SELECT jsonb_agg('p' || i) FROM generate_series(1, 3000) i),
  'post3_id', (SELECT jsonb_agg('b' || i) FROM generate_series(1, 3000) i))))) AS listed;
-- A record with 10,000 links, asked with each of them in 10,000 entries: each pair is one
-- probe (probing by the record alone would read its 10,000 links for every entry).
INSERT INTO post3 SELECT 'h' || i FROM generate_series(1, 10000) i;
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object('public', jsonb_build_object('product3_id', 'p1', 'post3_id', 'h' || i)))
                                       FROM generate_series(1, 10000) i))) AS created;
SELECT jsonb_array_length(link_list((SELECT jsonb_agg(jsonb_build_object('public', jsonb_build_object('product3_id', 'p1', 'post3_id', 'h' || i)))
                                     FROM generate_series(1, 10000) i))) AS listed;
RESET statement_timeout;
SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP TABLE product3, post3;

-- Keys whose type spells one value several ways (a uuid in either case, "1" and "01" of an
-- integer): the payload's spellings of one value are one id, in every function.
CREATE TABLE shelf (id uuid PRIMARY KEY);
CREATE TABLE tome (id bigint PRIMARY KEY);
INSERT INTO shelf VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), ('b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12');
INSERT INTO tome VALUES (1), (2);
SELECT define_link('public.shelf', 'public.tome', '{"database": {"extraColumns": {"note": {"type": "text", "nullable": true}}}}') ->> 'entryPoint';
-- One-to-one: the same pair spelled twice is one link, its data merged in payload order.
SELECT string_agg((r ->> 'tome_id') || ':' || (r ->> 'note'), ' ') AS created
FROM jsonb_array_elements(link_create('[{"public": {"shelf_id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "tome_id": "1"}, "data": {"note": "first"}},
                                        {"public": {"shelf_id": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "tome_id": "01"}, "data": {"note": "second"}}]')) r;
SELECT shelf_id, tome_id, note FROM public_shelf_public_tome;
-- Two spellings of one shelf with two tomes: a cardinality error, found before any statement.
SELECT link_create('[{"public": {"shelf_id": "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12", "tome_id": "2"}},
                     {"public": {"shelf_id": "B0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12", "tome_id": "+1"}}]');
\echo :LAST_ERROR_SQLSTATE
-- Update and dismiss take either spelling, once.
SELECT jsonb_array_length(link_update('[{"public": {"shelf_id": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "tome_id": "1"}, "data": {"note": "third"}},
                                        {"public": {"shelf_id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "tome_id": "001"}}]')) AS updated;
SET link_module.batch_size = 1;
SELECT jsonb_array_length(link_list('{"public": {"shelf_id": ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"], "tome_id": ["1", "01"]}}')) AS listed;
RESET link_module.batch_size;
SELECT jsonb_array_length(link_dismiss('[{"public": {"shelf_id": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "tome_id": "1"}},
                                         {"public": {"shelf_id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "tome_id": "01"}}]')) AS dismissed;
SELECT shelf_id, tome_id, note, deleted_at IS NOT NULL AS dismissed FROM public_shelf_public_tome;
SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP TABLE shelf, tome;
