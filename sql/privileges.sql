-- Privileges (issue 10): no role reaches a table through links that it could not reach by
-- itself.
\set SHOW_CONTEXT never
CREATE SCHEMA shop;
CREATE SCHEMA blog;
CREATE TABLE shop.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO shop.product VALUES ('p1'), ('p2');
INSERT INTO blog.post VALUES ('b1'), ('b2');
SELECT define_link('shop.product', '{"linkable": "blog.post", "deleteCascade": true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}},
                                        {"shop": {"product_id": "p2"}, "blog": {"post_id": "b2"}}]')) AS linked;

-- 1. Nothing read from the registry becomes SQL text. Whoever can write the registry's key
-- types (as linkables and as stored definitions) gets them into no statement: cascades, link
-- operations and graph reads take types from the catalog's live columns.
CREATE TABLE injected (at timestamptz);
CREATE FUNCTION public.injected() RETURNS boolean LANGUAGE sql
AS $$ INSERT INTO injected VALUES (now()) RETURNING false $$;
UPDATE link_module.linkable_registry SET key_type = 'text[]) OR public.injected() OR x.id = ANY ($1::text[]::text';
UPDATE link_module.link_registry
SET definition = jsonb_set(jsonb_set(definition, '{left,keyType}', '"text[]) OR public.injected() OR t.product_id = ANY ($1::text[]::text"'),
                           '{right,keyType}', '"text[]) OR public.injected() OR t.post_id = ANY ($1::text[]::text"');
SELECT link_delete('{"shop": {"product_id": ["p1"]}}') ->> 'blog' AS link_deleted;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') ->> 'blog' AS link_restored;
UPDATE shop.product SET deleted_at = now() WHERE id = 'p2';
UPDATE shop.product SET deleted_at = NULL WHERE id = 'p2';
SELECT jsonb_array_length(link_dismiss('{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}}')) AS dismissed;
SELECT jsonb_array_length(link_create('{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}}')) AS created;
SELECT jsonb_array_length(link_list('{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}}')) AS listed;
SELECT query_graph('{"entity": "product", "fields": ["id", "post.id"], "filters": {"id": "p1"}}') -> 'data' AS graph;
DELETE FROM shop.product WHERE id = 'p2';
SELECT count(*) AS injected_calls FROM injected;
SELECT id FROM blog.post ORDER BY 1;

SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA shop, blog CASCADE;
DROP TABLE injected;
DROP FUNCTION public.injected();

-- Three roles: the owner of the catalog module's tables, the owner of the blog module's, and an
-- application role with what README says to grant.
CREATE ROLE regress_catalog;
CREATE ROLE regress_blog;
CREATE ROLE regress_app;
CREATE SCHEMA shop AUTHORIZATION regress_catalog;
CREATE SCHEMA blog AUTHORIZATION regress_blog;
CREATE SCHEMA links;
GRANT USAGE, CREATE ON SCHEMA links TO regress_catalog, regress_blog, regress_app;
GRANT USAGE ON SCHEMA shop, blog TO regress_app;
GRANT USAGE ON SCHEMA shop TO regress_blog;
SET ROLE regress_catalog;
CREATE TABLE shop.product (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO shop.product VALUES ('p1'), ('p2');
GRANT SELECT ON shop.product TO regress_blog;
RESET ROLE;
SET ROLE regress_blog;
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO blog.post VALUES ('b1'), ('b2');
RESET ROLE;
CREATE FUNCTION registry() RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(what, ', ' ORDER BY what), 'empty') FROM (
    SELECT 'linkable ' || module || '.' || model AS what FROM link_module.linkables
    UNION ALL SELECT 'link ' || entry_point FROM link_module.links) s
$$;

-- 2. Registering a table or linking it is decided as for foreign keys and triggers: the blog's
-- owner cannot register the catalog's table, nor link it, least of all with deleteCascade
-- toward it (its own deletes would delete products, as their owner).
SET ROLE regress_blog;
SELECT register_linkable('shop', 'product', 'shop.product');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('blog.post', '{"linkable": "shop.product", "deleteCascade": true}',
                   '{"database": {"schema": "links", "table": "post_product"}}');
