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
SELECT link_table FROM link_module.links;

-- A re-registration takes effect at once.
SELECT register_linkable('public', 'product', 'item', '{"validate": false}') -> 'validate' AS validate;
SELECT link_create('{"public": {"product_id": "p9", "post_id": "b3"}}') -> 0 ->> 'product_id' AS unchecked;

-- A linked table dropped and created again under its name is found again.
DROP TABLE item;
CREATE TABLE item (id text PRIMARY KEY);
INSERT INTO item VALUES ('p5');
SELECT relation FROM link_module.linkables WHERE model = 'product';
SELECT link_create('{"public": {"product_id": "p5", "post_id": "b4"}}') -> 0 ->> 'product_id' AS relinked;
-- One that is gone names the linkable.
SELECT register_linkable('public', 'tag', 'tag') ->> 'relation' AS registered;
DROP TABLE tag;
SELECT define_link('public.product', '{"linkable": "public.tag", "isList": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT register_linkable('public', 'tag', NULL) ->> 'virtual' AS reregistered_virtual;
CREATE TABLE tag (id text PRIMARY KEY);

-- drop_link drops the link table under its current name.
SELECT drop_link(entry_point, true) FROM link_module.links;
SELECT to_regclass('renamed_links') AS dropped;
DELETE FROM link_module.linkable_registry;
DROP TABLE item, post, tag;

-- Two spellings of one uuid name one record: nothing is missing.
CREATE TABLE author (id uuid PRIMARY KEY);
CREATE TABLE book (id text PRIMARY KEY);
INSERT INTO author VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
INSERT INTO book VALUES ('k1'), ('k2');
-- A book has one author (books isList: an author has many books).
SELECT define_link('public.author', '{"linkable": "public.book", "isList": true}') ->> 'entryPoint';
SELECT count(*) AS linked FROM jsonb_array_elements(link_create('[
  {"public": {"author_id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "book_id": "k1"}},
  {"public": {"author_id": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "book_id": "k2"}}]'));
-- The taken key is named even when its spelling differs from the stored one.
CREATE TABLE shelf (id uuid PRIMARY KEY);
INSERT INTO shelf VALUES ('b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), ('c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
SELECT define_link('public.shelf', 'public.book') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('{"public": {"shelf_id": "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "book_id": "k1"}}')) AS shelved;
SELECT link_create('{"public": {"shelf_id": "B0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "book_id": "k2"}}');
SELECT drop_link('shelf_book', true);
DROP TABLE shelf;
SELECT drop_link('author_book', true);
DELETE FROM link_module.linkable_registry;
DROP TABLE author, book;
