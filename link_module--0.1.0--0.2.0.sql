\echo Use "ALTER EXTENSION link_module UPDATE TO '0.2.0'" to load this file. \quit

-- 0.1.0 -> 0.2.0: the views `linkables` and `links` move from the extension's schema into
-- schema link_module, whose catalog tables they were named after; those take other names.
-- Applications reading the views name them link_module.linkables and link_module.links.
-- New: unregister_linkable().

-- The extension's event triggers would run in the middle of the change (the library is already
-- the new one): off until it is done.
ALTER EVENT TRIGGER link_module_refuse_inheritance DISABLE;
ALTER EVENT TRIGGER link_module_table_created DISABLE;
ALTER EVENT TRIGGER link_module_table_dropped DISABLE;

DROP VIEW @extschema@.links;
DROP VIEW @extschema@.linkables;
ALTER TABLE link_module.linkables RENAME TO linkable_registry;
ALTER TABLE link_module.links RENAME TO link_registry;
ALTER INDEX link_module.links_modules_idx RENAME TO link_registry_modules_idx;
-- (renaming a constraint's index renames the constraint too)
ALTER INDEX link_module.linkables_pkey RENAME TO linkable_registry_pkey;
ALTER INDEX link_module.links_pkey RENAME TO link_registry_pkey;
ALTER INDEX link_module.links_entry_point_key RENAME TO link_registry_entry_point_key;

-- PostgreSQL 18 catalogs NOT NULL constraints, named after the table when it was created: those
-- of the renamed tables take their new names, as a fresh install has them.
DO $$
DECLARE con record;
BEGIN
    FOR con IN SELECT c.conrelid::regclass AS tab, c.conname, t.relname
               FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
               WHERE c.contype = 'n' AND t.relnamespace = 'link_module'::regnamespace
                 AND t.relname IN ('link_registry', 'linkable_registry')
                 AND c.conname LIKE (CASE t.relname WHEN 'link_registry' THEN 'links' ELSE 'linkables' END) || '\_%'
    LOOP
        EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', con.tab, con.conname,
                       con.relname || substr(con.conname, strpos(con.conname, '_')));
    END LOOP;
END $$;

-- A registration whose table was dropped keeps the table's name only: its OID could name
-- another table later (0.2.0's sql_drop trigger does this for tables dropped from now on).
UPDATE link_module.linkable_registry SET relation = 0::oid::regclass
WHERE relation IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = relation);

-- SQL bodies name tables by their text: those that named the catalog tables, again.
CREATE OR REPLACE FUNCTION link_module.current_relation(relation regclass, relation_name text)
RETURNS regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce((SELECT c.oid::regclass FROM pg_class c WHERE c.oid = relation),
                      (SELECT c.oid::regclass FROM parse_ident(relation_name) AS name
                          JOIN pg_namespace n ON n.nspname = name[1] AND cardinality(name) = 2
                          JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = name[2]
                          WHERE c.relowner IN (SELECT k.relation_owner FROM link_module.linkable_registry k
                                               WHERE k.relation_name = current_relation.relation_name))) $$;

-- A character(n) key is cast to bpchar (`character` alone means character(1)).
CREATE OR REPLACE FUNCTION link_module.column_type(relation regclass, column_name text, with_typmod boolean DEFAULT true)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ WITH RECURSIVE t(type, typmod, depth) AS (
          SELECT a.atttypid, a.atttypmod, 0 FROM pg_attribute a
          WHERE a.attrelid = relation AND a.attname = column_name AND a.attnum > 0 AND NOT a.attisdropped
          UNION ALL
          SELECT d.typbasetype, d.typtypmod, t.depth + 1 FROM t JOIN pg_type d ON d.oid = t.type
          WHERE d.typtype = 'd')
      SELECT CASE WHEN NOT with_typmod AND t.type = 'pg_catalog.bpchar'::pg_catalog.regtype THEN 'bpchar'
                  ELSE format_type(t.type, CASE WHEN with_typmod THEN t.typmod END) END
      FROM t ORDER BY t.depth DESC LIMIT 1 $$;

