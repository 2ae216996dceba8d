-- Schema of the load test (test/load/load.sh): a few hundred records in three modules, and
-- three links: one-to-one with deleteCascade, one-to-many with deleteCascade, many-to-many.
-- Each operation the pgbench scripts run is a function of schema `load`; load.run executes it
-- and records any error's SQLSTATE in load.errors instead of aborting the pgbench client
-- (pgbench 15 retries only 40001/40P01 and stops a client on any other error).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS link_module;
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE SCHEMA catalog;
CREATE SCHEMA load;

CREATE TABLE product.product (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE blog.author (id text PRIMARY KEY, name text, deleted_at timestamptz);
CREATE TABLE catalog.tag (id text PRIMARY KEY, label text, deleted_at timestamptz);

-- Record counts: ids are <prefix><n>, n in 1..n.
CREATE TABLE load.size (tbl regclass PRIMARY KEY, prefix text NOT NULL, n int NOT NULL);
INSERT INTO load.size VALUES ('product.product', 'p', 300), ('blog.post', 'b', 300),
                             ('blog.author', 'a', 60), ('catalog.tag', 't', 100);

-- Puts back every record of the id ranges that is missing (hard deletes remove some).
CREATE FUNCTION load.refill() RETURNS void LANGUAGE plpgsql AS $$
DECLARE s record;
BEGIN
  FOR s IN SELECT * FROM load.size ORDER BY tbl::text LOOP
    EXECUTE format('INSERT INTO %s (id) SELECT $1 || i FROM generate_series(1, $2) i ON CONFLICT DO NOTHING', s.tbl)
      USING s.prefix, s.n;
  END LOOP;
END $$;
SELECT load.refill();

-- product 1:1 post (deleting a product soft/hard-deletes its post).
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}',
       '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') ->> 'entryPoint';
-- author 1:n posts (a post has one author; deleting an author deletes its posts).
SELECT define_link('{"linkable": "blog.post", "isList": true, "deleteCascade": true}', 'blog.author') ->> 'entryPoint';
-- product n:m tag.
SELECT define_link('{"linkable": "product.product", "isList": true}', '{"linkable": "catalog.tag", "isList": true}') ->> 'entryPoint';

SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object(
         'product', jsonb_build_object('product_id', 'p' || i), 'blog', jsonb_build_object('post_id', 'b' || i)))
       FROM generate_series(1, 200) i))) AS product_post;
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object(
         'blog', jsonb_build_object('post_id', 'b' || i, 'author_id', 'a' || (i % 60 + 1))))
       FROM generate_series(1, 300) i))) AS post_author;
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object(
         'product', jsonb_build_object('product_id', 'p' || i), 'catalog', jsonb_build_object('tag_id', 't' || t)))
       FROM generate_series(1, 300) i, LATERAL (VALUES (i % 100 + 1), ((i * 7) % 100 + 1)) v(t)))) AS product_tag;

-- Every error an operation raised: which operation, SQLSTATE, message.
CREATE TABLE load.errors (op text NOT NULL, sqlstate text NOT NULL, message text, context text, at timestamptz DEFAULT clock_timestamp());
-- The SQLSTATEs each kind of operation may raise under concurrency; anything else fails the test.
CREATE TABLE load.expected (op text, sqlstate text, why text, PRIMARY KEY (op, sqlstate));
INSERT INTO load.expected
SELECT op, s.sqlstate, s.why
FROM unnest(ARRAY['create_11', 'create_1n', 'create_mn', 'create_rr', 'dismiss', 'update', 'soft_delete', 'restore',
                  'hard_delete', 'refill', 'link_delete', 'link_restore', 'restore_rr', 'graph', 'ddl_define', 'ddl_alter', 'ddl_index']) op,
     (VALUES ('40P01', 'deadlock')) s(sqlstate, why)
UNION ALL VALUES
  ('create_11', '23505', 'cardinality: the post or product has an active link'),
  ('create_11', '23503', 'a record is missing or soft-deleted'),
  ('create_1n', '23505', 'cardinality: the post has an author'),
  ('create_1n', '23503', 'a record is missing or soft-deleted'),
  ('create_mn', '23503', 'a record is missing or soft-deleted'),
  ('create_rr', '23505', 'cardinality'),
  ('create_rr', '23503', 'a record is missing or soft-deleted'),
  ('create_rr', '40001', 'REPEATABLE READ: concurrent update'),
  ('restore_rr', '40001', 'REPEATABLE READ: concurrent update'),
  ('update', 'P0002', 'the link is not active'),
  ('ddl_index', '42P07', 'concurrent CREATE INDEX IF NOT EXISTS of one name'),
  -- a link function starts again when a concurrent define_link changed its links, and asks for a
  -- retry (40001) after three such changes: ddl_define redefines them all the time
  ('create_11', '40001', 'definitions kept changing (concurrent define_link)'),
  ('create_1n', '40001', 'definitions kept changing (concurrent define_link)'),
  ('create_mn', '40001', 'definitions kept changing (concurrent define_link)'),
  ('dismiss', '40001', 'definitions kept changing (concurrent define_link)'),
  ('update', '40001', 'definitions kept changing (concurrent define_link)'),
  ('ddl_index', '23505', 'concurrent CREATE INDEX IF NOT EXISTS of one name (pg_class)');

