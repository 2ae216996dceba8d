-- The extension's lifecycle: unregistering linkables, installing beside an application's own
-- `links` and `linkables`, and DROP EXTENSION. Runs last: it drops and re-creates the extension.
CREATE TABLE product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO product VALUES ('p1'), ('p2');
INSERT INTO post VALUES ('b1'), ('b2');
SELECT register_linkable('shop', 'product', 'product') ->> 'key' AS key;
SELECT register_linkable('cms', 'external', NULL) ->> 'virtual' AS virtual;
SELECT define_link('shop.product', 'public.post') ->> 'entryPoint' AS link;

-- unregister_linkable: refused while a link uses the linkable, then it removes the
-- registration and returns it.
SELECT unregister_linkable('shop', 'product');
\echo :LAST_ERROR_SQLSTATE
SELECT unregister_linkable('shop', 'nope');
\echo :LAST_ERROR_SQLSTATE
SELECT unregister_linkable('shop', 'no such model');
\echo :LAST_ERROR_SQLSTATE
SELECT unregister_linkable('cms', 'external') ->> 'model' AS unregistered;
CREATE ROLE lifecycle_other;
SET ROLE lifecycle_other;
SELECT drop_link('product_post');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT drop_link('product_post');
SET ROLE lifecycle_other;
SELECT unregister_linkable('shop', 'product');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT unregister_linkable('shop', 'product') ->> 'relation' AS unregistered;
SELECT module, model FROM link_module.linkables ORDER BY 1, 2;
-- The record tables keep no trigger of link_module.
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid IN ('product'::regclass, 'post'::regclass) AND NOT tgisinternal;

-- A dropped table's registration keeps its name, not its OID (another table could get the
-- OID, here or in a cluster the database is restored into); a table created again under the
-- name by the same owner is followed.
CREATE TABLE gone (id text PRIMARY KEY);
SELECT register_linkable('old', 'gone', 'gone') ->> 'relation' AS registered;
DROP TABLE gone;
SELECT relation::oid AS oid_kept, relation_name FROM link_module.linkable_registry WHERE model = 'gone';
SELECT relation IS NULL AS missing FROM link_module.linkables WHERE model = 'gone';
CREATE TABLE gone (id text PRIMARY KEY);
SELECT relation AS followed FROM link_module.linkables WHERE model = 'gone';
SELECT unregister_linkable('old', 'gone') ->> 'model' AS unregistered;
DROP TABLE gone;

-- DROP EXTENSION refuses while links exist (their triggers use its functions). With CASCADE
-- the registry and the triggers go; the link tables and their rows stay, and defining the link
-- again after CREATE EXTENSION adopts them.
SELECT define_link('public.product', 'public.post') ->> 'entryPoint' AS link;
SELECT jsonb_array_length(link_create('{"public": {"product_id": "p1", "post_id": "b1"}}')) AS created;
DROP EXTENSION link_module;
\echo :LAST_ERROR_SQLSTATE
SET client_min_messages = warning;
DROP EXTENSION link_module CASCADE;
RESET client_min_messages;
SELECT count(*) AS rows_kept FROM public_product_public_post;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid IN ('product'::regclass, 'post'::regclass, 'public_product_public_post'::regclass) AND NOT tgisinternal;

-- The extension installs beside an application's own `links` and `linkables`: its views live
-- in schema link_module.
CREATE TABLE links (id int);
CREATE TABLE linkables (id int);
CREATE EXTENSION link_module;
SELECT count(*) AS app_links FROM links;
SELECT count(*) AS registered FROM link_module.links;
SELECT define_link('public.product', 'public.post') ->> 'table' AS adopted;
SELECT count(*) AS rows_adopted FROM jsonb_array_elements(link_list('{"public": {"product_id": "p1", "post_id": "b1"}}'));
UPDATE product SET deleted_at = now() WHERE id = 'p1';
SELECT count(*) AS active_after_soft_delete FROM public_product_public_post WHERE deleted_at IS NULL;

-- Everything removed: drop_link(..., true) drops each link's table first.
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DROP EXTENSION link_module;
SELECT count(*) AS link_tables_left FROM pg_class WHERE relname = 'public_product_public_post';
DROP TABLE links, linkables, product, post;
DROP ROLE lifecycle_other;
CREATE EXTENSION link_module;
