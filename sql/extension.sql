-- What CREATE EXTENSION installs: the catalog schema, the API in the extension schema,
-- pinned search_path on every function, and registry tables kept by pg_dump.
SELECT n.nspname AS schema, c.relname, c.relkind
FROM pg_depend d
JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'link_module')
ORDER BY 1, 2;

-- Every function is callable unqualified and pins search_path.
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, p.proconfig
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'link_module')
ORDER BY 1;

-- pg_dump keeps the registrations.
SELECT unnest(extconfig)::regclass AS dumped FROM pg_extension WHERE extname = 'link_module' ORDER BY 1;

-- Empty registry to start with.
SELECT count(*) AS linkables FROM link_module.linkables;
SELECT count(*) AS links FROM link_module.links;
