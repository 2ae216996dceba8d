-- query_graph: Medusa's query.graph in one statement.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, title text, price integer, tags text[],
                              created_at timestamptz NOT NULL DEFAULT '2026-01-01', deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, title text, author_id text, deleted_at timestamptz);
CREATE TABLE blog.author (id text PRIMARY KEY, name text, deleted_at timestamptz);
CREATE TABLE blog.note (id text PRIMARY KEY, body text, deleted_at timestamptz);
INSERT INTO product.product (id, title, price, tags) VALUES
  ('p1', 'Shoe', 10, '{red}'), ('p2', 'Hat', 20, '{blue}'), ('p3', 'Sock', 5, NULL), ('p4', 'Scarf', 15, '{red,blue}');
INSERT INTO blog.post VALUES ('b1', 'About shoes', 'a1'), ('b2', 'About hats', 'a2'), ('b3', 'Drafts', NULL);
INSERT INTO blog.author VALUES ('a1', 'Ann'), ('a2', 'Bob');
INSERT INTO blog.note VALUES ('n1', 'first'), ('n2', 'second'), ('n3', 'third');
-- product <-> post one-to-one with metadata; product -> notes (isList); post -> author read-only.
SELECT define_link('product.product', 'blog.post',
                   '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') ->> 'entryPoint';
SELECT define_link('product.product', '{"linkable": "blog.note", "isList": true}') ->> 'entryPoint';
SELECT define_link('{"linkable": "blog.post", "field": "author_id"}', 'blog.author', '{"readOnly": true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[
  {"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"metadata": {"k": 1}}},
  {"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}, "data": {"metadata": {"k": 2}}},
  {"product": {"product_id": "p1"}, "blog": {"note_id": "n1"}},
  {"product": {"product_id": "p1"}, "blog": {"note_id": "n2"}},
  {"product": {"product_id": "p2"}, "blog": {"note_id": "n3"}}]')) AS links;
CREATE FUNCTION q(query text) RETURNS SETOF jsonb LANGUAGE sql AS $$
  SELECT jsonb_array_elements(query_graph(query::jsonb) -> 'data') $$;

-- Shapes: a non-list side is an object (absent when unlinked), a list side an array under the
-- plural alias; <alias>_link reads the link row; read-only links and several hops.
SELECT * FROM q('{"entity": "product", "fields": ["id", "title", "post.*", "post_link.metadata", "notes.body", "post.author.name"]}');
-- The singular alias of a list side works too; "*" on every level.
SELECT x - 'note_link' AS product, (x -> 'note_link' -> 0) - 'id' - 'created_at' - 'updated_at' AS link_row,
       jsonb_typeof(x -> 'note_link' -> 0 -> 'created_at') AS created_at
FROM q('{"entity": "product", "fields": ["id", "note.id", "note_link.*"], "filters": {"id": "p2"}}') x;
SELECT * FROM q('{"entity": "post", "fields": ["*", "author.*", "product.id"], "filters": {"id": "b1"}}');
-- Entities by model, module.model or a link's entryPoint (both sides nested).
SELECT * FROM q('{"entity": "blog.author", "fields": ["name"]}');
SELECT * FROM q('{"entity": "product_post", "fields": ["product_id", "post_id", "metadata", "product.title", "post.title"]}');
-- No fields: every column.
SELECT * FROM q('{"entity": "note", "filters": {"id": "n1"}}');

-- Filters: values, arrays as $in, null, operators, $and / $or / $not, jsonb containment.
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"title": "Hat"}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"id": ["p1", "p3"]}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"tags": null}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"price": {"$gte": 10, "$lt": 20}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"price": {"$gt": 10}, "title": {"$ne": "Hat"}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"price": {"$lte": 5}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"id": {"$nin": ["p1", "p2"]}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"id": {"$in": ["p4"]}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"title": {"$like": "S%"}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"title": {"$ilike": "s%k"}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"tags": {"$eq": null}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"tags": {"$ne": null}, "id": {"$eq": "p4"}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"$or": [{"id": "p1"}, {"price": 20}]}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"$and": [{"price": {"$gt": 5}}, {"$not": {"id": "p1"}}]}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"price": {"$not": {"$in": [10, 20]}}}}');
SELECT * FROM q('{"entity": "product_post", "fields": ["product_id"], "filters": {"metadata": {"k": 2}}}');

