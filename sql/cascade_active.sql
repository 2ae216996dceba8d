-- Cascades follow active links only: a hard DELETE purges the record's link rows, dismissed
-- ones too, and takes along (deleteCascade) only the records its active links reach; a record
-- whose link was dismissed stays. Every cardinality, both directions.
CREATE SCHEMA catalog;
CREATE SCHEMA cms;
CREATE TABLE catalog.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE cms.article (id text PRIMARY KEY, deleted_at timestamptz);
-- One scenario: `start` (product p1 or article a1) has an active link to one record of the
-- other side and a dismissed link to another; that side is deleteCascade; `start` is deleted.
CREATE FUNCTION scenario(kind text, start text) RETURNS TABLE (record text, survives boolean, link_rows bigint)
LANGUAGE plpgsql AS $$
DECLARE
  product_list boolean := kind IN ('n-m', 'n-1');
  article_list boolean := kind IN ('n-m', '1-n');
  cascade_articles boolean := start = 'product';
BEGIN
  PERFORM drop_link(entry_point, true) FROM link_module.links;
  DELETE FROM catalog.product; DELETE FROM cms.article;
  INSERT INTO catalog.product VALUES ('p1'), ('p_active'), ('p_dismissed');
  INSERT INTO cms.article VALUES ('a1'), ('a_active'), ('a_dismissed');
  PERFORM define_link(jsonb_build_object('linkable', 'catalog.product', 'isList', product_list, 'deleteCascade', NOT cascade_articles)::text,
                      jsonb_build_object('linkable', 'cms.article', 'isList', article_list, 'deleteCascade', cascade_articles)::text);
  IF start = 'product' THEN
    PERFORM link_create('{"catalog": {"product_id": "p1"}, "cms": {"article_id": "a_dismissed"}}');
    PERFORM link_dismiss('{"catalog": {"product_id": "p1"}, "cms": {"article_id": "a_dismissed"}}');
    PERFORM link_create('{"catalog": {"product_id": "p1"}, "cms": {"article_id": "a_active"}}');
    DELETE FROM catalog.product WHERE id = 'p1';
  ELSE
    PERFORM link_create('{"catalog": {"product_id": "p_dismissed"}, "cms": {"article_id": "a1"}}');
    PERFORM link_dismiss('{"catalog": {"product_id": "p_dismissed"}, "cms": {"article_id": "a1"}}');
    PERFORM link_create('{"catalog": {"product_id": "p_active"}, "cms": {"article_id": "a1"}}');
    DELETE FROM cms.article WHERE id = 'a1';
  END IF;
  RETURN QUERY
    SELECT w.id, EXISTS (SELECT 1 FROM catalog.product p WHERE 'product ' || p.id = w.id)
                 OR EXISTS (SELECT 1 FROM cms.article a WHERE 'article ' || a.id = w.id),
           (SELECT count(*) FROM catalog_product_cms_article)
    FROM (VALUES ('product p_active'), ('product p_dismissed'), ('article a_active'), ('article a_dismissed')) w(id);
END $$;
SELECT kind, start, s.* FROM (VALUES ('1-1'), ('1-n'), ('n-1'), ('n-m')) k(kind), (VALUES ('product'), ('article')) s0(start),
       LATERAL (SELECT string_agg(CASE WHEN survives THEN '' ELSE 'no ' END || record, ', ' ORDER BY record) AS records,
                       max(link_rows) AS link_rows_left FROM scenario(kind, start)) s
ORDER BY 1, 2;

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA catalog, cms CASCADE;
DROP FUNCTION scenario(text, text);
