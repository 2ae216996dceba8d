-- link_create: upserts with typed data, ids, cardinality by Medusa's rule, existence checks.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE SCHEMA brand;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.note (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.tag (id text PRIMARY KEY);
CREATE TABLE blog.author (id uuid PRIMARY KEY);
CREATE TABLE brand.brand (id text PRIMARY KEY);
CREATE TABLE brand.logo (id text PRIMARY KEY);
INSERT INTO product.product SELECT 'p' || i FROM generate_series(1, 5) i;
INSERT INTO blog.post SELECT 'b' || i FROM generate_series(1, 5) i;
INSERT INTO blog.note SELECT 'n' || i FROM generate_series(1, 5) i;
INSERT INTO blog.tag SELECT 't' || i FROM generate_series(1, 5) i;
INSERT INTO blog.author VALUES ('00000000-0000-0000-0000-000000000001');
INSERT INTO brand.brand VALUES ('br1'), ('br2');
INSERT INTO brand.logo VALUES ('lg1'), ('lg2');
SELECT register_linkable('payment', 'provider', NULL) ->> 'virtual' AS virtual;

SELECT define_link('product.product', 'blog.post', '{"database": {"extraColumns": {
  "metadata": {"type": "json", "nullable": true},
  "rank": {"type": "integer", "defaultValue": 0},
  "status": {"type": "enum", "options": {"items": ["draft", "live"]}, "nullable": true}}}}') ->> 'entryPoint';
SELECT define_link('product.product', '{"linkable": "blog.note", "isList": true}') ->> 'entryPoint';
SELECT define_link('{"linkable": "product.product", "isList": true}', '{"linkable": "blog.tag", "isList": true}',
                   '{"database": {"idPrefix": "ptag"}}') ->> 'entryPoint';
SELECT define_link('product.product', 'blog.author') ->> 'entryPoint';
SELECT define_link('brand.brand', 'brand.logo') ->> 'entryPoint';
SELECT define_link('product.product', 'payment.provider') ->> 'entryPoint';

-- One link: the created row, with a generated "<idPrefix>_<ULID>" id and the data columns.
SELECT r ->> 'product_id' AS product_id, r ->> 'post_id' AS post_id, r -> 'metadata' AS metadata,
       r -> 'rank' AS rank, r -> 'status' AS status, r ->> 'id' ~ '^link_[0-9A-HJKMNP-TV-Z]{26}$' AS ulid,
       r -> 'deleted_at' AS deleted_at, (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(r) k) AS keys
FROM jsonb_array_elements(link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"},
                                        "data": {"metadata": {"a": 1}}}')) r;

-- An array, modules in either order; data.id sets the link id.
SELECT r ->> 'product_id' AS product_id, r ->> 'post_id' AS post_id,
       regexp_replace(r ->> 'id', '^link_[0-9A-Z]{26}$', 'link_<ulid>') AS id, r -> 'rank' AS rank
FROM jsonb_array_elements(link_create('[
  {"blog": {"post_id": "b2"}, "product": {"product_id": "p2"}, "data": {"id": "my_link_2", "rank": 2}},
  {"product": {"product_id": "p3"}, "blog": {"post_id": "b3"}, "data": {"status": "live"}}]')) r;

-- Re-creating a pair is an update, never a violation: the data keys given change, the others
-- and the id stay; updated_at moves only when something changed.
CREATE TEMP TABLE before AS SELECT * FROM product_product_blog_post;
SELECT r -> 'metadata' AS metadata, r -> 'rank' AS rank, r ->> 'id' = (SELECT id FROM before WHERE product_id = 'p1') AS same_id
FROM jsonb_array_elements(link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"rank": 9}}')) r;
SELECT n.product_id, n.updated_at > b.updated_at AS bumped
FROM product_product_blog_post n JOIN before b USING (product_id, post_id) WHERE n.product_id = 'p1';
DELETE FROM before; INSERT INTO before SELECT * FROM product_product_blog_post;
SELECT jsonb_array_length(link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"rank": 9}}')) AS rows;
SELECT n.updated_at = b.updated_at AS unchanged FROM product_product_blog_post n JOIN before b USING (product_id, post_id)
WHERE n.product_id = 'p1';