-- Differs from Medusa: a filter on a linked entity restricts the root rows (a semi-join),
-- through links, link rows and read-only links, at any depth.
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"post": {"title": {"$ilike": "%shoe%"}}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"notes": {"body": "third"}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"post_link": {"metadata": {"k": 1}}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"post": {"author": {"name": "Bob"}}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "filters": {"$or": [{"post": {"id": "b1"}}, {"notes": {"id": "n3"}}]}}');

-- Pagination on the root: order, skip, take; metadata with the count of every match.
SELECT query_graph('{"entity": "product", "fields": ["id", "price"], "pagination": {"skip": 1, "take": 2, "order": {"price": "DESC"}}}');
SELECT query_graph('{"entity": "product", "fields": ["id"], "filters": {"notes": {}}, "pagination": {"take": 1}}');
SELECT query_graph('{"entity": "product", "fields": ["id"], "pagination": {"order": {"title": "asc"}}}');
-- Ordered by a field of a linked record (a non-list side), at any depth, as Medusa; unlinked
-- products sort as NULL (last ascending, first descending).
SELECT * FROM q('{"entity": "product", "fields": ["id", "post.title"], "pagination": {"order": {"post": {"title": "DESC"}}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "pagination": {"order": {"post": {"author": {"name": "DESC"}}}}}');
-- Ordered by a linked field through unique keys (the link's cardinality index, the post's
-- primary key), the post is joined: the same rows and pages as a subquery per row; a
-- soft-deleted post sorts as unlinked, even with its link active (triggers off).
SELECT * FROM q('{"entity": "product", "fields": ["id", "post.title"], "pagination": {"skip": 1, "take": 2, "order": {"post": {"title": "ASC"}}}}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "pagination": {"order": {"post_link": {"metadata": "DESC"}, "title": "ASC"}}}');
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE blog.post SET deleted_at = now() WHERE id = 'b1';
SELECT * FROM q('{"entity": "product", "fields": ["id", "post.title"], "pagination": {"order": {"post": {"title": "DESC"}}}}');
ROLLBACK;
SELECT query_graph('{"entity": "product", "pagination": {"order": {"notes": {"body": "ASC"}}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph('{"entity": "product", "fields": ["id"], "filters": {"id": "nope"}}') AS nothing;

-- Soft-deleted records and dismissed links are hidden; withDeleted shows the root entity's
-- soft-deleted rows only (as Medusa): nested records and link rows stay live.
UPDATE blog.note SET deleted_at = now() WHERE id = 'n2';
SELECT jsonb_array_length(link_dismiss('{"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}}')) AS dismissed;
SELECT * FROM q('{"entity": "product", "fields": ["id", "post.id", "notes.id"], "filters": {"id": ["p1", "p2"]}}');
SELECT * FROM q('{"entity": "product", "fields": ["id", "post.id", "notes.id"], "filters": {"id": ["p1", "p2"]}, "withDeleted": true}');
UPDATE product.product SET deleted_at = now() WHERE id = 'p4';
SELECT * FROM q('{"entity": "product", "fields": ["id"]}');
SELECT * FROM q('{"entity": "product", "fields": ["id"], "withDeleted": true}');
UPDATE product.product SET deleted_at = NULL WHERE id = 'p4';
UPDATE blog.note SET deleted_at = NULL WHERE id = 'n2';

-- The statement: the page first, values as $n, a linked filter as EXISTS inside the page
-- (before its LIMIT), which the planner pulls up into a (semi-)join: no SubPlan runs per product.
CREATE FUNCTION plan_of(query jsonb, VARIADIC args text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  EXECUTE 'PREPARE graph_statement AS ' || link_module.query_graph_sql(query);
  FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) EXECUTE graph_statement(%s)',
                             (SELECT string_agg(quote_literal(a), ', ') FROM unnest(args) a)) LOOP
    RETURN NEXT line;
  END LOOP;
  DEALLOCATE graph_statement;
