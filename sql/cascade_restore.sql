-- Restores bring back exactly what one delete took: never a link that link_dismiss (or
-- Medusa's own SQL) dismissed, before or after that delete; restoring what was never deleted
-- returns {} and changes nothing. Every cardinality, both directions, by trigger and by
-- link_delete / link_restore.
CREATE SCHEMA catalog;
CREATE SCHEMA cms;
CREATE TABLE catalog.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE cms.article (id text PRIMARY KEY, deleted_at timestamptz);
-- `start` (product s or article s) is linked to x_active, had a link to x_before dismissed
-- before the delete; the other side is deleteCascade. It is deleted (soft, by `via`), a link
-- to x_after is created and dismissed after the delete where the start record stays live, and
-- then it is restored. Returns each record's and link's state at the end.
CREATE FUNCTION scenario(kind text, start text, via text) RETURNS TABLE (what text, live boolean)
LANGUAGE plpgsql AS $$
DECLARE
  other text := CASE start WHEN 'product' THEN 'article' ELSE 'product' END;
  other_module text := CASE start WHEN 'product' THEN 'cms' ELSE 'catalog' END;
  start_module text := CASE start WHEN 'product' THEN 'catalog' ELSE 'cms' END;
  start_table regclass := CASE start WHEN 'product' THEN 'catalog.product' ELSE 'cms.article' END;
  pair text := '{"%s": {"%s_id": "%s"}, "%s": {"%s_id": "%s"}}';
  restored jsonb;
BEGIN
  PERFORM drop_link(entry_point, true) FROM link_module.links;
  DELETE FROM catalog.product; DELETE FROM cms.article;
  INSERT INTO catalog.product VALUES ('s'), ('x_active'), ('x_before'), ('x_after');
  INSERT INTO cms.article VALUES ('s'), ('x_active'), ('x_before'), ('x_after');
  PERFORM define_link(jsonb_build_object('linkable', 'catalog.product', 'isList', kind IN ('n-m', 'n-1'),
                                         'deleteCascade', start = 'article')::text,
                      jsonb_build_object('linkable', 'cms.article', 'isList', kind IN ('n-m', '1-n'),
                                         'deleteCascade', start = 'product')::text);
  PERFORM link_create(format(pair, start_module, start, 's', other_module, other, 'x_before')::jsonb);
  PERFORM link_dismiss(format(pair, start_module, start, 's', other_module, other, 'x_before')::jsonb);
  PERFORM link_create(format(pair, start_module, start, 's', other_module, other, 'x_active')::jsonb);
  IF via = 'trigger' THEN
    -- now(): the very stamp the dismissal above got, in this one transaction
    EXECUTE format('UPDATE %s SET deleted_at = now() WHERE id = ''s''', start_table);
  ELSE
    PERFORM link_delete(format('{"%s": {"%s_id": ["s"]}}', start_module, start)::jsonb);
    -- the start record stays live: it can be linked again, and that link dismissed
    PERFORM link_create(format(pair, start_module, start, 's', other_module, other, 'x_after')::jsonb);
    PERFORM link_dismiss(format(pair, start_module, start, 's', other_module, other, 'x_after')::jsonb);
  END IF;
  IF via = 'trigger' THEN
    EXECUTE format('UPDATE %s SET deleted_at = NULL WHERE id = ''s''', start_table);
  ELSE
    restored := link_restore(format('{"%s": {"%s_id": ["s"]}}', start_module, start)::jsonb);
  END IF;
  RETURN QUERY
    SELECT 'product ' || id, deleted_at IS NULL FROM catalog.product UNION ALL
    SELECT 'article ' || id, deleted_at IS NULL FROM cms.article UNION ALL
    SELECT 'link ' || product_id || '-' || article_id, deleted_at IS NULL FROM catalog_product_cms_article
    ORDER BY 1;
END $$;
SELECT kind, start, via,
       string_agg(CASE WHEN live THEN '' ELSE 'no ' END || what, ', ' ORDER BY what) FILTER (WHERE what LIKE 'link%' OR NOT live) AS state
FROM (VALUES ('1-1'), ('1-n'), ('n-1'), ('n-m')) k(kind), (VALUES ('product'), ('article')) s(start),
     (VALUES ('trigger'), ('function')) v(via), LATERAL scenario(kind, start, via)
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- Restoring records never deleted returns {} and changes nothing, dismissed links included.
SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM catalog.product; DELETE FROM cms.article;
INSERT INTO catalog.product VALUES ('p1'), ('p2');
INSERT INTO cms.article VALUES ('a_active'), ('a_unlinked'), ('a3');
SELECT define_link('{"linkable":"catalog.product","isList":true}',
                   '{"linkable":"cms.article","isList":true,"deleteCascade":true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[{"catalog":{"product_id":"p1"},"cms":{"article_id":"a_active"}},
                                        {"catalog":{"product_id":"p1"},"cms":{"article_id":"a_unlinked"}}]')) AS linked;
SELECT jsonb_array_length(link_dismiss('{"catalog":{"product_id":"p1"},"cms":{"article_id":"a_unlinked"}}')) AS dismissed;
SELECT link_restore('{"catalog":{"product_id":["p1"]}}') AS never_deleted;
SELECT link_restore('{"cms":{"article_id":["a_unlinked", "a3"]}}') AS never_deleted;
SELECT article_id, deleted_at IS NULL AS active FROM catalog_product_cms_article ORDER BY 1;
-- Medusa's own SQL revives a removed link and dismisses it again: a restore leaves it as
-- Medusa left it. (p1 keeps another link: a dismissal of a record's last link would look like
-- Medusa's link.delete of it, see cascade_outside.)
SELECT link_delete('{"catalog":{"product_id":["p1"]}}') ->> 'cms' AS deleted_articles;
INSERT INTO catalog_product_cms_article (id, product_id, article_id) VALUES ('medusa', 'p1', 'a_active')
  ON CONFLICT (product_id, article_id) DO UPDATE SET id = excluded.id, deleted_at = NULL;
SELECT jsonb_array_length(link_create('{"catalog":{"product_id":"p1"},"cms":{"article_id":"a3"}}')) AS linked;
UPDATE catalog_product_cms_article SET deleted_at = now() WHERE product_id = 'p1' AND article_id = 'a_active';
SELECT link_restore('{"catalog":{"product_id":["p1"]}}') AS restored;
SELECT article_id, deleted_at IS NULL AS active FROM catalog_product_cms_article ORDER BY 1;
SELECT id, deleted_at IS NULL AS live FROM cms.article ORDER BY 1;
-- Removals stay noted while their rows exist (a restore of another record the cascade took
-- follows them); a hard-deleted record's rows take theirs along.
SELECT count(*) AS removals FROM link_module.removals;
DELETE FROM catalog.product WHERE id = 'p1';
SELECT count(*) AS removals FROM link_module.removals;

-- Two deletes in one transaction share now(): restoring one does not undo the other.
SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM catalog.product; DELETE FROM cms.article;
INSERT INTO catalog.product VALUES ('p1');
INSERT INTO cms.article VALUES ('a1'), ('a2');
SELECT define_link('{"linkable":"catalog.product","isList":true}',
                   '{"linkable":"cms.article","isList":true,"deleteCascade":true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[{"catalog":{"product_id":"p1"},"cms":{"article_id":"a1"}},
                                        {"catalog":{"product_id":"p1"},"cms":{"article_id":"a2"}}]')) AS linked;
BEGIN;
UPDATE cms.article SET deleted_at = now() WHERE id = 'a2';   -- its own delete: takes p1-a2
UPDATE catalog.product SET deleted_at = now() WHERE id = 'p1'; -- takes p1-a1 and a1
COMMIT;
UPDATE catalog.product SET deleted_at = NULL WHERE id = 'p1';
SELECT id, deleted_at IS NULL AS live FROM cms.article ORDER BY 1;
SELECT article_id, deleted_at IS NULL AS active FROM catalog_product_cms_article ORDER BY 1;
-- A restore brings a link back, link_dismiss dismisses it in the same transaction (same
-- now()): a later restore leaves it dismissed.
UPDATE cms.article SET deleted_at = NULL WHERE id = 'a2';
BEGIN;
UPDATE catalog.product SET deleted_at = now() WHERE id = 'p1';
UPDATE catalog.product SET deleted_at = NULL WHERE id = 'p1';
SELECT jsonb_array_length(link_dismiss('{"catalog":{"product_id":"p1"},"cms":{"article_id":"a1"}}')) AS dismissed;
COMMIT;
SELECT link_restore('{"catalog":{"product_id":["p1"]}}') AS restored;
SELECT article_id, deleted_at IS NULL AS active FROM catalog_product_cms_article ORDER BY 1;

-- A self-link: one table kept as two linkables (a node and its parent). A delete removes the
-- link rows naming a record through either key, and cascades on through both.
CREATE SCHEMA tree;
CREATE TABLE tree.node (id text PRIMARY KEY, deleted_at timestamptz);
SELECT register_linkable('tree', 'node', 'tree.node') ->> 'key' AS node_key;
SELECT register_linkable('tree', 'parent', 'tree.node', '{"key": "parent_id"}') ->> 'key' AS parent_key;
SELECT define_link('{"linkable": "tree.node", "isList": true, "deleteCascade": true}',
                   '{"linkable": "tree.parent", "isList": true}') ->> 'table';
CREATE FUNCTION tree_state() RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(what, ', ' ORDER BY what) FROM (
    SELECT id || CASE WHEN deleted_at IS NULL THEN '' ELSE ' deleted' END AS what FROM tree.node
    UNION ALL SELECT node_id || '<' || parent_id || CASE WHEN deleted_at IS NULL THEN '' ELSE ' dismissed' END
    FROM tree_node_tree_parent) s
$$;
INSERT INTO tree.node VALUES ('n1'), ('n2'), ('n3');
SELECT jsonb_array_length(link_create('[{"tree": {"node_id": "n1", "parent_id": "n2"}},
                                        {"tree": {"node_id": "n2", "parent_id": "n3"}}]')) AS linked;
UPDATE tree.node SET deleted_at = now() WHERE id = 'n3';
SELECT tree_state() AS soft_deleted;
UPDATE tree.node SET deleted_at = NULL WHERE id = 'n3';
SELECT tree_state() AS restored;
SELECT link_delete('{"tree": {"node_id": ["n2"]}}') AS link_deleted;
SELECT tree_state() AS link_deleted;
SELECT link_restore('{"tree": {"node_id": ["n2"]}}') AS link_restored;
SELECT tree_state() AS link_restored;
DELETE FROM tree.node WHERE id = 'n3';
SELECT tree_state() AS hard_deleted;
-- A link table dropped by hand takes its notes along.
INSERT INTO tree.node VALUES ('n4'), ('n5');
SELECT jsonb_array_length(link_create('{"tree": {"node_id": "n4", "parent_id": "n5"}}')) AS linked;
SELECT link_delete('{"tree": {"parent_id": ["n5"]}}') ->> 'tree' AS link_deleted;
SELECT count(*) AS notes FROM link_module.removals WHERE link_table = 'tree_node_tree_parent'::regclass;
SELECT drop_link(entry_point, false) FROM link_module.links WHERE link_table = 'tree_node_tree_parent'::regclass;
DROP TABLE tree_node_tree_parent;
SELECT count(*) AS dangling_notes FROM link_module.removals m WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = m.link_table);

-- A timestamp (without time zone) soft-delete column holds the stamp's UTC wall time: a delete
-- and its restore match whatever the sessions' TimeZone.
CREATE SCHEMA local;
CREATE TABLE local.item (id text PRIMARY KEY, deleted_at timestamp);
CREATE TABLE local.part (id text PRIMARY KEY, deleted_at timestamp);
INSERT INTO local.item VALUES ('i1'), ('i2');
INSERT INTO local.part VALUES ('q1'), ('q2');
SELECT define_link('local.item', '{"linkable": "local.part", "deleteCascade": true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[{"local": {"item_id": "i1", "part_id": "q1"}},
                                        {"local": {"item_id": "i2", "part_id": "q2"}}]')) AS linked;
SET TimeZone = 'America/New_York';
UPDATE local.item SET deleted_at = now() WHERE id = 'i1';
SELECT link_delete('{"local": {"item_id": ["i2"]}}') ->> 'local' AS link_deleted;
SET TimeZone = 'Asia/Tokyo';
UPDATE local.item SET deleted_at = NULL WHERE id = 'i1';
SELECT link_restore('{"local": {"item_id": ["i2"]}}') ->> 'local' AS link_restored;
RESET TimeZone;
SELECT id, deleted_at IS NULL AS live FROM local.part ORDER BY 1;
SELECT item_id, deleted_at IS NULL AS active FROM local_item_local_part ORDER BY 1;

-- A linkable whose key is not unique (register_linkable's primaryKey): records are counted by
-- key, so two rows of one key never stand in for a missing or deleted one.
CREATE SCHEMA handle;
CREATE TABLE handle.product (id serial PRIMARY KEY, handle text, deleted_at timestamptz);
CREATE TABLE handle.post (id text PRIMARY KEY, deleted_at timestamptz);
SELECT register_linkable('handle', 'product', 'handle.product', '{"primaryKey": "handle"}') ->> 'key' AS key;
SELECT define_link('{"linkable": "handle.product", "isList": true}', '{"linkable": "handle.post", "isList": true}') ->> 'entryPoint';
INSERT INTO handle.product (handle) VALUES ('a'), ('a'), ('b');
INSERT INTO handle.post VALUES ('x');
SELECT link_create('[{"handle": {"product_handle": "a", "post_id": "x"}}, {"handle": {"product_handle": "c", "post_id": "x"}}]');
SELECT jsonb_array_length(link_create('[{"handle": {"product_handle": "a", "post_id": "x"}},
                                        {"handle": {"product_handle": "b", "post_id": "x"}}]')) AS linked;
SELECT link_delete('{"handle": {"post_id": ["x"]}}') ? 'HandleProductHandlePostLink' AS deleted;
UPDATE handle.product SET deleted_at = now() WHERE handle = 'b';
SELECT link_restore('{"handle": {"post_id": ["x"]}}') -> 'skipped' AS skipped;
SELECT * FROM link_check();

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA catalog, cms, tree, local, handle CASCADE;
DROP FUNCTION scenario(text, text, text);
DROP FUNCTION tree_state();
