\echo Use "CREATE EXTENSION link_module" to load this file. \quit

-- The extension owns schema link_module (its catalog). It is created plainly, without IF NOT
-- EXISTS, so that an existing schema of that name is never taken over.
CREATE SCHEMA link_module;
COMMENT ON SCHEMA link_module IS 'link_module catalog: linkables and link definitions';

-- Registered linkables: a module's model, its table (NULL: virtual) and the key links use.
-- The table is kept by OID (follows a rename) and by name (follows a drop and re-create, when
-- the new table has the owner the registered one had: nobody else's table is adopted).
CREATE TABLE link_module.linkable_registry (
    module              text NOT NULL,
    model               text NOT NULL,
    relation            regclass,
    relation_name       text,
    relation_owner      regrole,
    primary_key         text NOT NULL,
    key                 text NOT NULL,
    key_type            text NOT NULL,
    soft_delete_column  text,
    alias               text NOT NULL,
    validate            boolean NOT NULL DEFAULT true,
    PRIMARY KEY (module, model)
);

-- Link definitions. `definition` is the normalized definition define_link returns; the other
-- columns repeat what lookups need.
CREATE TABLE link_module.link_registry (
    service_name  text PRIMARY KEY,
    entry_point   text NOT NULL UNIQUE,
    entity        text NOT NULL,
    link_table    regclass,
    read_only     boolean NOT NULL,
    left_module   text NOT NULL,
    left_model    text NOT NULL,
    left_key      text NOT NULL,
    right_module  text NOT NULL,
    right_model   text NOT NULL,
    right_key     text NOT NULL,
    definition    jsonb NOT NULL
);
CREATE INDEX link_registry_modules_idx ON link_module.link_registry (left_module, left_key, right_module, right_key);

-- The link rows a cascade (link_delete, or a soft delete by trigger) removed, with its stamp
-- and the side whose deletion took them: a restore follows these from the record it restores
-- and revives a row only while it still carries the stamp. Dismissals (link_dismiss, or
-- Medusa's own SQL) are not noted, so no restore revives them. Link tables keep Medusa's exact
-- shape; this is where the difference lives. A note lives as long as its row.
CREATE TABLE link_module.removals (
    link_table  regclass NOT NULL,
    left_id     text NOT NULL,
    right_id    text NOT NULL,
    stamp       timestamptz NOT NULL,
    by_left     boolean, -- removed because its left record was deleted (false: its right one; null: either)
    revived     boolean NOT NULL DEFAULT false, -- a restore brought it back since
    outside     boolean NOT NULL DEFAULT false, -- removed by a statement outside link_module (Medusa's link.delete)
    PRIMARY KEY (link_table, left_id, right_id)
);
-- Both keys, so that a probe for a pair is exact through either index (a right id shared by
-- many rows would otherwise make each probe read them all).
CREATE INDEX removals_right_idx ON link_module.removals (link_table, right_id, left_id);

-- pg_dump keeps the registrations (the link tables themselves are ordinary user tables).
SELECT pg_catalog.pg_extension_config_dump('link_module.linkable_registry', '');
SELECT pg_catalog.pg_extension_config_dump('link_module.link_registry', '');
SELECT pg_catalog.pg_extension_config_dump('link_module.removals', '');

-- Every change to the registry tells all backends to reload the links they cached.
CREATE FUNCTION link_module.registry_changed()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_module_registry_changed';
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON link_module.linkable_registry
FOR EACH STATEMENT EXECUTE FUNCTION link_module.registry_changed();
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON link_module.link_registry
FOR EACH STATEMENT EXECUTE FUNCTION link_module.registry_changed();

GRANT USAGE ON SCHEMA link_module TO PUBLIC;
GRANT SELECT ON link_module.linkable_registry, link_module.link_registry TO PUBLIC;
-- The removal notes are the extension's own, read and written only by its functions (as its
-- owner, over the link rows that the caller's own statements changed or can see): a note says
-- which rows a cascade removed, which no role may learn of a row it cannot see.
REVOKE ALL ON link_module.removals FROM PUBLIC;

-- Every function pins search_path: nothing it runs can be redirected by the caller's path.

CREATE FUNCTION register_linkable(module text, model text, relation regclass DEFAULT NULL,
                                  options jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'register_linkable';
COMMENT ON FUNCTION register_linkable(text, text, regclass, jsonb) IS
'Registers a module''s model as linkable (relation NULL: virtual); returns the registration';

CREATE FUNCTION unregister_linkable(module text, model text)
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'unregister_linkable';
COMMENT ON FUNCTION unregister_linkable(text, text) IS
'Removes a linkable that no link uses; returns the registration removed';

CREATE FUNCTION define_link("left" text, "right" text, options jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'define_link';
COMMENT ON FUNCTION define_link(text, text, jsonb) IS
'Defines (or converges) a link between two linkables and its link table; returns the definition';

CREATE FUNCTION drop_link(entry_point text, drop_table boolean DEFAULT false)
RETURNS void
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'drop_link';
COMMENT ON FUNCTION drop_link(text, boolean) IS
'Removes a link definition, and its table when drop_table is true';

CREATE FUNCTION distribute_link(entry_point text, distribution_column text)
RETURNS void
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'distribute_link';
COMMENT ON FUNCTION distribute_link(text, text) IS
'On a Citus cluster, hash-distributes the table of a link by one side''s key, co-located with that side''s table';

CREATE FUNCTION get_link_module(module_a text, key_a text, module_b text, key_b text)
RETURNS jsonb
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'get_link_module';
COMMENT ON FUNCTION get_link_module(text, text, text, text) IS
'The link between two module keys, in either order, or NULL';

-- The table of a linkable, as it is now: by OID, else by the name it was registered with, when
-- that table has the owner the registered one had. The name is looked up in the catalog, not by
-- to_regclass, which raises for a schema the caller may not use (and PostgreSQL 18 evaluates it
-- while planning, for every registration, however the coalesce would end).
CREATE FUNCTION link_module.current_relation(relation regclass, relation_name text)
RETURNS regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce((SELECT c.oid::regclass FROM pg_class c WHERE c.oid = relation),
                      (SELECT c.oid::regclass FROM parse_ident(relation_name) AS name
                          JOIN pg_namespace n ON n.nspname = name[1] AND cardinality(name) = 2
                          JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = name[2]
                          WHERE c.relowner IN (SELECT k.relation_owner FROM link_module.linkable_registry k
                                               WHERE k.relation_name = current_relation.relation_name))) $$;

-- The type of a live column, from the catalog (NULL when the table or column is gone): the
-- extension never takes a type name from its own tables as SQL text. A domain gives its base
-- type: ids are cast to that, so no domain's CHECK (another role's code) runs in a statement
-- that a cascade runs as a table's owner, and new link tables' keys carry no domain. Without
-- the type modifier (`with_typmod` false: cast_type), an id longer than a varchar(n) key is a
-- different id, never truncated into another one (nor a numeric(p,s) id rounded into one). A
-- character(n) key is cast to bpchar: `character` alone means character(1).
CREATE FUNCTION link_module.column_type(relation regclass, column_name text, with_typmod boolean DEFAULT true)
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
CREATE FUNCTION link_module.cast_type(relation regclass, column_name text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT link_module.column_type(relation, column_name, false) $$;

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

-- Managing links. Each takes one Medusa LinkDefinition object or an array of them.

CREATE FUNCTION link_create(links jsonb)
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_create';
COMMENT ON FUNCTION link_create(jsonb) IS
'Creates links, or revives and updates existing pairs; returns the link rows written';

CREATE FUNCTION link_dismiss(links jsonb)
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_dismiss';
COMMENT ON FUNCTION link_dismiss(jsonb) IS
'Soft-deletes links; returns the link rows dismissed';

CREATE FUNCTION link_update(links jsonb)
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_update';
COMMENT ON FUNCTION link_update(jsonb) IS
'Updates the extra columns of existing active links; returns the link rows';

CREATE FUNCTION link_list(links jsonb, options jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_list';
COMMENT ON FUNCTION link_list(jsonb, jsonb) IS
'Lists links (options: asLinkDefinition, withDeleted)';

-- What link rows hold that their definition does not allow (rows adopted from a Medusa
-- database can), as amcheck does for indexes: link_check lists them, link_repair dismisses them.
-- As VACUUM, both take the links whose tables the caller owns, each run as that table's owner.
CREATE FUNCTION link_module.link_problems(entry_point text, repair boolean)
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_problems';

CREATE FUNCTION link_check(entry_point text DEFAULT NULL)
RETURNS TABLE (link text, problem text, left_id text, right_id text, detail text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT p.link, p.problem, p.left_id, p.right_id, p.detail
      FROM jsonb_to_recordset(link_module.link_problems(entry_point, false))
           AS p(link text, problem text, left_id text, right_id text, detail text) $$;
COMMENT ON FUNCTION link_check(text) IS
'Lists what the rows of a link (NULL: every link) hold that its definition does not allow';

CREATE FUNCTION link_repair(entry_point text DEFAULT NULL)
RETURNS TABLE (link text, problem text, left_id text, right_id text, detail text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT p.link, p.problem, p.left_id, p.right_id, p.detail
      FROM jsonb_to_recordset(link_module.link_problems(entry_point, true))
           AS p(link text, problem text, left_id text, right_id text, detail text) $$;
COMMENT ON FUNCTION link_repair(text) IS
'Dismisses the link rows link_check lists (keeping the newest active link of an id that may have one) and returns them';

-- Graph reads. Runs with the caller's privileges: GRANTs and row-level security apply.
CREATE FUNCTION query_graph(query jsonb)
RETURNS jsonb
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'query_graph';
COMMENT ON FUNCTION query_graph(jsonb) IS
'Medusa-style graph read: {entity, fields, filters, pagination, withDeleted} -> {data, metadata}, one statement';

CREATE FUNCTION link_module.query_graph_sql(query jsonb)
RETURNS text
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'query_graph_sql';
COMMENT ON FUNCTION link_module.query_graph_sql(jsonb) IS
'The statement query_graph runs for a query ($n are its parameters), for EXPLAIN';

-- Cascades.

-- The statement triggers define_link puts on linkable tables (see link_table.cpp).
CREATE FUNCTION link_module.record_changed()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_module_record_changed';
-- On the tables of links with a deleteCascade side: active link rows written by a role that
-- could not delete that side's records itself are refused (see link_table.cpp).
CREATE FUNCTION link_module.link_rows_written()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_module_link_rows_written';
REVOKE EXECUTE ON FUNCTION link_module.link_rows_written() FROM PUBLIC;

-- On every link table: a statement outside link_module that dismisses all active links of a
-- record (Medusa's link.delete does, one link table at a time) is noted as that record's delete,
-- so link_restore can undo it (see cascade.cpp).
CREATE FUNCTION link_module.link_rows_removed()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_module_link_rows_removed';
REVOKE EXECUTE ON FUNCTION link_module.link_rows_removed() FROM PUBLIC;
-- Whether a row version was written by the current transaction or one of its subtransactions
-- (link_rows_removed tells the statements of one delete by it; it runs as link tables' owners).
CREATE FUNCTION link_module.xact_is_current(xid)
RETURNS boolean
LANGUAGE c STRICT VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_module_xact_is_current';
-- Triggers only: nobody calls them (link_module creates its triggers as the extension's owner).
REVOKE EXECUTE ON FUNCTION link_module.record_changed() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION link_module.registry_changed() FROM PUBLIC;

-- A dropped linkable table takes the rows of the links that name it along.
CREATE FUNCTION link_module.table_dropped()
RETURNS event_trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_module_table_dropped';
CREATE EVENT TRIGGER link_module_table_dropped ON sql_drop
EXECUTE FUNCTION link_module.table_dropped();

-- A linkable's table created again under its name (after a DROP, or by a rename) gets the
-- statement triggers back, so its records' links follow them as before.
CREATE FUNCTION link_module.table_created()
RETURNS event_trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_module_table_created';
CREATE EVENT TRIGGER link_module_table_created ON ddl_command_end
WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE', 'CREATE SCHEMA')
EXECUTE FUNCTION link_module.table_created();

CREATE FUNCTION link_delete(records jsonb)
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_delete';
COMMENT ON FUNCTION link_delete(jsonb) IS
'Soft-deletes the links of records and, through deleteCascade, linked records, recursively; returns what it removed';

CREATE FUNCTION link_restore(records jsonb)
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_restore';
COMMENT ON FUNCTION link_restore(jsonb) IS
'Undoes the latest link_delete of records; returns what it restored and what it skipped';

-- A linkable's table stays outside partitioning and inheritance trees: the cascade triggers are
-- statement triggers on that one table, and a statement on a partition, a child or a parent
-- does not fire them. register_linkable refuses such tables; this keeps it so afterwards (a
-- child of a linkable table, a linkable table made a child or attached as a partition, or a
-- dropped one re-created by name as one of those). It looks only at the tables the command
-- touched (CREATE SCHEMA included: its CREATE TABLE elements) and their direct parents and
-- children.
CREATE FUNCTION link_module.refuse_inheritance()
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
CREATE EVENT TRIGGER link_module_refuse_inheritance ON ddl_command_end
WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE', 'CREATE SCHEMA')
EXECUTE FUNCTION link_module.refuse_inheritance();