END $$;
SELECT count(*) FILTER (WHERE line LIKE '%SubPlan%') AS subplans,
       count(*) FILTER (WHERE line LIKE '%Limit%') AS page_limits,
       count(*) FILTER (WHERE line LIKE '%on post %' OR line LIKE '%Join%') > 0 AS joined
FROM plan_of('{"entity": "product", "fields": ["id"], "filters": {"post": {"title": "x"}}, "pagination": {"take": 2}}', 'x', '2') line;
-- An order by a field of a record linked through unique keys is a join: no SubPlan per product.
SELECT count(*) FILTER (WHERE line LIKE '%SubPlan%') AS subplans, count(*) FILTER (WHERE line LIKE '%Join%') > 0 AS joined
FROM plan_of('{"entity": "product", "fields": ["id"], "pagination": {"take": 2, "order": {"post": {"title": "DESC"}}}}', '2') line;
SELECT strpos(sql, 'p1') = 0 AND strpos(sql, 'it''') = 0 AS values_not_in_text, sql ~ '\$2' AS parameters
FROM link_module.query_graph_sql('{"entity": "product", "fields": ["id"], "filters": {"title": "it''s", "id": ["p1"]}}') sql;

-- The registry and columns are cached per backend and follow changes, even inside a transaction.
BEGIN;
ALTER TABLE blog.note ADD COLUMN pinned boolean DEFAULT true;
SELECT * FROM q('{"entity": "note", "fields": ["*"], "filters": {"id": "n1"}}');
SELECT register_linkable('blog', 'memo', 'blog.note') ->> 'model' AS registered;
SELECT * FROM q('{"entity": "memo", "fields": ["id", "pinned"], "filters": {"id": "n1"}}');
ROLLBACK;
SELECT * FROM q('{"entity": "note", "fields": ["*"], "filters": {"id": "n1"}}');
SELECT query_graph('{"entity": "memo"}');

