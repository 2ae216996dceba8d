-- Link operations cache the stored links per backend; every change is seen at once.
CREATE TABLE product (id text PRIMARY KEY);
CREATE TABLE post (id text PRIMARY KEY);
INSERT INTO product VALUES ('p1'), ('p2');
INSERT INTO post VALUES ('b1'), ('b2'), ('b3'), ('b4');
SELECT define_link('public.product', 'public.post') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('{"public": {"product_id": "p1", "post_id": "b1"}}')) AS created;

-- A definition rolled back is forgotten, even after this backend used it.
CREATE TABLE tag (id text PRIMARY KEY);
INSERT INTO tag VALUES ('t1');
BEGIN;
SELECT define_link('public.product', '{"linkable": "public.tag", "isList": true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('{"public": {"product_id": "p1", "tag_id": "t1"}}')) AS created_in_transaction;
ROLLBACK;
SELECT link_create('{"public": {"product_id": "p1", "tag_id": "t1"}}');
\echo :LAST_ERROR_SQLSTATE

-- A linked table renamed, or a link table renamed, is followed.
ALTER TABLE product RENAME TO item;
SELECT jsonb_array_length(link_create('{"public": {"product_id": "p2", "post_id": "b2"}}')) AS created_after_rename;
SELECT link_create('{"public": {"product_id": "p9", "post_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE public_product_public_post RENAME TO renamed_links;
SELECT jsonb_array_length(link_list('{"public": {"product_id": ["p1", "p2"], "post_id": ["b1", "b2"]}}')) AS listed_after_rename;
SELECT link_table FROM links;

-- A re-registration takes effect at once.
SELECT register_linkable('public', 'product', 'item', '{"validate": false}') -> 'validate' AS validate;
SELECT link_create('{"public": {"product_id": "p9", "post_id": "b3"}}') -> 0 ->> 'product_id' AS unchecked;

-- A linked table dropped and created again under its name is found again.
DROP TABLE item;
CREATE TABLE item (id text PRIMARY KEY);
INSERT INTO item VALUES ('p5');
SELECT relation FROM linkables WHERE model = 'product';
SELECT link_create('{"public": {"product_id": "p5", "post_id": "b4"}}') -> 0 ->> 'product_id' AS relinked;
-- One that is gone names the linkable.
SELECT register_linkable('public', 'tag', 'tag') ->> 'relation' AS registered;
DROP TABLE tag;
SELECT define_link('public.product', '{"linkable": "public.tag", "isList": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('public', 'tag', NULL) ->> 'virtual' AS reregistered_virtual;
CREATE TABLE tag (id text PRIMARY KEY);

-- drop_link drops the link table under its current name.
SELECT drop_link(entry_point, true) FROM links;
SELECT to_regclass('renamed_links') AS dropped;
DELETE FROM link_module.linkables;
DROP TABLE item, post, tag;
