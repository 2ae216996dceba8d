\echo Use "CREATE EXTENSION link_module" to load this file. \quit

-- The extension owns schema link_module (its catalog). It is created plainly, without IF NOT
-- EXISTS, so that an existing schema of that name is never taken over.
CREATE SCHEMA link_module;
COMMENT ON SCHEMA link_module IS 'link_module catalog: linkables and link definitions';

-- Registered linkables: a module's model, its table (NULL: virtual) and the key links use.
-- The table is kept by OID (follows a rename) and by name (follows a drop and re-create).
CREATE TABLE link_module.linkables (
    module              text NOT NULL,
    model               text NOT NULL,
    relation            regclass,
    relation_name       text,
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
CREATE TABLE link_module.links (
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
CREATE INDEX links_modules_idx ON link_module.links (left_module, left_key, right_module, right_key);

-- pg_dump keeps the registrations (the link tables themselves are ordinary user tables).
SELECT pg_catalog.pg_extension_config_dump('link_module.linkables', '');
SELECT pg_catalog.pg_extension_config_dump('link_module.links', '');

-- Every change to the registry tells all backends to reload the links they cached.
CREATE FUNCTION link_module.registry_changed()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_module_registry_changed';
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON link_module.linkables
FOR EACH STATEMENT EXECUTE FUNCTION link_module.registry_changed();
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON link_module.links
FOR EACH STATEMENT EXECUTE FUNCTION link_module.registry_changed();

GRANT USAGE ON SCHEMA link_module TO PUBLIC;
GRANT SELECT ON link_module.linkables, link_module.links TO PUBLIC;

-- Every function pins search_path: nothing it runs can be redirected by the caller's path.

CREATE FUNCTION register_linkable(module text, model text, relation regclass DEFAULT NULL,
                                  options jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'register_linkable';
COMMENT ON FUNCTION register_linkable(text, text, regclass, jsonb) IS
'Registers a module''s model as linkable (relation NULL: virtual); returns the registration';

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

CREATE FUNCTION get_link_module(module_a text, key_a text, module_b text, key_b text)
RETURNS jsonb
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'get_link_module';
COMMENT ON FUNCTION get_link_module(text, text, text, text) IS
'The link between two module keys, in either order, or NULL';

-- The table of a linkable, as it is now: by OID, else by the name it was registered with.
CREATE FUNCTION link_module.current_relation(relation regclass, relation_name text)
RETURNS regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce((SELECT c.oid::regclass FROM pg_class c WHERE c.oid = relation), to_regclass(relation_name)) $$;

CREATE VIEW linkables AS
SELECT module, model, link_module.current_relation(relation, relation_name) AS relation, primary_key, key, key_type,
       soft_delete_column, alias, validate, relation IS NULL AS virtual
FROM link_module.linkables;
COMMENT ON VIEW linkables IS 'Registered linkables';

CREATE VIEW links AS
SELECT service_name, entry_point, entity, link_table,
       left_module || '.' || left_model AS left_linkable, left_key,
       (definition #>> '{left,isList}')::boolean AS left_is_list,
       (definition #>> '{left,deleteCascade}')::boolean AS left_delete_cascade,
       right_module || '.' || right_model AS right_linkable, right_key,
       (definition #>> '{right,isList}')::boolean AS right_is_list,
       (definition #>> '{right,deleteCascade}')::boolean AS right_delete_cascade,
       read_only, definition -> 'extraColumns' AS extra_columns, definition
FROM link_module.links;
COMMENT ON VIEW links IS 'Link definitions';

GRANT SELECT ON linkables, links TO PUBLIC;

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

-- A dropped linkable table takes the rows of the links that name it along.
CREATE FUNCTION link_module.table_dropped()
RETURNS event_trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_module_table_dropped';
CREATE EVENT TRIGGER link_module_table_dropped ON sql_drop
EXECUTE FUNCTION link_module.table_dropped();

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