-- The same pair twice in one array is one link; its data merged, the later value winning.
SELECT r -> 'metadata' AS metadata, r -> 'rank' AS rank, r -> 'status' AS status
FROM jsonb_array_elements(link_create('[
  {"product": {"product_id": "p4"}, "blog": {"post_id": "b4"}, "data": {"rank": 1, "status": "draft"}},
  {"blog": {"post_id": "b4"}, "product": {"product_id": "p4"}, "data": {"rank": 2, "metadata": [true]}}]')) r;

-- A dismissed pair is revived by link_create, keeping the values not given.
UPDATE product_product_blog_post SET deleted_at = now() WHERE product_id = 'p4';
SELECT r -> 'rank' AS rank, r -> 'status' AS status, r -> 'deleted_at' AS deleted_at
FROM jsonb_array_elements(link_create('{"product": {"product_id": "p4"}, "blog": {"post_id": "b4"}}')) r;

-- One-to-one: a second partner for either side is refused, naming the existing partner.
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b5"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p5"}, "blog": {"post_id": "b1"}}');
\echo :LAST_ERROR_SQLSTATE
-- ... also within one array, and also when reviving a dismissed pair.
SELECT link_create('[{"product": {"product_id": "p5"}, "blog": {"post_id": "b5"}},
                     {"product": {"product_id": "p5"}, "blog": {"post_id": "b4"}}]');
\echo :LAST_ERROR_SQLSTATE
UPDATE product_product_blog_post SET deleted_at = now() WHERE product_id = 'p2';
SELECT link_create('{"product": {"product_id": "p5"}, "blog": {"post_id": "b2"}}') -> 0 ->> 'product_id' AS relinked;
SELECT link_create('{"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}}');
\echo :LAST_ERROR_SQLSTATE

-- One-to-many (note isList): a product has many notes, a note one product.
SELECT jsonb_array_length(link_create('[{"product": {"product_id": "p1"}, "blog": {"note_id": "n1"}},
                                         {"product": {"product_id": "p1"}, "blog": {"note_id": "n2"}}]')) AS rows;
SELECT link_create('{"product": {"product_id": "p2"}, "blog": {"note_id": "n1"}}');
\echo :LAST_ERROR_SQLSTATE
-- Many-to-many: no restriction; the link's idPrefix names the ids.
SELECT count(*) AS rows, bool_and(r ->> 'id' LIKE 'ptag\_%') AS prefixed
FROM jsonb_array_elements(link_create('[{"product": {"product_id": "p1"}, "blog": {"tag_id": "t1"}},
  {"product": {"product_id": "p1"}, "blog": {"tag_id": "t2"}}, {"product": {"product_id": "p2"}, "blog": {"tag_id": "t1"}}]')) r;

-- Two models of one module: one module key holds both keys.
SELECT r ->> 'brand_id' AS brand_id, r ->> 'logo_id' AS logo_id
FROM jsonb_array_elements(link_create('{"brand": {"logo_id": "lg1", "brand_id": "br1"}}')) r;

-- Existence: records must exist and not be soft-deleted; virtual linkables are not checked.
SELECT link_create('{"product": {"product_id": "p404"}, "blog": {"note_id": "n3"}}');
\echo :LAST_ERROR_SQLSTATE
UPDATE blog.note SET deleted_at = now() WHERE id = 'n5';
SELECT link_create('[{"product": {"product_id": "p3"}, "blog": {"note_id": "n4"}},
                     {"product": {"product_id": "p3"}, "blog": {"note_id": "n5"}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"product": {"product_id": "p1"}, "payment": {"provider_id": "anything"}}') -> 0 ->> 'provider_id' AS virtual;
SELECT register_linkable('blog', 'note', 'blog.note', '{"validate": false}') -> 'validate' AS validate;
SELECT link_create('{"product": {"product_id": "p3"}, "blog": {"note_id": "n404"}}') -> 0 ->> 'note_id' AS unchecked;
SELECT register_linkable('blog', 'note', 'blog.note') -> 'validate' AS validate;

-- Key values are converted to the key's type: a bad uuid names its entry, key and link, in
-- every function.
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"author_id": "not-a-uuid"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p1'), 'blog',
                    jsonb_build_object('author_id', CASE WHEN i = 700 THEN 'bad-' || i ELSE gen_random_uuid()::text END)))
                    FROM generate_series(0, 999) i));
SELECT link_list('[{"product": {"product_id": "p1"}, "blog": {"author_id": "00000000-0000-0000-0000-000000000001"}},
                   {"product": {"product_id": "p1"}, "blog": {"author_id": ["00000000-0000-0000-0000-000000000002", "x"]}}]');
SELECT link_dismiss('[{"product": {"product_id": "p1"}, "blog": {"author_id": "00000000-0000-0000-0000-000000000001"}},
                      {"product": {"product_id": "p1"}, "blog": {"author_id": "00000000-0000-0000-0000-00000000000G"}}]');
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"author_id": "00000000-0000-0000-0000-000000000001"}}') -> 0 ->> 'author_id' AS author;

-- An empty array writes nothing.
SELECT link_create('[]');

SELECT product_id, post_id, metadata, rank, status, deleted_at IS NULL AS active
FROM product_product_blog_post ORDER BY product_id;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog, brand CASCADE;
