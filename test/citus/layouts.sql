-- Layouts whose cascades cannot run are refused, at define time or when the cascade would run:
-- never a silent skip; tables made reference tables after define_link take their link table
-- along when define_link runs again. Run by test/shell/citus.sh against
-- test/citus/expected/layouts.out.
\set ON_ERROR_STOP 0
\pset format unaligned
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS link_module;
CREATE SCHEMA product; CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.comment (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.note (id text NOT NULL, author text NOT NULL, deleted_at timestamptz, PRIMARY KEY (author, id));
SELECT create_reference_table('product.product');
SELECT create_distributed_table('blog.post', 'id');
SELECT create_distributed_table('blog.note', 'author');
-- A module table distributed by another column than the linkable's key: its shards could not
-- journal the keys for the coordinator's cascade.
SELECT register_linkable('blog', 'note', 'blog.note', '{"primaryKey": "id"}') IS NOT NULL AS registered;
SELECT define_link('product.product', 'blog.note');
SELECT count(*) AS links FROM link_module.links;
-- An existing link table that is distributed (adopted by define_link).
CREATE TABLE product_product_blog_comment (product_id text NOT NULL, comment_id text NOT NULL, id varchar(255) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz,
  PRIMARY KEY (product_id, comment_id));
SELECT create_distributed_table('product_product_blog_comment', 'product_id');
SELECT define_link('product.product', 'blog.comment');
SELECT count(*) AS links FROM link_module.links;
-- A reference table and a local table: Citus plans no statement that joins them.
DROP TABLE product_product_blog_comment;
SELECT define_link('product.product', 'blog.comment');
-- A module table distributed after define_link (Citus lets a table with triggers be distributed
-- only with citus.enable_unsafe_triggers): a cascade from it is an error, not a skip.
CREATE SCHEMA dist;
CREATE TABLE dist.a (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE dist.b (id text PRIMARY KEY, deleted_at timestamptz);
SELECT define_link('dist.a', 'dist.b') ->> 'entryPoint' AS link;
INSERT INTO dist.a VALUES ('a1');
INSERT INTO dist.b VALUES ('b1'), ('b2');
SELECT jsonb_array_length(link_create('[{"dist": {"a_id": "a1", "b_id": "b1"}}]')) AS created;
SET citus.enable_unsafe_triggers = on;
SELECT create_distributed_table('dist.b', 'id');
RESET citus.enable_unsafe_triggers;
UPDATE dist.b SET deleted_at = now() WHERE id = 'b1';
DELETE FROM dist.b WHERE id = 'b1';
SELECT b_id, deleted_at IS NOT NULL AS dismissed FROM dist_a_dist_b;
SELECT id, deleted_at IS NOT NULL AS deleted FROM dist.b ORDER BY id;

-- Tables linked first, then made reference tables (Citus wants citus.enable_unsafe_triggers for
-- a table with triggers), then define_link again: the link table follows, and cascades run.
CREATE SCHEMA shop;
CREATE TABLE shop.cart (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE shop.item (id text PRIMARY KEY, deleted_at timestamptz);
SELECT define_link('shop.cart', '{"linkable": "shop.item", "isList": true}') ->> 'entryPoint' AS link;
INSERT INTO shop.cart VALUES ('c1');
INSERT INTO shop.item VALUES ('i1'), ('i2');
SELECT jsonb_array_length(link_create('[{"shop": {"cart_id": "c1", "item_id": "i1"}}]')) AS created;
SELECT create_reference_table('shop.cart');
SET citus.enable_unsafe_triggers = on;
SELECT create_reference_table('shop.cart'), create_reference_table('shop.item');
RESET citus.enable_unsafe_triggers;
SELECT define_link('shop.cart', '{"linkable": "shop.item", "isList": true}') ->> 'entryPoint' AS link;
SELECT logicalrelid, repmodel FROM pg_dist_partition WHERE logicalrelid::text LIKE 'shop%' ORDER BY 1;
UPDATE shop.cart SET deleted_at = now();
SELECT cart_id, item_id, deleted_at IS NOT NULL AS dismissed FROM shop_cart_shop_item;
UPDATE shop.cart SET deleted_at = NULL;
SELECT cart_id, item_id, deleted_at IS NOT NULL AS dismissed FROM shop_cart_shop_item;

-- Citus's truncate_local_data_after_distributing_table empties only the coordinator's local
-- copy of the data: the records and their links stay.
CREATE SCHEMA kit;
CREATE TABLE kit.box (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE kit.part (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO kit.box VALUES ('x1'); INSERT INTO kit.part VALUES ('y1');
SELECT create_reference_table('kit.box'), create_reference_table('kit.part');
SELECT define_link('kit.box', 'kit.part') ->> 'entryPoint' AS link;
SELECT jsonb_array_length(link_create('[{"kit": {"box_id": "x1", "part_id": "y1"}}]')) AS created;
SELECT truncate_local_data_after_distributing_table('kit.box');
SELECT (SELECT count(*) FROM kit.box) AS boxes, (SELECT count(*) FROM kit_box_kit_part WHERE deleted_at IS NULL) AS active_links;
-- Citus rebuilding a linked table (undistribute_table, then made a Citus local table) keeps its
-- links and cascades; rebuilding a link table is refused.
SELECT undistribute_table('kit.part');
SELECT citus_add_local_table_to_metadata('kit.part');
UPDATE kit.part SET deleted_at = now();
SELECT box_id, part_id, deleted_at IS NOT NULL AS dismissed FROM kit_box_kit_part;
UPDATE kit.part SET deleted_at = NULL;
SELECT undistribute_table('kit_box_kit_part');
-- drop_link on reference tables (its triggers go).
SELECT drop_link('box_part', true);
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid IN ('kit.box'::regclass, 'kit.part'::regclass) AND NOT tgisinternal;
-- A re-definition that repairs (and link_repair) on a reference link table.
CREATE SCHEMA m;
CREATE TABLE m.c (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE m.d (id text PRIMARY KEY, deleted_at timestamptz);
SELECT create_reference_table('m.c'), create_reference_table('m.d');
SELECT define_link('{"linkable": "m.c", "isList": true}', '{"linkable": "m.d", "isList": true}') ->> 'entryPoint' AS link;
INSERT INTO m.c VALUES ('a1'), ('a2');
INSERT INTO m.d VALUES ('b1'), ('b2');
SELECT jsonb_array_length(link_create('[{"m": {"c_id": "a1", "d_id": "b1"}}, {"m": {"c_id": "a1", "d_id": "b2"}},
                                        {"m": {"c_id": "a2", "d_id": "b2"}}]')) AS created;
SET client_min_messages = notice;
SELECT define_link('m.c', 'm.d', '{"repair": true}') ->> 'entryPoint' AS link;
SET client_min_messages = warning;
SELECT c_id, d_id, deleted_at IS NOT NULL AS dismissed FROM m_c_m_d ORDER BY 1, 2;
UPDATE m_c_m_d SET deleted_at = NULL WHERE d_id = 'b1';
SET session_replication_role = replica; -- a soft delete that bypasses the triggers
UPDATE m.d SET deleted_at = now() WHERE id = 'b1';
RESET session_replication_role;
SELECT link, problem, left_id, right_id FROM link_repair('c_d');
SELECT c_id, d_id, deleted_at IS NOT NULL AS dismissed FROM m_c_m_d ORDER BY 1, 2;

-- Linked tables made Citus local tables afterwards (Citus keeps the old OID as the shard and
-- gives the name a new one): registrations, link and notes follow the name, even where shards
-- are visible (citus.override_table_visibility off).
CREATE SCHEMA late;
CREATE TABLE late.pa (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE late.pb (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO late.pa VALUES ('a1');
INSERT INTO late.pb VALUES ('b1');
SELECT define_link('late.pa', 'late.pb') ->> 'entryPoint' AS link;
SELECT jsonb_array_length(link_create('[{"late": {"pa_id": "a1", "pb_id": "b1"}}]')) AS created;
UPDATE late.pa SET deleted_at = now();
SELECT citus_add_local_table_to_metadata('late.pa'), citus_add_local_table_to_metadata('late.pb');
SELECT define_link('late.pa', 'late.pb') ->> 'entryPoint' AS link;
SELECT model, relation::oid = to_regclass('late.' || model)::oid AS follows FROM link_module.linkable_registry
WHERE module = 'late' ORDER BY 1;
SET citus.override_table_visibility = off;
UPDATE late.pa SET deleted_at = NULL;
SELECT pa_id, pb_id, deleted_at IS NOT NULL AS dismissed FROM late_pa_late_pb;
TRUNCATE late.pb;
SELECT count(*) AS links FROM late_pa_late_pb;
RESET citus.override_table_visibility;
-- A Citus local link table rebuilt as the refusal's hint says (drop_link, undistribute_table,
-- define_link): its notes follow, and a restore still undoes the delete.
INSERT INTO late.pb VALUES ('b1');
SELECT jsonb_array_length(link_create('[{"late": {"pa_id": "a1", "pb_id": "b1"}}]')) AS created;
UPDATE late.pa SET deleted_at = now();
SELECT drop_link('pa_pb');
SELECT undistribute_table('late_pa_late_pb');
SELECT define_link('late.pa', 'late.pb') ->> 'entryPoint' AS link;
UPDATE late.pa SET deleted_at = NULL;
SELECT pa_id, pb_id, deleted_at IS NOT NULL AS dismissed FROM late_pa_late_pb;
-- A side made a reference table: define_link again makes the Citus local link table one too.
SET citus.enable_unsafe_triggers = on;
SELECT create_reference_table('late.pb');
RESET citus.enable_unsafe_triggers;
SELECT define_link('late.pa', 'late.pb') ->> 'entryPoint' AS link;
SELECT logicalrelid, repmodel FROM pg_dist_partition WHERE logicalrelid::text LIKE 'late%' ORDER BY 1;
UPDATE late.pa SET deleted_at = now();
SELECT pa_id, pb_id, deleted_at IS NOT NULL AS dismissed FROM late_pa_late_pb;

-- With citus.enable_local_execution off, the coordinator's placement changes over a connection
-- of its own, where a cascade cannot run: refused, nothing changes.
\set VERBOSITY terse
SET citus.enable_local_execution = off;
UPDATE shop.cart SET deleted_at = now();
RESET citus.enable_local_execution;
\set VERBOSITY default

-- Statements that change linked tables run on the coordinator. Run on a worker, their cascades
-- are refused (Citus runs no distributed statement for a shard's trigger; a worker's TRUNCATE
-- never reaches the coordinator's triggers), and nothing changes.
\set VERBOSITY terse
\c - - - :worker_port
SET client_min_messages = warning;
UPDATE shop.cart SET deleted_at = now();
DELETE FROM shop.cart;
TRUNCATE shop.item;
\c - - - :coordinator_port
SELECT cart_id, item_id, deleted_at IS NOT NULL AS dismissed FROM shop_cart_shop_item;
SELECT (SELECT count(*) FROM shop.cart WHERE deleted_at IS NULL) AS carts, (SELECT count(*) FROM shop.item) AS items;

-- Distributed module tables. Changed on a worker, where no hook takes their shards' journal out
-- for the coordinator's cascade, the change fails at commit and nothing changes; changed by a
-- role that does not own them, it fails too (the role's transactions hold the journal).
CREATE SCHEMA far;
CREATE TABLE far.shelf (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE far.book (id text PRIMARY KEY, deleted_at timestamptz);
SELECT create_distributed_table('far.shelf', 'id'), create_distributed_table('far.book', 'id', colocate_with => 'none');
INSERT INTO far.shelf VALUES ('s1'), ('s2');
INSERT INTO far.book VALUES ('k1'), ('k2');
SELECT define_link('far.shelf', '{"linkable": "far.book", "isList": true, "deleteCascade": true}') ->> 'entryPoint' AS link;
SELECT jsonb_array_length(link_create('[{"far": {"shelf_id": "s1", "book_id": "k1"}}, {"far": {"shelf_id": "s2", "book_id": "k2"}}]')) AS created;
\c - - - :worker_port
SET client_min_messages = error;
UPDATE far.shelf SET deleted_at = now() WHERE id = 's1';
DELETE FROM far.shelf WHERE id = 's2';
\c - - - :coordinator_port
SET client_min_messages = warning;
CREATE ROLE far_clerk LOGIN;
GRANT USAGE ON SCHEMA far TO far_clerk;
GRANT SELECT, UPDATE, DELETE ON far.shelf TO far_clerk;
SET ROLE far_clerk;
DELETE FROM far.shelf WHERE id = 's2';
RESET ROLE;
SELECT shelf_id, book_id, deleted_at IS NOT NULL AS dismissed FROM far_shelf_far_book ORDER BY 1;
SELECT (SELECT string_agg(id, ',' ORDER BY id) FROM far.shelf WHERE deleted_at IS NULL) AS live_shelves,
       (SELECT string_agg(id, ',' ORDER BY id) FROM far.book WHERE deleted_at IS NULL) AS live_books;
-- On the coordinator, as the owner: a multi-shard soft delete and its restore, then a hard
-- delete, each cascading through the link to the deleteCascade side.
UPDATE far.shelf SET deleted_at = now();
SELECT (SELECT count(*) FROM far.book WHERE deleted_at IS NULL) AS live_books, (SELECT count(*) FROM far_shelf_far_book WHERE deleted_at IS NULL) AS active_links;
UPDATE far.shelf SET deleted_at = NULL;
SELECT (SELECT count(*) FROM far.book WHERE deleted_at IS NULL) AS live_books, (SELECT count(*) FROM far_shelf_far_book WHERE deleted_at IS NULL) AS active_links;
DELETE FROM far.shelf;
SELECT (SELECT count(*) FROM far.book) AS book_rows, (SELECT count(*) FROM far_shelf_far_book) AS link_rows;
-- A SELECT whose CTE deletes or soft-deletes records (the statement ends after its snapshot is
-- gone), and a filter through a read-only link, on distributed tables.
CREATE TABLE far.author (id text PRIMARY KEY, name text, deleted_at timestamptz);
ALTER TABLE far.book ADD COLUMN author_id text;
SELECT create_distributed_table('far.author', 'id', colocate_with => 'none');
INSERT INTO far.author VALUES ('w1', 'Ann'), ('w2', 'Bo');
INSERT INTO far.shelf VALUES ('s3'), ('s4');
INSERT INTO far.book VALUES ('k3', NULL, 'w1'), ('k4', NULL, 'w2');
SELECT define_link('{"linkable": "far.book", "field": "author_id"}', 'far.author', '{"readOnly": true}') ->> 'entryPoint' AS link;
SELECT jsonb_array_length(link_create('[{"far": {"shelf_id": "s3", "book_id": "k3"}}, {"far": {"shelf_id": "s4", "book_id": "k4"}}]')) AS created;
SELECT query_graph('{"entity": "shelf", "fields": ["id", "books.id", "books.author.name"], "filters": {"books": {"author": {"name": "Bo"}}}}') -> 'data' AS through_read_only;
WITH d AS (UPDATE far.shelf SET deleted_at = now() WHERE id = 's3' RETURNING id) SELECT count(*) AS soft_deleted FROM d;
WITH d AS (DELETE FROM far.shelf WHERE id = 's4' RETURNING id) SELECT count(*) AS deleted FROM d;
SELECT (SELECT string_agg(id || ':' || (deleted_at IS NOT NULL), ',' ORDER BY id) FROM far.book) AS books,
       (SELECT string_agg(shelf_id || '-' || book_id || ':' || (deleted_at IS NOT NULL), ',' ORDER BY shelf_id) FROM far_shelf_far_book) AS links;

-- Every link dropped with its table: the journals go with the last link of their tables.
SELECT count(drop_link(entry_point, true)) > 0 AS dropped FROM link_module.links;
SELECT count(*) AS journals FROM pg_dist_partition WHERE logicalrelid::text LIKE 'link_module.citus_journal%';

-- A reference table whose deleteCascade side is a distributed table: its cascade, run in the
-- coordinator placement's trigger, changes the distributed table, whose own cascade follows.
CREATE SCHEMA mix;
CREATE TABLE mix.cat (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE mix.item (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE mix.part (id text PRIMARY KEY, deleted_at timestamptz);
SELECT create_reference_table('mix.cat'), create_distributed_table('mix.item', 'id'),
       create_distributed_table('mix.part', 'id', colocate_with => 'none');
INSERT INTO mix.cat VALUES ('c1'), ('c2');
INSERT INTO mix.item VALUES ('i1'), ('i2');
INSERT INTO mix.part VALUES ('t1'), ('t2');
SELECT define_link('mix.cat', '{"linkable": "mix.item", "isList": true, "deleteCascade": true}') ->> 'entryPoint' AS link;
SELECT define_link('mix.item', '{"linkable": "mix.part", "isList": true, "deleteCascade": true}') ->> 'entryPoint' AS link;
SELECT jsonb_array_length(link_create('[{"mix": {"cat_id": "c1", "item_id": "i1"}}, {"mix": {"cat_id": "c2", "item_id": "i2"}}]')) AS created;
SELECT jsonb_array_length(link_create('[{"mix": {"item_id": "i1", "part_id": "t1"}}, {"mix": {"item_id": "i2", "part_id": "t2"}}]')) AS created;
UPDATE mix.cat SET deleted_at = now() WHERE id = 'c1';
DELETE FROM mix.cat WHERE id = 'c2';
SELECT (SELECT string_agg(id || ':' || (deleted_at IS NOT NULL), ',' ORDER BY id) FROM mix.item) AS items,
       (SELECT string_agg(id || ':' || (deleted_at IS NOT NULL), ',' ORDER BY id) FROM mix.part) AS parts,
       (SELECT count(*) FROM mix_item_mix_part WHERE deleted_at IS NULL) AS active_part_links;
UPDATE mix.cat SET deleted_at = NULL WHERE id = 'c1';
SELECT (SELECT string_agg(id || ':' || (deleted_at IS NOT NULL), ',' ORDER BY id) FROM mix.item) AS items,
       (SELECT string_agg(id || ':' || (deleted_at IS NOT NULL), ',' ORDER BY id) FROM mix.part) AS parts;

-- Distributed link tables (distribute_link): by a side's key, co-located with that side's table.
CREATE SCHEMA dl;
CREATE TABLE dl.shop (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE dl.item (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE dl.tag (id text PRIMARY KEY, deleted_at timestamptz);
SELECT create_distributed_table('dl.shop', 'id'), create_distributed_table('dl.item', 'id', colocate_with => 'none'),
       create_distributed_table('dl.tag', 'id', colocate_with => 'none');
INSERT INTO dl.shop VALUES ('s1'), ('s2');
INSERT INTO dl.item VALUES ('i1'), ('i2'), ('i3');
INSERT INTO dl.tag VALUES ('t1'), ('t2');
-- One shop has many items (each item one shop): distributed by item_id only; its rows (written
-- by the table's owner, as its deleteCascade side wants) come along.
SELECT define_link('dl.shop', '{"linkable": "dl.item", "isList": true, "deleteCascade": true}') ->> 'entryPoint' AS link;
SELECT jsonb_array_length(link_create('[{"dl": {"shop_id": "s1", "item_id": "i1"}}, {"dl": {"shop_id": "s1", "item_id": "i2"}},
  {"dl": {"shop_id": "s2", "item_id": "i3"}}]')) AS created;
SELECT distribute_link('shop_item', 'shop_id');
SELECT distribute_link('shop_item', 'id');
SELECT distribute_link('shop_item', 'item_id');
SELECT distribute_link('shop_item', 'item_id'); -- again: nothing to do
SELECT p.colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'dl.item'::regclass) AS colocated_with_item
FROM pg_dist_partition p WHERE p.logicalrelid = 'dl_shop_dl_item'::regclass;
-- One-to-one: a reference table only.
SELECT define_link('dl.shop', 'dl.tag') ->> 'entryPoint' AS link;
SELECT distribute_link('shop_tag', 'tag_id');
-- Many-to-many: by either key. A reference link table with rows, and a note of a dismissal made
-- outside link_module, distributed: the rows and the note come along.
SELECT define_link('{"linkable": "dl.item", "isList": true}', '{"linkable": "dl.tag", "isList": true}') ->> 'entryPoint' AS link;
SELECT jsonb_array_length(link_create('[{"dl": {"item_id": "i1", "tag_id": "t1"}}, {"dl": {"item_id": "i2", "tag_id": "t1"}},
  {"dl": {"item_id": "i3", "tag_id": "t2"}}]')) AS created;
UPDATE dl_item_dl_tag SET deleted_at = now() WHERE item_id = 'i3';
SELECT distribute_link('item_tag', 'tag_id');
SELECT link_restore('{"dl": {"item_id": ["i3"]}}') -> 'DlItemDlTagLink' AS restored;
SELECT string_agg(item_id || '-' || tag_id || ':' || (deleted_at IS NOT NULL), ',' ORDER BY item_id) AS tag_links FROM dl_item_dl_tag;
-- Distributed again, by the other key (Citus rebuilds it): a note made before still restores.
UPDATE dl_item_dl_tag SET deleted_at = now() WHERE item_id = 'i3';
SELECT distribute_link('item_tag', 'item_id');
SELECT column_to_column_name(logicalrelid, partkey) AS distributed_by FROM pg_dist_partition WHERE logicalrelid = 'dl_item_dl_tag'::regclass;
SELECT link_restore('{"dl": {"item_id": ["i3"]}}') -> 'DlItemDlTagLink' AS restored;
SELECT link_create('[{"dl": {"shop_id": "s2", "item_id": "i1"}}]'); -- item i1 has its shop
-- Medusa's link.delete (a dismissal outside link_module, here of a shop's last links): noted, restored.
UPDATE dl_shop_dl_item SET deleted_at = now() WHERE shop_id = 's1';
SELECT link_restore('{"dl": {"shop_id": ["s1"]}}') -> 'DlShopDlItemLink' -> 'item_id' AS restored;
-- Cascades: the shop's delete takes its items (deleteCascade), their tag links go with them.
DELETE FROM dl.shop WHERE id = 's1';
SELECT (SELECT string_agg(id, ',' ORDER BY id) FROM dl.item) AS items,
       (SELECT count(*) FROM dl_shop_dl_item) AS shop_links, (SELECT count(*) FROM dl_item_dl_tag) AS tag_links;
SELECT query_graph('{"entity": "tag", "fields": ["id", "items.id", "items.shop.id"], "pagination": {"order": {"id": "ASC"}}}') -> 'data' AS graph;
-- A role that may insert into the link table but does not own the tables: refused, nothing written.
CREATE ROLE dl_writer LOGIN;
GRANT USAGE ON SCHEMA dl TO dl_writer;
GRANT SELECT, INSERT ON dl_shop_dl_item TO dl_writer;
SET ROLE dl_writer;
INSERT INTO dl_shop_dl_item (shop_id, item_id, id) VALUES ('s2', 'i9', 'x');
RESET ROLE;
SELECT count(*) AS shop_links FROM dl_shop_dl_item;
SELECT * FROM link_check();
