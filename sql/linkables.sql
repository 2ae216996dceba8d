-- register_linkable: defaults from the table, options, virtual linkables, re-registration.
CREATE SCHEMA shop;
CREATE TABLE shop.product (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE shop.variant (uid uuid PRIMARY KEY, removed_at timestamptz);
CREATE TABLE shop.tag (id bigint, name text);           -- no primary key, has id
CREATE TABLE shop.price (pk_a int, pk_b int, amount numeric, PRIMARY KEY (pk_a, pk_b));

-- Defaults: single-column primary key, key <model>_<pk>, deleted_at as soft-delete column.
SELECT register_linkable('product', 'product', 'shop.product');
-- uuid primary key; a custom soft-delete column.
SELECT register_linkable('product', 'variant', 'shop.variant', '{"softDeleteColumn": "removed_at"}');
-- No primary key: falls back to "id"; no deleted_at column: no soft delete.
SELECT register_linkable('product', 'tag', 'shop.tag');
-- Composite primary key: name the column to use.
SELECT register_linkable('pricing', 'price', 'shop.price', '{"primaryKey": "pk_a", "key": "price_ref"}');
-- Virtual linkable: records live elsewhere, keys are varchar(255), no existence checks.
SELECT register_linkable('payment', 'provider', NULL, '{"alias": "payment_provider", "validate": false}');

-- Registering again updates the registration.
SELECT register_linkable('product', 'product', 'shop.product', '{"alias": "item", "softDeleteColumn": null}');
SELECT module, model, relation, primary_key, key, key_type, soft_delete_column, alias, validate, virtual
FROM link_module.linkables ORDER BY module, model;
SELECT register_linkable('product', 'product', 'shop.product');

-- A define_link side names a registered linkable; its key type becomes the column type.
SELECT define_link('product.variant', 'payment.provider') ->> 'table' AS "table";
SELECT attname, format_type(atttypid, atttypmod)
FROM pg_attribute WHERE attrelid = 'product_variant_uid_payment_provider'::regclass AND attnum > 0 ORDER BY attnum;

-- The key of a linkable in use cannot change under its link tables.
SELECT register_linkable('product', 'variant', 'shop.variant', '{"key": "sku_id"}');
\echo :LAST_ERROR_SQLSTATE

-- Bad registrations name the table, column or option.
SELECT register_linkable('product', 'price', 'shop.price');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('product', 'product', 'shop.product', '{"softDeleteColumn": "gone_at"}');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('product', 'product', 'shop.product', '{"primaryKey": "nope"}');
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW shop.product_view AS SELECT * FROM shop.product;
SELECT register_linkable('product', 'view', 'shop.product_view');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('payment', 'session', NULL, '{"softDeleteColumn": "deleted_at"}');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('product', 'product', 'shop.product', '{"keys": "x"}');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('product', 'product', 'shop.product', '{"validate": "yes"}');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('product', 'product', 'shop.product', '[]');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('bad-module', 'product', 'shop.product');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable(NULL, 'product', 'shop.product');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('product', 'product', 'shop.product', '{"key": "bad key"}');
\echo :LAST_ERROR_SQLSTATE
-- An array key names no single record.
CREATE TABLE shop.bundle (ids integer[] PRIMARY KEY);
SELECT register_linkable('shop', 'bundle', 'shop.bundle');
\echo :LAST_ERROR_SQLSTATE

-- None of the errors changed anything.
SELECT module, model, key, alias FROM link_module.linkables ORDER BY module, model;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA shop CASCADE;

-- A side written 'schema.table' registers the table under that name (the contract), with a
-- NOTICE when it is registered already under another one.
CREATE TABLE public.gadget (id text PRIMARY KEY);
CREATE TABLE public.manual (id text PRIMARY KEY);
SELECT register_linkable('catalog', 'gadget', 'public.gadget') ->> 'key' AS key;
SELECT define_link('public.gadget', 'public.manual') ->> 'entryPoint' AS link;
SELECT module, model FROM link_module.linkables WHERE relation = 'public.gadget'::regclass ORDER BY 1;
SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP TABLE public.gadget, public.manual;