CREATE OR REPLACE FUNCTION link_module.refuse_inheritance()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    hit record;
BEGIN
    WITH touched AS (
        SELECT DISTINCT c.objid AS oid FROM pg_event_trigger_ddl_commands() c
        WHERE c.classid = 'pg_catalog.pg_class'::regclass AND c.objsubid = 0
    ), near AS (
        SELECT t.oid FROM touched t
        UNION SELECT h.inhparent FROM pg_inherits h JOIN touched t ON h.inhrelid = t.oid
        UNION SELECT h.inhrelid FROM pg_inherits h JOIN touched t ON h.inhparent = t.oid
    ), linkable AS (
        SELECT k.module, k.model, r.oid
        FROM link_module.linkable_registry k
        CROSS JOIN LATERAL (SELECT link_module.current_relation(k.relation, k.relation_name)::oid AS oid) r
        WHERE k.relation IS NOT NULL AND r.oid IN (SELECT n.oid FROM near n)
    )
    SELECT l.module || '.' || l.model AS linkable, l.oid::regclass::text AS tab, x.how, x.other
    INTO hit
    FROM linkable l
    CROSS JOIN LATERAL (
        SELECT CASE WHEN c.relispartition THEN 'partition' ELSE 'child' END AS how,
               h.inhparent::regclass::text AS other
        FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid WHERE h.inhrelid = l.oid
        UNION ALL
        SELECT 'parent', h.inhrelid::regclass::text FROM pg_inherits h WHERE h.inhparent = l.oid
        UNION ALL
        SELECT 'partitioned', NULL FROM pg_class c WHERE c.oid = l.oid AND c.relkind = 'p'
    ) x
    ORDER BY 1, 3, 4
    LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    RAISE EXCEPTION USING
        ERRCODE = 'feature_not_supported',
        MESSAGE = CASE hit.how
            WHEN 'partition' THEN format('table %s of linkable "%s" cannot be a partition of %s', hit.tab, hit.linkable, hit.other)
            WHEN 'child' THEN format('table %s of linkable "%s" cannot inherit from %s', hit.tab, hit.linkable, hit.other)
            WHEN 'parent' THEN format('table %s cannot inherit from table %s of linkable "%s"', hit.other, hit.tab, hit.linkable)
            ELSE format('table %s of linkable "%s" cannot be partitioned', hit.tab, hit.linkable) END,
        DETAIL = 'Statements on one table of a partitioning or inheritance tree do not fire the cascade triggers '
                 'of the others, so links would outlive their records.',
        HINT = 'A linkable''s table must be an ordinary table that is not partitioned, not a partition, and has '
               'no inheritance parent or children.';
END
$$;

-- The extension's views, in its own schema beside its tables: it installs next to an
-- application's own `links` or `linkables`.
CREATE VIEW link_module.linkables AS
SELECT module, model, link_module.current_relation(relation, relation_name) AS relation, primary_key, key, key_type,
       soft_delete_column, alias, validate, relation IS NULL AS virtual
FROM link_module.linkable_registry;
COMMENT ON VIEW link_module.linkables IS 'Registered linkables';

CREATE VIEW link_module.links AS
SELECT service_name, entry_point, entity, link_table,
       left_module || '.' || left_model AS left_linkable, left_module, left_model, left_key,
       (definition #>> '{left,isList}')::boolean AS left_is_list,
       (definition #>> '{left,deleteCascade}')::boolean AS left_delete_cascade,
       right_module || '.' || right_model AS right_linkable, right_module, right_model, right_key,
       (definition #>> '{right,isList}')::boolean AS right_is_list,
       (definition #>> '{right,deleteCascade}')::boolean AS right_delete_cascade,
       read_only, definition -> 'extraColumns' AS extra_columns, definition
FROM link_module.link_registry;
COMMENT ON VIEW link_module.links IS 'Link definitions';

GRANT SELECT ON link_module.linkables, link_module.links TO PUBLIC;

CREATE FUNCTION unregister_linkable(module text, model text)
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'unregister_linkable';
COMMENT ON FUNCTION unregister_linkable(text, text) IS
'Removes a linkable that no link uses; returns the registration removed';

CREATE FUNCTION distribute_link(entry_point text, distribution_column text)
RETURNS void
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'distribute_link';
COMMENT ON FUNCTION distribute_link(text, text) IS
'On a Citus cluster, hash-distributes the table of a link by one side''s key, co-located with that side''s table';

ALTER EVENT TRIGGER link_module_refuse_inheritance ENABLE;
-- A table created by CREATE SCHEMA ... CREATE TABLE takes a dropped linkable's place too.
DROP EVENT TRIGGER link_module_table_created;
CREATE EVENT TRIGGER link_module_table_created ON ddl_command_end
WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE', 'CREATE SCHEMA')
EXECUTE FUNCTION link_module.table_created();
ALTER EVENT TRIGGER link_module_table_dropped ENABLE;
