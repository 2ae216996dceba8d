-- Deletes made outside link_module, as Medusa's link.delete makes them: one UPDATE per link
-- table dismissing every active row of the record (each with its own time), then a soft delete
-- of the deleteCascade records (whose own trigger cascades their other links). link_restore
-- undoes them as it undoes its own deletes; dismissals stay dismissed.
CREATE SCHEMA shop;
CREATE SCHEMA blog;
CREATE TABLE shop.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.tag (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.author (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.comment (id text PRIMARY KEY, deleted_at timestamptz);
SELECT define_link('shop.product', 'blog.post') ->> 'entryPoint';
SELECT define_link('{"linkable": "shop.product", "isList": true}', '{"linkable": "blog.tag", "isList": true}') ->> 'entryPoint';
SELECT define_link('shop.product', '{"linkable": "blog.author", "deleteCascade": true}') ->> 'entryPoint';
SELECT define_link('shop.product', '{"linkable": "blog.comment", "isList": true}') ->> 'entryPoint';
-- The author's own link: a cascade the author's soft delete makes (link_module's own).
SELECT define_link('blog.author', '{"linkable": "blog.tag", "isList": true}') ->> 'entryPoint';

-- Medusa's link.delete of product `p`: a statement per link table, `at` + 1, 2, 3, 4 ms, then the
-- deleteCascade authors at `at` + 10 ms.
CREATE FUNCTION medusa_delete(p text, at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  tables text[] := ARRAY['shop_product_blog_post', 'shop_product_blog_tag', 'shop_product_blog_author',
                         'shop_product_blog_comment'];
  authors text[];
BEGIN
  SELECT array_agg(author_id) INTO authors FROM shop_product_blog_author WHERE product_id = p AND deleted_at IS NULL;
  FOR i IN 1 .. 4 LOOP
    EXECUTE format('UPDATE %I SET deleted_at = $2, updated_at = $2 WHERE product_id = $1 AND deleted_at IS NULL', tables[i])
      USING p, at + i * interval '1 millisecond';
  END LOOP;
  UPDATE blog.author SET deleted_at = at + interval '10 milliseconds' WHERE id = ANY (authors);
END $$;
CREATE FUNCTION state(p text) RETURNS TABLE (link text, other text, active boolean) LANGUAGE sql AS $$
  SELECT 'post', post_id, deleted_at IS NULL FROM shop_product_blog_post WHERE product_id = p
  UNION ALL SELECT 'tag', tag_id, deleted_at IS NULL FROM shop_product_blog_tag WHERE product_id = p
  UNION ALL SELECT 'author', author_id, deleted_at IS NULL FROM shop_product_blog_author WHERE product_id = p
  UNION ALL SELECT 'comment', comment_id, deleted_at IS NULL FROM shop_product_blog_comment WHERE product_id = p
  ORDER BY 1, 2 $$;
CREATE FUNCTION reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM shop.product; DELETE FROM blog.post; DELETE FROM blog.tag; DELETE FROM blog.author; DELETE FROM blog.comment;
  INSERT INTO shop.product VALUES ('p1', NULL), ('p2', NULL);
  INSERT INTO blog.post VALUES ('b1', NULL), ('b2', NULL);
  INSERT INTO blog.tag VALUES ('t1', NULL), ('t2', NULL), ('t3', NULL);
  INSERT INTO blog.author VALUES ('a1', NULL), ('a2', NULL);
  INSERT INTO blog.comment VALUES ('c1', NULL), ('c2', NULL), ('c3', NULL);
  PERFORM link_create('[{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}},
                        {"shop": {"product_id": "p1"}, "blog": {"tag_id": "t1"}},
                        {"shop": {"product_id": "p1"}, "blog": {"tag_id": "t2"}},
                        {"shop": {"product_id": "p2"}, "blog": {"tag_id": "t1"}},
                        {"shop": {"product_id": "p1"}, "blog": {"author_id": "a1"}},
                        {"shop": {"product_id": "p1"}, "blog": {"comment_id": "c1"}},
                        {"shop": {"product_id": "p1"}, "blog": {"comment_id": "c2"}},
                        {"blog": {"author_id": "a1", "tag_id": "t3"}}]');
END $$;

-- The whole delete comes back: four link tables, the author, and the author's own link.
SELECT reset();
SELECT medusa_delete('p1', '2026-01-01 10:00:00+00');
SELECT * FROM state('p1');
SELECT deleted_at FROM blog.author WHERE id = 'a1';
SELECT count(*) AS author_tag_active FROM blog_author_blog_tag WHERE deleted_at IS NULL;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') AS restored;
SELECT * FROM state('p1');
SELECT id, deleted_at IS NULL AS live FROM blog.author ORDER BY 1;
SELECT count(*) AS author_tag_active FROM blog_author_blog_tag WHERE deleted_at IS NULL;
SELECT * FROM link_check();
-- A second restore finds nothing more to do.
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') AS again;

-- Dismissals stay dismissed: one of several links of a table (Medusa's link.dismiss), a last
-- link dismissed by link_dismiss just before, and a last link dismissed by Medusa long before.
SELECT reset();
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 09:59:59.999+00' WHERE product_id = 'p1' AND tag_id = 't2';
SELECT jsonb_array_length(link_dismiss('{"shop": {"product_id": "p1"}, "blog": {"post_id": "b1"}}')) AS dismissed;
UPDATE shop_product_blog_comment SET deleted_at = '2026-01-01 08:00:00+00' WHERE product_id = 'p1';
SELECT medusa_delete('p1', '2026-01-01 10:00:00+00');
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') AS restored;
SELECT * FROM state('p1');

-- link_module's own statements note nothing as done outside it.
SELECT reset();
SELECT link_delete('{"shop": {"product_id": ["p1"]}}') ? 'blog' AS deleted;
SELECT count(*) AS outside_notes FROM link_module.removals WHERE outside;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') ? 'blog' AS restored;
SELECT count(*) FILTER (WHERE NOT active) AS dismissed FROM state('p1');

-- The latest delete is undone, whoever made it: link_delete after a Medusa delete and
-- Medusa's link.restore (which revives every row) takes its own rows only.
SELECT reset();
SELECT medusa_delete('p1', '2026-01-01 10:00:00+00');
UPDATE shop_product_blog_tag SET deleted_at = NULL WHERE product_id = 'p1';
SELECT link_delete('{"shop": {"product_id": ["p1"]}}') -> 'ShopProductBlogTagLink' AS deleted_tags;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') AS restored;
SELECT * FROM state('p1');
-- ... and a Medusa delete after link_delete and link_restore is the one undone.
SELECT reset();
SELECT link_delete('{"shop": {"product_id": ["p1"]}}') ? 'blog' AS deleted;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') ? 'blog' AS restored;
SELECT medusa_delete('p1', '2026-01-01 10:00:00+00');
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') -> 'blog' AS restored;
SELECT count(*) FILTER (WHERE NOT active) AS dismissed FROM state('p1');

-- An author deleted on its own, after the window, stays deleted: its link is skipped.
SELECT reset();
SELECT medusa_delete('p1', '2026-01-01 10:00:00+00');
UPDATE blog.author SET deleted_at = NULL WHERE id = 'a1';
UPDATE blog.author SET deleted_at = '2026-01-01 11:00:00+00' WHERE id = 'a1';
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') -> 'skipped' AS skipped;
SELECT id, deleted_at FROM blog.author WHERE id = 'a1';

-- The window: with 0 ms each table's statement is a delete of its own (the latest is undone).
SELECT reset();
SELECT medusa_delete('p1', '2026-01-01 10:00:00+00');
SET link_module.outside_delete_window = 0;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') AS restored;
RESET link_module.outside_delete_window;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') -> 'ShopProductBlogTagLink' AS restored_tags;
SELECT count(*) FILTER (WHERE NOT active) AS dismissed FROM state('p1');

-- A one-to-one row whose two records both lost their last link is noted for both: the live one
-- at either end restores it. So does the soft-deleted author, deleted right after the row (as
-- Medusa deletes an author: its links, then the author), with what its own deletion took.
SELECT reset();
SELECT medusa_delete('p1', '2026-01-01 10:00:00+00');
SELECT link_restore('{"blog": {"post_id": ["b1"]}}') AS restored;
SELECT link_restore('{"blog": {"author_id": ["a1"]}}') AS restored;
SELECT link, active FROM state('p1') WHERE link IN ('post', 'author');

-- Medusa's delete of a product's links, then of the product itself (its module's soft delete,
-- which finds no active link left): one restore undoes both.
SELECT reset();
SELECT medusa_delete('p1', '2026-01-01 10:00:00+00');
UPDATE shop.product SET deleted_at = '2026-01-01 10:00:00.020+00' WHERE id = 'p1';
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') -> 'blog' AS restored_records;
SELECT count(*) FILTER (WHERE NOT active) AS dismissed FROM state('p1');
SELECT id, deleted_at IS NULL AS live FROM shop.product WHERE id = 'p1';

-- Medusa's delete of the author (its side is deleteCascade, so Medusa soft-deletes it too): the
-- row was p1's only author link and a1's only product link. Restoring p1, which was never
-- deleted, does not bring back a1 (the row, revived, would name a deleted author: skipped).
SELECT reset();
UPDATE shop_product_blog_author SET deleted_at = '2026-01-01 10:00:00+00' WHERE author_id = 'a1';
UPDATE blog.author SET deleted_at = '2026-01-01 10:00:00.010+00' WHERE id = 'a1';
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') AS restored;
SELECT id, deleted_at IS NOT NULL AS deleted FROM blog.author WHERE id = 'a1';
-- Restoring the author brings back all its delete took.
SELECT link_restore('{"blog": {"author_id": ["a1"]}}') AS restored;

-- A delete written in several statements with one stamp (Medusa's ORM writes 300 rows a
-- statement): the rows of the earlier statements are noted with the last one's.
SELECT reset();
BEGIN;
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 10:00:00+00' WHERE product_id = 'p1' AND tag_id = 't1';
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 10:00:00+00' WHERE product_id = 'p1' AND tag_id = 't2';
COMMIT;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') -> 'ShopProductBlogTagLink' AS restored;
-- Earlier statements count only in the same transaction: the same stamp in another one is
-- another delete (or a dismissal).
SELECT reset();
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 10:00:00+00' WHERE product_id = 'p1' AND tag_id = 't1';
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 10:00:00+00' WHERE product_id = 'p1' AND tag_id = 't2';
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') -> 'ShopProductBlogTagLink' AS restored;
-- ... its subtransactions included.
SELECT reset();
BEGIN;
SAVEPOINT first_batch;
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 10:00:00+00' WHERE product_id = 'p1' AND tag_id = 't1';
RELEASE first_batch;
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 10:00:00+00' WHERE product_id = 'p1' AND tag_id = 't2';
COMMIT;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') -> 'ShopProductBlogTagLink' AS restored;
-- A row that link_module's own cascade removed in the transaction keeps its note: restoring
-- the product whose links an outside statement then removed does not bring back the author
-- the cascade took (the row to it, revived with the product's stamp, is skipped).
SELECT reset();
BEGIN;
UPDATE blog.author SET deleted_at = '2026-01-01 10:00:00+00' WHERE id = 'a1';
UPDATE shop_product_blog_author SET deleted_at = '2026-01-01 10:00:00+00' WHERE product_id = 'p1';
UPDATE shop_product_blog_post SET deleted_at = '2026-01-01 10:00:00+00' WHERE product_id = 'p1';
COMMIT;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') AS restored;
SELECT id, deleted_at IS NOT NULL AS deleted FROM blog.author WHERE id = 'a1';
-- ... and a row noted for the other record by an earlier statement is then noted for both.
UPDATE shop_product_blog_tag SET deleted_at = NULL WHERE tag_id = 't2';
BEGIN;
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 11:00:00+00' WHERE product_id = 'p1' AND tag_id = 't2';
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 11:00:00+00' WHERE product_id = 'p1' AND tag_id = 't1';
COMMIT;
SELECT right_id, by_left FROM link_module.removals
WHERE link_table = 'shop_product_blog_tag'::regclass AND left_id = 'p1' ORDER BY 1;

-- One statement dismissing many rows of one record (Medusa's delete of a tag linked to 20,000
-- products) is noted in time linear in its rows.
SELECT reset();
INSERT INTO shop.product SELECT 'bulk' || i, NULL FROM generate_series(1, 20000) i;
INSERT INTO shop_product_blog_tag (product_id, tag_id, id) SELECT 'bulk' || i, 't3', 'bulk' || i FROM generate_series(1, 20000) i;
ANALYZE shop_product_blog_tag; -- statistics that see no dismissed row
VACUUM ANALYZE link_module.removals; -- statistics that see few notes
SET statement_timeout = '20s';
UPDATE shop_product_blog_tag SET deleted_at = '2026-01-01 10:00:00+00' WHERE tag_id = 't3';
RESET statement_timeout;
SELECT count(*) AS noted, count(*) FILTER (WHERE by_left IS NOT TRUE) AS for_the_tag FROM link_module.removals
WHERE link_table = 'shop_product_blog_tag'::regclass AND right_id = 't3';
SET statement_timeout = '20s';
SELECT jsonb_array_length(link_restore('{"blog": {"tag_id": ["t3"]}}') -> 'ShopProductBlogTagLink' -> 'product_id') AS restored;
RESET statement_timeout;
DELETE FROM shop.product WHERE id LIKE 'bulk%';

-- A role that may update a link table but not read it: Medusa's UPDATE still works and is noted.
SELECT reset();
CREATE ROLE outside_writer;
GRANT USAGE ON SCHEMA public TO outside_writer;
GRANT UPDATE ON shop_product_blog_comment TO outside_writer;
SET ROLE outside_writer;
UPDATE shop_product_blog_comment SET deleted_at = '2026-01-01 10:00:00+00';
RESET ROLE;
SELECT count(*) AS outside_notes FROM link_module.removals WHERE outside;
SELECT link_restore('{"shop": {"product_id": ["p1"]}}') AS restored;
REVOKE ALL ON shop_product_blog_comment FROM outside_writer;
REVOKE USAGE ON SCHEMA public FROM outside_writer;
DROP ROLE outside_writer;

SELECT count(drop_link(entry_point, true)) FROM link_module.links;
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'link_module%';
DROP SCHEMA shop, blog CASCADE;
DROP FUNCTION medusa_delete, state, reset;
DELETE FROM link_module.linkable_registry;
