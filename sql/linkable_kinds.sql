-- Which relations may back a linkable. The cascade triggers are statement triggers on the
-- linkable's own table, so a table in a partitioning or inheritance tree (whose partitions,
-- children or parent take statements that do not fire them) is refused, now and later, and so
-- is a temporary table (its link rows would outlive the session). A soft-delete column is a
-- point in time; 'infinity' is one too.
CREATE SCHEMA kinds;
CREATE TABLE kinds.plain (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE kinds.part (id text PRIMARY KEY, deleted_at timestamptz) PARTITION BY LIST (id);
CREATE TABLE kinds.part_a PARTITION OF kinds.part FOR VALUES IN ('a');
CREATE TABLE kinds.parent (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE kinds.child (note text) INHERITS (kinds.parent);
CREATE TEMP TABLE scratch (id text PRIMARY KEY);
CREATE VIEW kinds.plain_view AS SELECT * FROM kinds.plain;
CREATE MATERIALIZED VIEW kinds.plain_mat AS SELECT * FROM kinds.plain;
CREATE FOREIGN DATA WRAPPER kinds_fdw;
CREATE SERVER kinds_srv FOREIGN DATA WRAPPER kinds_fdw;
CREATE FOREIGN TABLE kinds.remote (id text NOT NULL, deleted_at timestamptz) SERVER kinds_srv;

-- Refused at registration (0A000): partitioned, partition, inheritance parent and child, temporary.
SELECT register_linkable('kinds', 'part', 'kinds.part');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('kinds', 'part_a', 'kinds.part_a');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('kinds', 'parent', 'kinds.parent');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('kinds', 'child', 'kinds.child');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('kinds', 'scratch', 'scratch');
\echo :LAST_ERROR_SQLSTATE
-- Not tables at all (42809).
SELECT register_linkable('kinds', 'view', 'kinds.plain_view');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('kinds', 'mat', 'kinds.plain_mat');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('kinds', 'remote', 'kinds.remote');
\echo :LAST_ERROR_SQLSTATE
-- define_link's implicit registration of a 'schema.table' side refuses them the same way.
SELECT define_link('kinds.part', 'kinds.plain');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('kinds.plain', 'kinds.part_a');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('kinds.plain', 'kinds.parent');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('kinds.child', 'kinds.plain');
\echo :LAST_ERROR_SQLSTATE
-- Nothing was registered or created.
SELECT count(*) AS linkables FROM link_module.linkables;
SELECT count(*) AS links FROM link_module.links;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgname LIKE 'link_module%';

-- A registration made before these checks (written into the registry directly here) is refused
-- when a link would use it.
INSERT INTO link_module.linkable_registry (module, model, relation, relation_name, primary_key, key, key_type, alias)
VALUES ('legacy', 'part', 'kinds.part', 'kinds.part', 'id', 'part_id', 'text', 'part');
SELECT define_link('legacy.part', 'kinds.plain');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM link_module.linkable_registry;

-- The soft-delete column must be timestamptz or timestamp (or a domain over one): 42804. A
-- date would lose the stamp a restore matches.
CREATE DOMAIN kinds.stamp AS timestamptz;
CREATE TABLE kinds.flagged (id text PRIMARY KEY, deleted_at boolean, removed text, gone_on date,
                            gone timestamp, stamped kinds.stamp);
SELECT register_linkable('kinds', 'flagged', 'kinds.flagged');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('kinds', 'flagged', 'kinds.flagged', '{"softDeleteColumn": "removed"}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('kinds.flagged', 'kinds.plain');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('kinds', 'flagged', 'kinds.flagged', '{"softDeleteColumn": null}') ->> 'softDeleteColumn' AS sd;
SELECT register_linkable('kinds', 'flagged', 'kinds.flagged', '{"softDeleteColumn": "gone_on"}') ->> 'softDeleteColumn' AS sd;
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('kinds', 'flagged', 'kinds.flagged', '{"softDeleteColumn": "gone"}') ->> 'softDeleteColumn' AS sd;
SELECT register_linkable('kinds', 'flagged', 'kinds.flagged', '{"softDeleteColumn": "stamped"}') ->> 'softDeleteColumn' AS sd;
DELETE FROM link_module.linkable_registry;

-- Later: once kinds.plain is a linkable's table, DDL that would put it in a partitioning or
-- inheritance tree fails (0A000, naming both tables) and leaves nothing behind.
CREATE TABLE kinds.other (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO kinds.plain VALUES ('x1'), ('x2');
INSERT INTO kinds.other VALUES ('o1'), ('o2');
SELECT define_link('kinds.plain', '{"linkable": "kinds.other", "deleteCascade": true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[{"kinds": {"plain_id": "x1", "other_id": "o1"}},
                                        {"kinds": {"plain_id": "x2", "other_id": "o2"}}]')) AS linked;
-- A child of a linkable table.
CREATE TABLE kinds.sub (extra int) INHERITS (kinds.plain);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE kinds.twin (id text NOT NULL, deleted_at timestamptz);
ALTER TABLE kinds.twin INHERIT kinds.plain;
\echo :LAST_ERROR_SQLSTATE
CREATE FOREIGN TABLE kinds.remote_sub () INHERITS (kinds.plain) SERVER kinds_srv;
\echo :LAST_ERROR_SQLSTATE
ALTER FOREIGN TABLE kinds.remote INHERIT kinds.plain;
\echo :LAST_ERROR_SQLSTATE
CREATE SCHEMA kinds_more CREATE TABLE sub (extra int) INHERITS (kinds.plain);
\echo :LAST_ERROR_SQLSTATE
-- A linkable table made a child, or attached as a partition.
CREATE TABLE kinds.base (id text);
ALTER TABLE kinds.plain INHERIT kinds.base;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE kinds.holder (id text, deleted_at timestamptz) PARTITION BY LIST (id);
ALTER TABLE kinds.holder ATTACH PARTITION kinds.plain FOR VALUES IN ('x1', 'x2');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE kinds.holder ATTACH PARTITION kinds.other DEFAULT;
\echo :LAST_ERROR_SQLSTATE
-- A linkable table is never partitioned, so PostgreSQL refuses a partition of it (42P17).
CREATE TABLE kinds.plain_a PARTITION OF kinds.plain FOR VALUES IN ('a');
\echo :LAST_ERROR_SQLSTATE
-- All in one transaction: the failing statement takes the transaction down with it.
BEGIN;
CREATE TABLE kinds.sub2 (LIKE kinds.plain);
ALTER TABLE kinds.sub2 INHERIT kinds.other;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- Nothing of it is left: no inheritance, no new tables.
SELECT count(*) AS inherits FROM pg_inherits
WHERE inhrelid IN ('kinds.plain'::regclass, 'kinds.other'::regclass)
   OR inhparent IN ('kinds.plain'::regclass, 'kinds.other'::regclass);
SELECT to_regnamespace('kinds_more') AS kinds_more, to_regclass('kinds.sub') AS sub, to_regclass('kinds.remote_sub') AS remote_sub,
       to_regclass('kinds.plain_a') AS plain_a, to_regclass('kinds.sub2') AS sub2;
-- Unrelated DDL goes on: inheritance among other tables, and plain ALTERs of a linkable table.
CREATE TABLE kinds.child2 () INHERITS (kinds.parent);
ALTER TABLE kinds.twin INHERIT kinds.base;
CREATE TABLE kinds.part_b PARTITION OF kinds.part FOR VALUES IN ('b');
ALTER TABLE kinds.plain ADD COLUMN title text;
ALTER TABLE kinds.plain RENAME COLUMN title TO name;
SELECT count(*) AS inherits FROM pg_inherits WHERE inhrelid IN ('kinds.child2'::regclass, 'kinds.twin'::regclass, 'kinds.part_b'::regclass);
-- The linkable's cascades still work.
DELETE FROM kinds.plain WHERE id = 'x2';
SELECT id FROM kinds.other ORDER BY 1;
SELECT plain_id, other_id FROM kinds_plain_kinds_other ORDER BY 1;

-- A dropped linkable table is found again by name when it comes back: not as a partitioned
-- table, a partition or a child.
CREATE TABLE kinds.gone (id text PRIMARY KEY);
SELECT register_linkable('kinds', 'gone', 'kinds.gone') ->> 'relation' AS relation;
DROP TABLE kinds.gone;
CREATE TABLE kinds.gone (id text PRIMARY KEY) PARTITION BY LIST (id);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE kinds.gone PARTITION OF kinds.part FOR VALUES IN ('g');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE kinds.gone () INHERITS (kinds.parent);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE kinds.renamed () INHERITS (kinds.parent);
ALTER TABLE kinds.renamed RENAME TO gone;
\echo :LAST_ERROR_SQLSTATE
-- As an ordinary table it is the linkable's table again.
CREATE TABLE kinds.gone (id text PRIMARY KEY);
SELECT relation FROM link_module.linkables WHERE model = 'gone';
DROP TABLE kinds.renamed;

-- 'infinity' in the soft-delete column is a stamp like any other: it cascades, and clearing it
-- restores exactly what it took. So does '-infinity'.
INSERT INTO kinds.plain VALUES ('x3'); INSERT INTO kinds.other VALUES ('o3');
SELECT jsonb_array_length(link_create('{"kinds": {"plain_id": "x3", "other_id": "o3"}}')) AS linked;
UPDATE kinds.plain SET deleted_at = 'infinity' WHERE id IN ('x1', 'x3');
SELECT id, deleted_at FROM kinds.other ORDER BY 1;
SELECT plain_id, other_id, deleted_at FROM kinds_plain_kinds_other ORDER BY 1;
UPDATE kinds.plain SET deleted_at = NULL WHERE id = 'x3';
SELECT id, deleted_at FROM kinds.other ORDER BY 1;
SELECT plain_id, other_id, deleted_at FROM kinds_plain_kinds_other ORDER BY 1;
UPDATE kinds.plain SET deleted_at = '-infinity' WHERE id = 'x3';
SELECT plain_id, other_id, deleted_at FROM kinds_plain_kinds_other ORDER BY 1;
SELECT link_restore('{"kinds": {"plain_id": ["x1", "x3"]}}');
SELECT id, deleted_at FROM kinds.other ORDER BY 1;
SELECT plain_id, other_id, deleted_at FROM kinds_plain_kinds_other ORDER BY 1;

-- query_graph names a linkable whose table was dropped as such (42P01), not as a virtual one.
CREATE TABLE kinds.dropped (id text PRIMARY KEY);
SELECT define_link('kinds.other', 'kinds.dropped') ->> 'entryPoint';
SELECT query_graph('{"entity": "dropped"}');
DROP TABLE kinds.dropped;
SELECT query_graph('{"entity": "dropped"}');
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph('{"entity": "other", "fields": ["id", "dropped.*"]}');
\echo :LAST_ERROR_SQLSTATE
-- Created again, it is found again (the backend's cache of the registry follows).
CREATE TABLE kinds.dropped (id text PRIMARY KEY);
SELECT query_graph('{"entity": "dropped"}');
-- ... with the statement triggers back, so its links follow its records again.
SELECT tgname FROM pg_trigger WHERE tgrelid = 'kinds.dropped'::regclass ORDER BY 1;
INSERT INTO kinds.dropped VALUES ('d1');
SELECT jsonb_array_length(link_create('{"kinds": {"other_id": "o1", "dropped_id": "d1"}}')) AS linked;
DELETE FROM kinds.dropped;
SELECT count(*) AS links_left FROM kinds_other_kinds_dropped;
-- Renamed to the name, too; and dropped again, it takes its link rows along.
DROP TABLE kinds.dropped;
CREATE TABLE kinds.dropped_new (id text PRIMARY KEY);
INSERT INTO kinds.dropped_new VALUES ('d2');
ALTER TABLE kinds.dropped_new RENAME TO dropped;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'kinds.dropped'::regclass ORDER BY 1;
SELECT jsonb_array_length(link_create('{"kinds": {"other_id": "o1", "dropped_id": "d2"}}')) AS linked;
DROP TABLE kinds.dropped;
SELECT count(*) AS links_left FROM kinds_other_kinds_dropped;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA kinds CASCADE;
DROP SERVER kinds_srv;
DROP FOREIGN DATA WRAPPER kinds_fdw;
DROP TABLE scratch;

-- Which key types. Keys are compared with pg_catalog's operators: a type whose equality lives
-- elsewhere (citext) and a nondeterministic collation are refused (0A000); enums and
-- character(n) keys work (a character(n) id is cast to bpchar, never truncated to one letter).
CREATE EXTENSION citext;
CREATE SCHEMA keys;
CREATE TABLE keys.ci (id citext PRIMARY KEY);
SELECT register_linkable('keys', 'ci', 'keys.ci');
\echo :LAST_ERROR_SQLSTATE
CREATE COLLATION keys.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE keys.nd (id text COLLATE keys.nocase PRIMARY KEY);
SELECT register_linkable('keys', 'nd', 'keys.nd');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE keys.doc (id json NOT NULL, k int PRIMARY KEY);
SELECT register_linkable('keys', 'doc', 'keys.doc', '{"primaryKey": "id"}');
\echo :LAST_ERROR_SQLSTATE
CREATE TYPE keys.colour AS ENUM ('red', 'green');
CREATE TABLE keys.paint (id keys.colour PRIMARY KEY);
CREATE TABLE keys.code (id char(5) PRIMARY KEY);
INSERT INTO keys.paint VALUES ('red'), ('green');
INSERT INTO keys.code VALUES ('ab'), ('ac');
SELECT define_link('{"linkable": "keys.paint", "isList": true}', '{"linkable": "keys.code", "isList": true}') ->> 'entryPoint' AS link;
SELECT string_agg((r ->> 'paint_id') || '-' || (r ->> 'code_id'), ' ' ORDER BY r ->> 'code_id') AS created
FROM jsonb_array_elements(link_create('[{"keys": {"paint_id": "red", "code_id": "ab"}}, {"keys": {"paint_id": "red", "code_id": "ac"}},
                                        {"keys": {"paint_id": "green", "code_id": "ab   "}}]')) r;
SELECT count(*) AS listed FROM jsonb_array_elements(link_list('{"keys": {"paint_id": ["red", "green"], "code_id": ["ab", "ac"]}}'));
SELECT link_create('{"keys": {"paint_id": "blue", "code_id": "ab"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA keys CASCADE;
DROP EXTENSION citext;
