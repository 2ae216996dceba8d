-- Writes that a user's own trigger or a foreign key's action makes during a cascade are cascaded
-- too: only the statements the cascade runs itself are left to it by the record triggers.
CREATE SCHEMA catalog;
CREATE SCHEMA cms;
CREATE SCHEMA tags;
CREATE TABLE catalog.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE cms.article (id text PRIMARY KEY, deleted_at timestamptz);
-- Comments belong to their article inside the cms module: a foreign key.
CREATE TABLE cms.comment (id text PRIMARY KEY, article_id text NOT NULL REFERENCES cms.article ON DELETE CASCADE,
                          deleted_at timestamptz);
CREATE TABLE tags.tag (id text PRIMARY KEY, deleted_at timestamptz);
-- The application's own trigger: soft-deleting or restoring an article does the same to its
-- comments (with the same value).
CREATE FUNCTION cms.follow_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cms.comment c SET deleted_at = n.deleted_at
  FROM new_rows n JOIN old_rows o USING (id)
  WHERE c.article_id = n.id AND n.deleted_at IS DISTINCT FROM o.deleted_at
    AND c.deleted_at IS NOT DISTINCT FROM o.deleted_at;
  RETURN NULL;
END $$;
CREATE TRIGGER follow_article AFTER UPDATE ON cms.article REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION cms.follow_article();

INSERT INTO catalog.product VALUES ('p1'), ('p2');
INSERT INTO cms.article VALUES ('a1'), ('a2');
INSERT INTO cms.comment VALUES ('c1', 'a1'), ('c2', 'a1'), ('c3', 'a2');
INSERT INTO tags.tag VALUES ('t1'), ('t2'), ('t3');
SELECT define_link('{"linkable": "catalog.product", "isList": true}',
                   '{"linkable": "cms.article", "isList": true, "deleteCascade": true}') ->> 'table' AS product_article;
SELECT define_link('{"linkable": "cms.comment", "isList": true}',
                   '{"linkable": "tags.tag", "isList": true, "deleteCascade": true}') ->> 'table' AS comment_tag;
SELECT jsonb_array_length(link_create('[{"catalog": {"product_id": "p1"}, "cms": {"article_id": "a1"}},
                                        {"catalog": {"product_id": "p2"}, "cms": {"article_id": "a2"}},
                                        {"cms": {"comment_id": "c1"}, "tags": {"tag_id": "t1"}},
                                        {"cms": {"comment_id": "c2"}, "tags": {"tag_id": "t2"}},
                                        {"cms": {"comment_id": "c3"}, "tags": {"tag_id": "t3"}}]')) AS linked;

CREATE VIEW state AS
  SELECT 'product ' || id AS what, CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'deleted' END AS state FROM catalog.product
  UNION ALL SELECT 'article ' || id, CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'deleted' END FROM cms.article
  UNION ALL SELECT 'comment ' || id, CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'deleted' END FROM cms.comment
  UNION ALL SELECT 'tag ' || id, CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'deleted' END FROM tags.tag
  UNION ALL SELECT 'link ' || product_id || '-' || article_id, CASE WHEN deleted_at IS NULL THEN 'active' ELSE 'dismissed' END
            FROM catalog_product_cms_article
  UNION ALL SELECT 'link ' || comment_id || '-' || tag_id, CASE WHEN deleted_at IS NULL THEN 'active' ELSE 'dismissed' END
            FROM cms_comment_tags_tag;
-- No active link names a record that is missing or soft-deleted.
CREATE VIEW orphans AS
  SELECT l.comment_id, l.tag_id FROM cms_comment_tags_tag l
  WHERE l.deleted_at IS NULL AND (NOT EXISTS (SELECT 1 FROM cms.comment c WHERE c.id = l.comment_id AND c.deleted_at IS NULL)
                                  OR NOT EXISTS (SELECT 1 FROM tags.tag t WHERE t.id = l.tag_id AND t.deleted_at IS NULL));

-- Soft delete of p1: the cascade soft-deletes a1; the application's trigger soft-deletes a1's
-- comments; their own triggers cascade to their links and tags.
UPDATE catalog.product SET deleted_at = now() WHERE id = 'p1';
SELECT string_agg(what || ': ' || state, ', ' ORDER BY what) AS after_soft_delete FROM state;
SELECT count(*) AS orphans FROM orphans;
-- Clearing it brings all of it back, through the same trigger.
UPDATE catalog.product SET deleted_at = NULL WHERE id = 'p1';
SELECT string_agg(what || ': ' || state, ', ' ORDER BY what) AS after_restore FROM state;
-- link_delete and link_restore go the same way.
SELECT link_delete('{"catalog": {"product_id": ["p1"]}}') AS deleted;
SELECT string_agg(what || ': ' || state, ', ' ORDER BY what) FILTER (WHERE state IN ('deleted', 'dismissed')) AS after_link_delete
FROM state;
SELECT link_restore('{"catalog": {"product_id": ["p1"]}}') AS restored;
SELECT string_agg(what || ': ' || state, ', ' ORDER BY what) FILTER (WHERE state IN ('deleted', 'dismissed')) AS after_link_restore
FROM state;
-- Hard delete of p2: the cascade deletes a2; the foreign key's ON DELETE CASCADE deletes c3;
-- c3's trigger deletes its link rows and, deleteCascade, t3.
DELETE FROM catalog.product WHERE id = 'p2';
SELECT string_agg(what || ': ' || state, ', ' ORDER BY what) AS after_hard_delete FROM state;
SELECT count(*) AS orphans FROM orphans;

DROP VIEW state, orphans;
SELECT count(drop_link(entry_point, true)) AS dropped FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA catalog, cms, tags CASCADE;