\echo :LAST_ERROR_SQLSTATE
-- The registry is written only through the functions.
INSERT INTO link_module.linkable_registry (module, model, relation, relation_name, primary_key, key, key_type)
VALUES ('shop', 'product', 'shop.product', 'shop.product', 'id', 'product_id', 'text');
\echo :LAST_ERROR_SQLSTATE
UPDATE link_module.linkable_registry SET validate = false;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT registry() AS registry;
SELECT to_regclass('links.post_product') AS link_table;
-- With TRIGGER and REFERENCES on products, the blog's owner may link them (a foreign key needs
-- REFERENCES); deleteCascade toward products also takes DELETE and UPDATE.
SET ROLE regress_catalog;
GRANT TRIGGER, REFERENCES ON shop.product TO regress_blog;
RESET ROLE;
SET ROLE regress_blog;
SELECT define_link('blog.post', '{"linkable": "shop.product", "deleteCascade": true}',
                   '{"database": {"schema": "links", "table": "post_product"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT define_link('{"linkable": "blog.post", "deleteCascade": true}', 'shop.product',
                   '{"database": {"schema": "links", "table": "post_product"}}') ->> 'entryPoint' AS defined;
RESET ROLE;
SELECT registry() AS registry;
-- Re-pointing the catalog's linkable takes the rights on its table: the blog's owner has them
-- now, the application role has not.
SET ROLE regress_app;
CREATE TABLE links.fake (id text PRIMARY KEY, deleted_at timestamptz);
SELECT register_linkable('shop', 'product', 'links.fake');
\echo :LAST_ERROR_SQLSTATE
-- 4. Only the link table's owner drops a link.
SELECT drop_link('post_product', false);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT registry() AS registry;

-- 5. The record trigger is not a function anyone calls.
SELECT has_function_privilege('regress_app', 'link_module.record_changed()', 'EXECUTE') AS app_may_execute;

