-- A linkable whose table was dropped is found again by its name and its owner: another role may
-- not make its own table of that name the linkable's (registering it under another linkable,
-- then dropping that registration), and a table that took the name becomes the registration's
-- table when define_link uses it (a pg_restore then finds the triggers where it expects them).
SET client_min_messages = warning;
CREATE ROLE regress_owner_app;
CREATE ROLE regress_owner_evil;
CREATE SCHEMA m AUTHORIZATION regress_owner_app;
GRANT USAGE, CREATE ON SCHEMA m TO regress_owner_evil;
GRANT CREATE ON SCHEMA public TO regress_owner_app;
SET ROLE regress_owner_app;
CREATE TABLE m.a (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE m.b (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO m.b VALUES ('b1'), ('b2');
SELECT register_linkable('m', 'a', 'm.a') ->> 'model' AS registered;
SELECT register_linkable('m', 'b', 'm.b') ->> 'model' AS registered;
SELECT define_link('m.a', '{"linkable": "m.b", "deleteCascade": true}') ->> 'entryPoint' AS link;
DROP TABLE m.a;
RESET ROLE;
SET ROLE regress_owner_evil;
CREATE TABLE m.a (id text PRIMARY KEY, deleted_at timestamptz);
SELECT register_linkable('ev', 'a', 'm.a');
ALTER TABLE m.a ADD COLUMN z int;
INSERT INTO m.a VALUES ('a1');
RESET ROLE;
SELECT model, relation, relation_owner FROM link_module.linkable_registry ORDER BY model;
SELECT count(*) AS triggers_on_other_roles_table FROM pg_trigger WHERE tgrelid = 'm.a'::regclass AND NOT tgisinternal;
SET ROLE regress_owner_evil;
DELETE FROM m.a;
RESET ROLE;
SELECT id FROM m.b ORDER BY id;
-- The owner's own table under the name, while no link uses the linkable: define_link uses it,
-- and the registration names it.
SELECT drop_link('a_b', true);
DROP TABLE m.a;
SET ROLE regress_owner_app;
CREATE TABLE m.a (id text PRIMARY KEY, deleted_at timestamptz);
SELECT relation FROM link_module.linkable_registry WHERE model = 'a';
SELECT define_link('m.a', '{"linkable": "m.b", "deleteCascade": true}') ->> 'entryPoint' AS link;
RESET ROLE;
SELECT model, relation::oid = 'm.a'::regclass::oid AS pinned FROM link_module.linkable_registry WHERE model = 'a';
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'm.a'::regclass AND NOT tgisinternal;
-- A swap migration: the new table renamed to the name, then the old one dropped. The new table
-- is the linkable's, with the triggers, and a delete cascades.
CREATE TABLE m.a_new (id text PRIMARY KEY, deleted_at timestamptz);
ALTER TABLE m.a_new OWNER TO regress_owner_app;
BEGIN;
ALTER TABLE m.a RENAME TO a_old;
ALTER TABLE m.a_new RENAME TO a;
DROP TABLE m.a_old;
COMMIT;
SELECT relation FROM link_module.linkable_registry WHERE model = 'a';
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'm.a'::regclass AND NOT tgisinternal;
INSERT INTO m.a VALUES ('a1');
SELECT jsonb_array_length(link_create('[{"m": {"a_id": "a1", "b_id": "b1"}}]')) AS created;
DELETE FROM m.a;
SELECT id FROM m.b ORDER BY id;
-- Both tables dropped with their schema and created again by CREATE SCHEMA ... CREATE TABLE.
DROP SCHEMA m CASCADE;
CREATE SCHEMA m AUTHORIZATION regress_owner_app
  CREATE TABLE a (id text PRIMARY KEY, deleted_at timestamptz)
  CREATE TABLE b (id text PRIMARY KEY, deleted_at timestamptz);
GRANT USAGE, CREATE ON SCHEMA m TO regress_owner_evil;
SELECT c.relname, count(t.tgname) AS triggers FROM pg_class c LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
WHERE c.relnamespace = 'm'::regnamespace AND c.relkind = 'r' GROUP BY c.relname ORDER BY 1;
-- A role that may not use schema m runs DDL of its own: the DDL event triggers look for the
-- linkables' tables in the catalog, never by to_regclass, which raises "permission denied for
-- schema m" (PostgreSQL 18 evaluated it for every registration while planning).
CREATE ROLE regress_owner_outsider;
GRANT CREATE ON SCHEMA public TO regress_owner_outsider;
SET ROLE regress_owner_outsider;
CREATE TABLE public.outsider (id text PRIMARY KEY);
ALTER TABLE public.outsider ADD COLUMN note text;
DROP TABLE public.outsider;
SELECT model, link_module.current_relation(relation, relation_name) AS relation
FROM link_module.linkable_registry ORDER BY model;
RESET ROLE;
-- A name with quotes, a dot and capitals is found again, and only under its own name.
CREATE SCHEMA "Sch.ema";
CREATE TABLE "Sch.ema"."Tab" (id text PRIMARY KEY);
CREATE TABLE "Sch.ema".tab (id text PRIMARY KEY);
SELECT register_linkable('quoted', 'tab', '"Sch.ema"."Tab"') ->> 'relation' AS relation;
DROP TABLE "Sch.ema"."Tab";
SELECT link_module.current_relation(relation, relation_name) AS gone FROM link_module.linkable_registry WHERE module = 'quoted';
CREATE TABLE "Sch.ema"."Tab" (id text PRIMARY KEY);
SELECT link_module.current_relation(relation, relation_name) AS again FROM link_module.linkable_registry WHERE module = 'quoted';
SELECT unregister_linkable('quoted', 'tab') IS NOT NULL AS unregistered;
DROP SCHEMA "Sch.ema" CASCADE;
REVOKE CREATE ON SCHEMA public FROM regress_owner_outsider;
DROP ROLE regress_owner_outsider;
SELECT drop_link('a_b', true);
DELETE FROM link_module.linkable_registry;
DROP SCHEMA m CASCADE;
REVOKE CREATE ON SCHEMA public FROM regress_owner_app;
DROP ROLE regress_owner_app, regress_owner_evil;
