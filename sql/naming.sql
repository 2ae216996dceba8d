-- Medusa's names: serviceName, entryPoint, entity, table (composeTableName + compressName)
-- and index names (simpleHash of the logical table name).
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE currency (code text PRIMARY KEY);
CREATE TABLE region (id text PRIMARY KEY);

-- 'schema.table' sides register their tables implicitly (module = schema, model = table).
SELECT d->>'serviceName' AS service_name, d->>'entryPoint' AS entry_point, d->>'entity' AS entity,
       d->>'table' AS "table"
FROM define_link('product.product', 'blog.post') AS d;

SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'product_product_blog_post' ORDER BY 1;

-- Key currency_code: the table uses the key (minus _id), the service name the alias.
SELECT register_linkable('currency', 'currency', 'currency', '{"primaryKey": "code"}')->>'key' AS key;
SELECT register_linkable('region', 'region', 'region')->>'key' AS key;
SELECT d->>'serviceName' AS service_name, d->>'entryPoint' AS entry_point, d->>'entity' AS entity,
       d->>'table' AS "table"
FROM define_link('currency.currency', '{"linkable": "region.region", "isList": true}') AS d;

-- A side alias changes serviceName and entryPoint but not the table, so a second link
-- between the same models needs its own table name.
SELECT define_link('currency.currency', '{"linkable": "region.region", "alias": "primary_region"}');
\echo :LAST_ERROR_SQLSTATE
SELECT d->>'serviceName' AS service_name, d->>'entryPoint' AS entry_point, d->>'table' AS "table"
FROM define_link('currency.currency', '{"linkable": "region.region", "alias": "primary_region"}',
                 '{"database": {"table": "currency_primary_region"}}') AS d;

-- Module names are kept verbatim, less a trailing Service or _id; tables are lower-cased.
SELECT register_linkable('helloModuleService', 'my_custom', NULL, '{"key": "my_custom_id"}')->>'keyType' AS key_type;
SELECT d->>'serviceName' AS service_name, d->>'entity' AS entity, d->>'table' AS "table"
FROM define_link('helloModuleService.my_custom', 'product.product') AS d;

-- A custom table name is hashed exactly as given (case kept), then lower-cased.
CREATE TABLE "user" (id text PRIMARY KEY);
CREATE TABLE car (id text PRIMARY KEY);
SELECT register_linkable('user', 'user', '"user"')->>'key' AS key;
SELECT register_linkable('car', 'car', 'car')->>'key' AS key;
SELECT d->>'table' AS "table" FROM define_link('user.user', 'car.car', '{"database": {"table": "User_user_Car_car"}}') AS d;
SELECT indexname FROM pg_indexes WHERE tablename = 'user_user_car_car' ORDER BY 1;
SELECT drop_link('user_car', true);
-- The composed name of the same link hashes differently (-92128f74).
SELECT d->>'table' AS "table" FROM define_link('user.user', 'car.car') AS d;
SELECT indexname FROM pg_indexes WHERE tablename = 'user_user_car_car' ORDER BY 1;

-- Names over 58 characters are compressed with the hash suffix.
SELECT d->>'table' AS "table"
FROM define_link('product.product', '{"linkable": "car.car", "alias": "vehicle"}',
                 '{"database": {"table": "product_product_variant_id_order_order_id_long_long_long_long_name"}}') AS d;
SELECT indexname FROM pg_indexes WHERE tablename = 'product_variant_id_order_id_long_name33bb7b344' ORDER BY 1;

SELECT service_name, entry_point, link_table FROM link_module.links ORDER BY 1;

-- Clean up.
SELECT drop_link(entry_point, true) FROM link_module.links;
DROP TABLE product.product, blog.post, currency, region, "user", car;
DROP SCHEMA product, blog;
DELETE FROM link_module.linkable_registry;