-- 3. Through an active link row, deleting a product deletes its post (deleteCascade): writing
-- one, by link_create or by direct DML, takes DELETE and UPDATE on posts, which the
-- application role lacks so far. A dismissed row reaches nothing.
SET ROLE regress_blog;
GRANT SELECT, INSERT, UPDATE ON links.post_product TO regress_app;
RESET ROLE;
SET ROLE regress_app;
SELECT link_create('{"blog": {"post_id": "b1"}, "shop": {"product_id": "p1"}}');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO links.post_product (post_id, product_id, id) VALUES ('b2', 'p2', 'forged');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO links.post_product (post_id, product_id, id, deleted_at) VALUES ('b2', 'p2', 'dismissed', now());
UPDATE links.post_product SET deleted_at = NULL;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT post_id, product_id, deleted_at IS NULL AS active FROM links.post_product;
DELETE FROM links.post_product;
SET ROLE regress_blog;
GRANT DELETE, UPDATE ON blog.post TO regress_app;
RESET ROLE;
-- 6. link_create checks the records exist as their tables' owners (as foreign-key checks do):
-- the application role needs no rights on products (not even SELECT).
SET ROLE regress_app;
SELECT jsonb_array_length(link_create('[{"blog": {"post_id": "b1"}, "shop": {"product_id": "p1"}},
                                        {"blog": {"post_id": "b2"}, "shop": {"product_id": "p2"}}]')) AS linked;
SELECT link_create('{"blog": {"post_id": "b1"}, "shop": {"product_id": "nope"}}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- 4. The catalog's owner drops its table without rights on the link table: the link rows that
-- name it go, as the link table's owner.
SET ROLE regress_catalog;
SELECT count(*) FROM links.post_product;
\echo :LAST_ERROR_SQLSTATE
DROP TABLE shop.product;
RESET ROLE;
SELECT count(*) AS link_rows FROM links.post_product;
-- 5. The registration follows a table created again under its name only when it has the owner
-- the registered one had: another role's table of that name is not adopted (no triggers, no
-- links to it).
GRANT CREATE ON SCHEMA shop TO regress_app;
SET ROLE regress_app;
CREATE TABLE shop.product (id text PRIMARY KEY, deleted_at timestamptz);
RESET ROLE;
SELECT relation IS NULL AS not_adopted FROM link_module.linkables WHERE module = 'shop' AND model = 'product';
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'shop.product'::regclass;

SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA shop, blog, links CASCADE;

-- A restore by trigger undoes the stamp the role clearing the column set: it runs as that
-- role. A role with rights on products only cannot bring back, through a stamp it copies, the
-- posts an administrator's link_delete took.
CREATE SCHEMA shop;
CREATE SCHEMA blog;
CREATE TABLE shop.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO shop.product VALUES ('p1');
INSERT INTO blog.post VALUES ('b1');
SELECT define_link('shop.product', '{"linkable": "blog.post", "deleteCascade": true}') ->> 'entryPoint' AS defined;
SELECT jsonb_array_length(link_create('{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}}')) AS linked;
SELECT link_delete('{"shop": {"product_id": ["p1"]}}') ->> 'blog' AS admin_deleted;
GRANT USAGE ON SCHEMA shop TO regress_app;
GRANT SELECT, UPDATE ON shop.product TO regress_app;
GRANT SELECT ON shop_product_blog_post TO regress_app;
SET ROLE regress_app;
SELECT deleted_at AS admin_stamp FROM shop_product_blog_post \gset
UPDATE shop.product SET deleted_at = :'admin_stamp' WHERE id = 'p1';
-- The restore would revive the link row: it needs UPDATE on the link table, and is refused.
UPDATE shop.product SET deleted_at = NULL WHERE id = 'p1';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT id, deleted_at IS NOT NULL AS deleted FROM blog.post;
SELECT deleted_at IS NOT NULL AS dismissed FROM shop_product_blog_post;
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA shop, blog CASCADE;

-- Taking over: define_link adopts an existing table only as its owner; redefining a link takes
-- the link table's owner; a linkable whose table is gone is re-pointed only by a member of the
-- role that owned it.
CREATE SCHEMA shop AUTHORIZATION regress_catalog;
CREATE SCHEMA links;
GRANT USAGE, CREATE ON SCHEMA links TO regress_catalog, regress_app;
GRANT USAGE ON SCHEMA shop TO regress_app;
SET ROLE regress_catalog;
CREATE TABLE shop.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE shop.tag (id text PRIMARY KEY, deleted_at timestamptz);
GRANT TRIGGER, REFERENCES ON shop.product, shop.tag TO regress_app;
SELECT define_link('shop.product', '{"linkable": "shop.tag", "deleteCascade": true}',
                   '{"database": {"schema": "links"}}') ->> 'table' AS defined;
RESET ROLE;
SET ROLE regress_app;
SELECT define_link('shop.product', 'shop.tag', '{"database": {"schema": "links"}}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT right_delete_cascade FROM link_module.links WHERE entry_point = 'product_tag';
SET ROLE regress_catalog;
SELECT drop_link('product_tag', false);
RESET ROLE;
SET ROLE regress_app;
CREATE TABLE links.a (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE links.b (id text PRIMARY KEY, deleted_at timestamptz);
SELECT register_linkable('mine', 'a', 'links.a', '{"key": "product_id"}') ->> 'key' AS registered;
SELECT register_linkable('mine', 'b', 'links.b', '{"key": "tag_id"}') ->> 'key' AS registered;
SELECT define_link('mine.a', 'mine.b', '{"database": {"schema": "links", "table": "shop_product_shop_tag"}}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_catalog;
DROP TABLE shop.tag;
RESET ROLE;
SET ROLE regress_app;
SELECT register_linkable('shop', 'tag', 'links.b');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT relation IS NULL AS still_unpointed FROM link_module.linkables WHERE module = 'shop' AND model = 'tag';
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA shop, links CASCADE;

-- The application role, given only what README says a DBA grants (USAGE and CREATE on its
-- schema), does all the normal work on tables it owns: no superuser, no grant on link_module.
CREATE SCHEMA app;
GRANT USAGE, CREATE ON SCHEMA app TO regress_app;
SET ROLE regress_app;
CREATE TABLE app.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE app.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO app.product VALUES ('p1');
INSERT INTO app.post VALUES ('b1');
SELECT register_linkable('catalog', 'product', 'app.product') ->> 'key' AS registered;
SELECT register_linkable('cms', 'post', 'app.post') ->> 'key' AS registered;
SELECT define_link('catalog.product', '{"linkable": "cms.post", "deleteCascade": true}',
                   '{"database": {"schema": "app", "extraColumns": {"note": {"type": "text", "nullable": true}}}}')
       ->> 'entryPoint' AS defined;
SELECT jsonb_array_length(link_create('{"catalog": {"product_id": "p1"}, "cms": {"post_id": "b1"}}')) AS created;
SELECT jsonb_array_length(link_update('{"catalog": {"product_id": "p1"}, "cms": {"post_id": "b1"}, "data": {"note": "x"}}')) AS updated;
SELECT jsonb_array_length(link_list('{"catalog": {"product_id": "p1"}, "cms": {"post_id": "b1"}}')) AS listed;
SELECT query_graph('{"entity": "product", "fields": ["id", "post.id"]}') -> 'data' AS graph;
UPDATE app.product SET deleted_at = now();
SELECT id, deleted_at IS NOT NULL AS deleted FROM app.post;
UPDATE app.product SET deleted_at = NULL;
SELECT link_delete('{"catalog": {"product_id": ["p1"]}}') ->> 'cms' AS link_deleted;
SELECT link_restore('{"catalog": {"product_id": ["p1"]}}') ->> 'cms' AS link_restored;
SELECT jsonb_array_length(link_dismiss('{"catalog": {"product_id": "p1"}, "cms": {"post_id": "b1"}}')) AS dismissed;
SELECT drop_link('product_post', true);
RESET ROLE;
SELECT registry() AS registry_after_drop;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA app CASCADE;

-- Row security on a link table: the notes of what cascades removed (link_module.removals) are
-- the extension's own, and a restore reads them for the rows its caller can see. A tenant with
-- UPDATE on a shared link table neither reads nor revives another tenant's removed links.
CREATE SCHEMA shop;
CREATE SCHEMA blog;
CREATE TABLE shop.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO shop.product VALUES ('p1'), ('p2');
INSERT INTO blog.post VALUES ('b1'), ('b2');
SELECT define_link('shop.product', '{"linkable": "blog.post", "deleteCascade": true}',
                   '{"database": {"extraColumns": {"tenant": {"type": "text"}}}}') ->> 'entryPoint' AS defined;
SELECT jsonb_array_length(link_create('[{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"tenant": "regress_app"}},
                                        {"shop": {"product_id": "p2"}, "blog": {"post_id": "b2"}, "data": {"tenant": "other"}}]')) AS linked;
ALTER TABLE shop_product_blog_post ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON shop_product_blog_post USING (tenant = current_user);
GRANT USAGE ON SCHEMA shop, blog TO regress_app;
GRANT SELECT, UPDATE, DELETE ON shop.product, blog.post, shop_product_blog_post TO regress_app;
SELECT link_delete('{"shop": {"product_id": ["p1", "p2"]}}') ->> 'blog' AS deleted;
SET ROLE regress_app;
SELECT count(*) FROM link_module.removals;
\echo :LAST_ERROR_SQLSTATE
SELECT link_restore('{"shop": {"product_id": ["p1", "p2"]}}') ->> 'blog' AS tenant_restored;
RESET ROLE;
SELECT product_id, deleted_at IS NULL AS active FROM shop_product_blog_post ORDER BY 1;
SELECT id, deleted_at IS NULL AS live FROM blog.post ORDER BY 1;
-- The other tenant's removal is still noted: its own restore brings it back.
SELECT link_restore('{"shop": {"product_id": ["p2"]}}') ->> 'blog' AS admin_restored;
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA shop, blog CASCADE;

-- Key types: a domain's CHECK (its owner's code) runs in no statement of link_module, which
-- casts ids to the domain's base type; new link tables' keys carry the base type. (It ran as
-- the extension's owner in the statements on removal notes.)
CREATE SCHEMA dom AUTHORIZATION regress_app;
SET ROLE regress_app;
CREATE TABLE dom.seen (who name);
GRANT INSERT ON dom.seen TO PUBLIC;
GRANT USAGE ON SCHEMA dom TO PUBLIC;
CREATE FUNCTION dom.chk(v text) RETURNS boolean LANGUAGE sql AS $$ INSERT INTO dom.seen VALUES (current_user) RETURNING true $$;
CREATE DOMAIN dom.key AS text CHECK (dom.chk(VALUE));
CREATE TABLE dom.a (id dom.key PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE dom.b (id dom.key PRIMARY KEY, deleted_at timestamptz);
INSERT INTO dom.a VALUES ('a1');
INSERT INTO dom.b VALUES ('b1');
SELECT define_link('dom.a', '{"linkable": "dom.b", "deleteCascade": true}', '{"database": {"schema": "dom"}}') ->> 'entryPoint' AS defined;
SELECT jsonb_array_length(link_create('{"dom": {"a_id": "a1", "b_id": "b1"}}')) AS linked;
SELECT link_delete('{"dom": {"a_id": ["a1"]}}') ->> 'dom' AS deleted;
SELECT link_restore('{"dom": {"a_id": ["a1"]}}') ->> 'dom' AS restored;
UPDATE dom.a SET deleted_at = now();
UPDATE dom.a SET deleted_at = NULL;
RESET ROLE;
SELECT who, count(*) > 0 AS checked FROM dom.seen GROUP BY who;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'dom.dom_a_dom_b'::regclass AND attname IN ('a_id', 'b_id') ORDER BY 1;
SELECT id, deleted_at IS NULL AS live FROM dom.b;
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA dom CASCADE;

-- A link table's owner controls its table: it can disable the triggers that gate who writes
-- active rows, or rewrite the table. So a trigger's cascade to a deleteCascade table checks,
-- when it runs, that the link table's owner still holds the right it uses there (as define_link
-- required). Here the owner of the posts revokes them after the link was defined.
CREATE SCHEMA shop AUTHORIZATION regress_catalog;
CREATE SCHEMA blog AUTHORIZATION regress_blog;
GRANT USAGE ON SCHEMA blog TO regress_catalog;
SET ROLE regress_blog;
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO blog.post VALUES ('b1'), ('b2');
GRANT TRIGGER, REFERENCES, DELETE, UPDATE ON blog.post TO regress_catalog;
SET ROLE regress_catalog;
CREATE TABLE shop.product (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO shop.product VALUES ('p1'), ('p2');
SELECT define_link('shop.product', '{"linkable": "blog.post", "deleteCascade": true}',
                   '{"database": {"schema": "shop"}}') ->> 'table' AS link_table;
SET ROLE regress_blog;
REVOKE DELETE, UPDATE ON blog.post FROM regress_catalog;
SET ROLE regress_catalog;
SELECT link_create('{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE shop.shop_product_blog_post DISABLE TRIGGER link_module_rows_inserted;
SELECT jsonb_array_length(link_create('{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}}')) AS linked_ungated;
DELETE FROM shop.product WHERE id = 'p1';
\echo :LAST_ERROR_SQLSTATE
INSERT INTO shop.shop_product_blog_post (product_id, post_id, id, deleted_at) VALUES ('p2', 'b2', 'x', now());
ALTER TABLE shop.shop_product_blog_post ALTER COLUMN deleted_at TYPE timestamptz USING NULL;
UPDATE shop.product SET deleted_at = now() WHERE id = 'p2';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT id, deleted_at IS NULL AS live FROM blog.post ORDER BY 1;
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA shop, blog CASCADE;

-- Row security on a deleteCascade side's table: a role may write active link rows naming only
-- records it could update itself (the table's SELECT and UPDATE policies), or its own deletes
-- would reach records hidden from it. Two tenants share the tables.
CREATE SCHEMA shop AUTHORIZATION regress_catalog;
GRANT USAGE ON SCHEMA shop TO regress_app, regress_blog;
SET ROLE regress_catalog;
CREATE TABLE shop.customer (id text PRIMARY KEY, tenant name NOT NULL DEFAULT current_user, deleted_at timestamptz);
CREATE TABLE shop.orders (id text PRIMARY KEY, tenant name NOT NULL DEFAULT current_user, deleted_at timestamptz);
ALTER TABLE shop.customer ENABLE ROW LEVEL SECURITY;
ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON shop.customer USING (tenant = current_user);
CREATE POLICY own ON shop.orders USING (tenant = current_user);
GRANT SELECT, INSERT, UPDATE, DELETE ON shop.customer, shop.orders TO regress_app, regress_blog;
SELECT define_link('shop.customer', '{"linkable": "shop.orders", "isList": true, "deleteCascade": true}',
                   '{"database": {"schema": "shop"}}') ->> 'table' AS link_table;
GRANT SELECT, INSERT, UPDATE, DELETE ON shop.shop_customer_shop_orders TO regress_app, regress_blog;
SET ROLE regress_blog;
INSERT INTO shop.orders (id) VALUES ('order_of_blog');
SET ROLE regress_app;
INSERT INTO shop.customer (id) VALUES ('customer_of_app');
INSERT INTO shop.orders (id) VALUES ('order_of_app');
SELECT link_create('{"shop": {"customer_id": "customer_of_app", "orders_id": "order_of_blog"}}');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO shop.shop_customer_shop_orders (customer_id, orders_id, id) VALUES ('customer_of_app', 'order_of_blog', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT jsonb_array_length(link_create('{"shop": {"customer_id": "customer_of_app", "orders_id": "order_of_app"}}')) AS own_order;
DELETE FROM shop.customer WHERE id = 'customer_of_app';
RESET ROLE;
SELECT id, tenant FROM shop.orders ORDER BY 1;
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA shop CASCADE;

-- link_check and link_repair take, as VACUUM does, the links whose tables the caller owns, and
-- run each as that table's owner in a security-restricted operation: a repair fires the link
-- table's triggers, its owner's code, which never runs as the caller (here a superuser). Records
-- under row security are not checked (hidden ones would look missing, and the policies are
-- other roles' code).
CREATE SCHEMA app AUTHORIZATION regress_app;
SET ROLE regress_app;
CREATE TABLE app.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE app.post (id text PRIMARY KEY, tenant name DEFAULT current_user, deleted_at timestamptz);
INSERT INTO app.product VALUES ('p1'), ('p2');
INSERT INTO app.post VALUES ('b1'), ('b2');
SELECT define_link('app.product', 'app.post', '{"database": {"schema": "app"}}') ->> 'entryPoint' AS defined;
SELECT jsonb_array_length(link_create('[{"app": {"product_id": "p1", "post_id": "b1"}},
                                        {"app": {"product_id": "p2", "post_id": "b2"}}]')) AS linked;
CREATE TABLE app.seen (who name);
CREATE FUNCTION app.seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO app.seen VALUES (current_user); RETURN NULL; END $$;
CREATE TRIGGER seen AFTER UPDATE ON app.app_product_app_post FOR EACH STATEMENT EXECUTE FUNCTION app.seen();
ALTER TABLE app.product DISABLE TRIGGER link_module_delete;
DELETE FROM app.product WHERE id = 'p2';  -- its link's record is gone behind the trigger's back
ALTER TABLE app.product ENABLE TRIGGER link_module_delete;
RESET ROLE;
SELECT * FROM link_repair();
SELECT DISTINCT who FROM app.seen;
SET ROLE regress_blog;
SELECT * FROM link_check('product_post');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS checked_nothing FROM link_check();
RESET ROLE;
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA app CASCADE;

DROP FUNCTION registry();
DROP ROLE regress_catalog, regress_blog, regress_app;