CREATE FUNCTION load.run(op text, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE st text; msg text; ctx text;
BEGIN
  EXECUTE q;
EXCEPTION WHEN OTHERS THEN  -- never query_canceled: a statement_timeout still aborts the client
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, ctx = PG_EXCEPTION_CONTEXT;
  INSERT INTO load.errors (op, sqlstate, message, context) VALUES (op, st, left(msg, 500), left(ctx, 1000));
END $$;

-- The operations. Arguments are record numbers (and a selector); out-of-range numbers are
-- fine (link_create then fails with 23503, which is expected).
CREATE FUNCTION load.create_11(p int, b int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('create_11', format('SELECT link_create(%L)', jsonb_build_object(
    'product', jsonb_build_object('product_id', 'p' || p), 'blog', jsonb_build_object('post_id', 'b' || b),
    'data', jsonb_build_object('metadata', jsonb_build_object('by', pg_backend_pid())))))
$$;
CREATE FUNCTION load.create_1n(b int, a int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('create_1n', format('SELECT link_create(%L)', jsonb_build_object(
    'blog', jsonb_build_object('post_id', 'b' || b, 'author_id', 'a' || a))))
$$;
-- Five pairs in one call, in random order (so concurrent calls lock records in different orders).
CREATE FUNCTION load.create_mn(p int, t int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('create_mn', format('SELECT link_create(%L)', (SELECT jsonb_agg(jsonb_build_object(
    'product', jsonb_build_object('product_id', 'p' || (p + i % 2)), 'catalog', jsonb_build_object('tag_id', 't' || ((t + i * 13) % 100 + 1)))
    ORDER BY random()) FROM generate_series(0, 4) i)))
$$;
CREATE FUNCTION load.create_rr(p int, b int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('create_rr', format('SELECT link_create(%L)', jsonb_build_array(
    jsonb_build_object('product', jsonb_build_object('product_id', 'p' || p), 'blog', jsonb_build_object('post_id', 'b' || b)),
    jsonb_build_object('product', jsonb_build_object('product_id', 'p' || p), 'catalog', jsonb_build_object('tag_id', 't' || (b % 100 + 1))))))
$$;
CREATE FUNCTION load.dismiss(kind int, x int, y int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('dismiss', format('SELECT link_dismiss(%L)', CASE kind
    WHEN 0 THEN jsonb_build_object('product', jsonb_build_object('product_id', 'p' || x), 'blog', jsonb_build_object('post_id', 'b' || y))
    WHEN 1 THEN jsonb_build_object('blog', jsonb_build_object('post_id', 'b' || x, 'author_id', 'a' || (y % 60 + 1)))
    ELSE jsonb_build_object('product', jsonb_build_object('product_id', 'p' || x), 'catalog', jsonb_build_object('tag_id', 't' || (y % 100 + 1))) END))
$$;
-- link_update of an existing active product-post pair when there is one (P0002 otherwise).
CREATE FUNCTION load.update(p int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('update', format('SELECT link_update(%L)', jsonb_build_object(
    'product', jsonb_build_object('product_id', 'p' || p),
    'blog', jsonb_build_object('post_id', coalesce((SELECT post_id FROM public.product_product_blog_post WHERE product_id = 'p' || p AND deleted_at IS NULL), 'b' || p)),
    'data', jsonb_build_object('metadata', jsonb_build_object('n', p)))))
$$;
CREATE FUNCTION load.tbl(kind int) RETURNS regclass LANGUAGE sql AS $$
  SELECT (ARRAY['product.product', 'blog.post', 'blog.author', 'catalog.tag'])[kind % 4 + 1]::regclass
$$;
CREATE FUNCTION load.prefix(kind int) RETURNS text LANGUAGE sql AS $$ SELECT (ARRAY['p', 'b', 'a', 't'])[kind % 4 + 1] $$;
CREATE FUNCTION load.module(kind int) RETURNS text LANGUAGE sql AS $$ SELECT (ARRAY['product', 'blog', 'blog', 'catalog'])[kind % 4 + 1] $$;
CREATE FUNCTION load.key(kind int) RETURNS text LANGUAGE sql AS $$ SELECT (ARRAY['product_id', 'post_id', 'author_id', 'tag_id'])[kind % 4 + 1] $$;
-- Soft delete (the triggers cascade) and its undo (the triggers restore), of one to three records.
CREATE FUNCTION load.soft_delete(kind int, x int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('soft_delete', format('UPDATE %s SET deleted_at = now() WHERE id IN (%L, %L, %L) AND deleted_at IS NULL',
    load.tbl(kind), load.prefix(kind) || x, load.prefix(kind) || (x + 1), load.prefix(kind) || (x + 17)))
$$;
CREATE FUNCTION load.restore(kind int, x int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('restore', format('UPDATE %s SET deleted_at = NULL WHERE id IN (%L, %L, %L) AND deleted_at IS NOT NULL',
    load.tbl(kind), load.prefix(kind) || x, load.prefix(kind) || (x + 1), load.prefix(kind) || (x + 17)))
$$;
-- Hard delete of one record (the triggers purge its links and deleteCascade records), then put
-- it back, in one transaction.
CREATE FUNCTION load.hard_delete(kind int, x int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('hard_delete', format('DELETE FROM %1$s WHERE id = %2$L; INSERT INTO %1$s (id) VALUES (%2$L) ON CONFLICT DO NOTHING',
    load.tbl(kind), load.prefix(kind) || x))
$$;
CREATE FUNCTION load.refill_op() RETURNS void LANGUAGE sql AS $$ SELECT load.run('refill', 'SELECT load.refill()') $$;
CREATE FUNCTION load.link_delete(kind int, x int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('link_delete', format('SELECT link_delete(%L)', jsonb_build_object(load.module(kind),
    jsonb_build_object(load.key(kind), jsonb_build_array(load.prefix(kind) || x, load.prefix(kind) || (x + 3))))))
$$;
CREATE FUNCTION load.link_restore(kind int, x int, op text DEFAULT 'link_restore') RETURNS void LANGUAGE sql AS $$
  SELECT load.run(op, format('SELECT link_restore(%L)', jsonb_build_object(load.module(kind),
    jsonb_build_object(load.key(kind), jsonb_build_array(load.prefix(kind) || x, load.prefix(kind) || (x + 3))))))
$$;
CREATE FUNCTION load.graph(kind int, x int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('graph', format('SELECT query_graph(%L)', CASE kind % 3
    WHEN 0 THEN jsonb_build_object('entity', 'product', 'fields', jsonb_build_array('id', 'title', 'post.*', 'post_link.metadata', 'tags.id', 'post.author.*'),
                                   'filters', jsonb_build_object('id', jsonb_build_array('p' || x, 'p' || (x + 1), 'p' || (x + 2))))
    WHEN 1 THEN jsonb_build_object('entity', 'author', 'fields', jsonb_build_array('*', 'posts.id', 'posts.product.tags.*'),
                                   'pagination', jsonb_build_object('skip', x % 50, 'take', 10, 'order', jsonb_build_object('id', 'DESC')))
    ELSE jsonb_build_object('entity', 'tag', 'fields', jsonb_build_array('id', 'products.*', 'products.post.id'),
                            'filters', jsonb_build_object('products', jsonb_build_object('id', jsonb_build_object('$gte', 'p' || x))),
                            'pagination', jsonb_build_object('take', 20)) END))
$$;
-- DDL. Dropped columns keep their attribute number, so a table gets at most ~1000 of them.
CREATE FUNCTION load.attnums(t regclass) RETURNS int LANGUAGE sql AS $$ SELECT max(attnum) FROM pg_attribute WHERE attrelid = t $$;
-- Re-define the product-tag link with one of four sets of extra columns (allowUnsafe: columns
-- come and go), or the product-post link with or without a `position` column.
CREATE FUNCTION load.ddl_define(kind int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('ddl_define', CASE WHEN kind < 4 THEN format(
      $f$SELECT define_link('{"linkable": "product.product", "isList": true}', '{"linkable": "catalog.tag", "isList": true}', %L)$f$,
      jsonb_build_object('allowUnsafe', true, 'database', jsonb_build_object('extraColumns',
        (SELECT coalesce(jsonb_object_agg('c' || i, jsonb_build_object('type', 'integer', 'nullable', true)), '{}') FROM generate_series(1, kind) i))))
    ELSE format($f$SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}', %L)$f$,
      jsonb_build_object('allowUnsafe', true, 'database', jsonb_build_object('extraColumns',
        jsonb_build_object('metadata', jsonb_build_object('type', 'json', 'nullable', true))
        || CASE WHEN kind = 4 THEN jsonb_build_object('position', jsonb_build_object('type', 'integer', 'defaultValue', 0)) ELSE '{}' END))) END)
  WHERE load.attnums('public.product_product_catalog_tag') < 1000 AND load.attnums('public.product_product_blog_post') < 1000
$$;
CREATE FUNCTION load.ddl_alter(kind int, col int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('ddl_alter', format(CASE WHEN kind % 2 = 0 THEN 'ALTER TABLE %s ADD COLUMN IF NOT EXISTS x%s integer'
                                      ELSE 'ALTER TABLE %s DROP COLUMN IF EXISTS x%s' END, load.tbl(kind / 2), col))
  WHERE load.attnums(load.tbl(kind / 2)) < 1000
$$;
CREATE FUNCTION load.ddl_index(kind int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT load.run('ddl_index', format(CASE WHEN kind % 2 = 0 THEN 'CREATE INDEX IF NOT EXISTS %2$I ON %1$s (deleted_at, id)'
                                      ELSE 'DROP INDEX IF EXISTS %3$I.%2$I' END,
    load.tbl(kind / 2), 'load_idx_' || n, (SELECT nspname FROM pg_namespace JOIN pg_class c ON c.relnamespace = pg_namespace.oid WHERE c.oid = load.tbl(kind / 2))))
$$;