-- Bad input names the path; nothing is read.
SELECT query_graph('{"entity": "nope"}');
SELECT query_graph('{"entity": "product", "fields": ["sku"]}');
SELECT query_graph('{"entity": "product", "fields": ["post.nope"]}');
SELECT query_graph('{"entity": "product", "fields": ["author.*"]}');
SELECT query_graph('{"entity": "product", "filters": {"title": {"$regex": "x"}}}');
SELECT query_graph('{"entity": "product", "filters": {"price": "ten"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT query_graph('{"entity": "product", "filters": {"post": {"author": {"name": {"$in": "Ann"}}}}}');
SELECT query_graph('{"entity": "product", "pagination": {"take": 1001}}');
\echo :LAST_ERROR_SQLSTATE
SET link_module.graph_max_depth = 1;
SELECT query_graph('{"entity": "product", "fields": ["post.author.name"]}');
RESET link_module.graph_max_depth;
SELECT query_graph('{"entity": "product", "pagination": {"order": {"post": {"colour": "ASC"}}}}');
SELECT query_graph('{"entity": "product", "colour": "red"}');
SELECT query_graph('[1]');

-- The caller's privileges: GRANTs and row-level security apply.
CREATE ROLE graph_reader;
GRANT USAGE ON SCHEMA product, blog TO graph_reader;
GRANT SELECT ON product.product TO graph_reader;
ALTER TABLE product.product ENABLE ROW LEVEL SECURITY;
CREATE POLICY cheap ON product.product FOR SELECT TO graph_reader USING (price < 15);
SET ROLE graph_reader;
SELECT * FROM q('{"entity": "product", "fields": ["id"]}');
\set VERBOSITY terse
SELECT query_graph('{"entity": "product", "fields": ["id", "post.id"]}');
\set VERBOSITY default
RESET ROLE;
GRANT SELECT ON product_product_blog_post, blog.post TO graph_reader;
SET ROLE graph_reader;
SELECT * FROM q('{"entity": "product", "fields": ["id", "post.id"]}');
RESET ROLE;
REVOKE ALL ON product_product_blog_post, blog.post FROM graph_reader;
DROP POLICY cheap ON product.product;
ALTER TABLE product.product DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON product.product FROM graph_reader;
REVOKE ALL ON SCHEMA product, blog FROM graph_reader;
DROP ROLE graph_reader;

-- A key that is not unique (an edition's code) keeps the subquery: still one row per product.
CREATE TABLE blog.edition (code text NOT NULL, title text, deleted_at timestamptz);
INSERT INTO blog.edition VALUES ('e1', 'First'), ('e1', 'Reprint');
SELECT register_linkable('blog', 'edition', 'blog.edition', '{"primaryKey": "code"}') ->> 'key' AS key;
SELECT define_link('product.product', 'blog.edition') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('{"product": {"product_id": "p3"}, "blog": {"edition_code": "e1"}}')) AS linked;
SELECT * FROM q('{"entity": "product", "fields": ["id"], "pagination": {"order": {"edition": {"title": "DESC"}}}}');
SELECT count(*) FILTER (WHERE line LIKE '%SubPlan%') > 0 AS subquery
FROM plan_of('{"entity": "product", "fields": ["id"], "pagination": {"take": 2, "order": {"edition": {"title": "DESC"}}}}', '2') line;
-- A unique index of another collation than the key's is not taken as proof (keys of a
-- nondeterministic collation are refused at registration, see linkable_kinds): a subquery,
-- one row per product.
CREATE TABLE blog.shelf (code text COLLATE "C" NOT NULL, label text, deleted_at timestamptz);
CREATE UNIQUE INDEX shelf_code ON blog.shelf (code COLLATE "POSIX");
INSERT INTO blog.shelf VALUES ('t1', 'lower'), ('T1', 'UPPER');
SELECT register_linkable('blog', 'shelf', 'blog.shelf', '{"primaryKey": "code"}') ->> 'key' AS key;
SELECT define_link('product.product', 'blog.shelf') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('{"product": {"product_id": "p3"}, "blog": {"shelf_code": "t1"}}')) AS linked;
SELECT jsonb_array_length(query_graph('{"entity": "product", "fields": ["id"], "pagination": {"order": {"shelf": {"label": "DESC"}}}}') -> 'data') AS products;
SELECT count(*) FILTER (WHERE line LIKE '%SubPlan%') > 0 AS subquery
FROM plan_of('{"entity": "product", "fields": ["id"], "pagination": {"take": 2, "order": {"shelf": {"label": "DESC"}}}}', '2') line;
-- A column of the root named like the order values the page carries is left alone.
ALTER TABLE product.product ADD COLUMN "link_module order 1" integer;
SELECT * FROM q('{"entity": "product", "fields": ["id"], "pagination": {"take": 2, "order": {"post": {"title": "DESC"}}}}');
ALTER TABLE product.product DROP COLUMN "link_module order 1";
-- A read-only link whose field's type is not its target key's (text naming a uuid) compares
-- them as text, in fields, filters and order.
CREATE TABLE blog.reviewer (id uuid PRIMARY KEY, name text, deleted_at timestamptz);
INSERT INTO blog.reviewer VALUES ('00000000-0000-0000-0000-000000000001', 'Rae');
ALTER TABLE blog.note ADD COLUMN reviewer_id text, ADD COLUMN reviewer_ids text[];
UPDATE blog.note SET reviewer_id = '00000000-0000-0000-0000-000000000001' WHERE id = 'n1';
UPDATE blog.note SET reviewer_ids = '{00000000-0000-0000-0000-000000000001}' WHERE id = 'n2';
SELECT define_link('{"linkable": "blog.note", "field": "reviewer_id"}', 'blog.reviewer', '{"readOnly": true}') ->> 'entryPoint';
SELECT define_link('{"linkable": "blog.note", "field": "reviewer_ids", "isList": true}', '{"linkable": "blog.reviewer", "alias": "reviewers"}', '{"readOnly": true}') ->> 'entryPoint';
SELECT * FROM q('{"entity": "note", "fields": ["id", "reviewer.name", "reviewers.name"]}');
SELECT * FROM q('{"entity": "note", "fields": ["id"], "filters": {"reviewer": {"name": "Rae"}}, "pagination": {"order": {"reviewer": {"name": "ASC"}}}}');

SELECT count(drop_link(entry_point, true)) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog CASCADE;
DROP FUNCTION q(text), plan_of(jsonb, text[]);
