-- The invariants link_module keeps, checked over every stored link of the database: one row
-- per violation kind and link with the number of offending rows; no row means they all hold.
-- Used by test/load/load.sh and test/tap/t/001_crash_recovery.pl.
--   missing:      an active link row (deleted_at IS NULL) names a record that does not exist
--   soft-deleted: an active link row names a soft-deleted record (equivalently, a
--                 soft-deleted record still has active links)
--   cardinality:  a side whose other side is not isList has more than one active link per id
--   index:        a link table index is invalid (a failed CREATE INDEX / define_link left it)
CREATE FUNCTION pg_temp.lm_violations() RETURNS TABLE (kind text, link text, rows bigint)
LANGUAGE plpgsql AS $$
DECLARE
  l record;
  s record;
  n bigint;
BEGIN
  FOR l IN SELECT * FROM link_module.links WHERE NOT read_only ORDER BY entry_point LOOP
    FOR s IN
      SELECT v.key, v.other_is_list, lk.relation, lk.primary_key, lk.soft_delete_column
      FROM (VALUES (l.left_key, l.left_linkable, coalesce(l.right_is_list, false)),
                   (l.right_key, l.right_linkable, coalesce(l.left_is_list, false))) v(key, linkable, other_is_list)
      JOIN link_module.linkables lk ON lk.module || '.' || lk.model = v.linkable
    LOOP
      IF s.relation IS NOT NULL THEN
        EXECUTE format('SELECT count(*) FROM %s k WHERE k.deleted_at IS NULL AND NOT EXISTS (SELECT FROM %s r WHERE r.%I = k.%I)',
                       l.link_table, s.relation, s.primary_key, s.key) INTO n;
        IF n > 0 THEN kind := 'missing ' || s.key; link := l.entry_point; rows := n; RETURN NEXT; END IF;
        IF s.soft_delete_column IS NOT NULL THEN
          EXECUTE format('SELECT count(*) FROM %s k JOIN %s r ON r.%I = k.%I WHERE k.deleted_at IS NULL AND r.%I IS NOT NULL',
                         l.link_table, s.relation, s.primary_key, s.key, s.soft_delete_column) INTO n;
          IF n > 0 THEN kind := 'soft-deleted ' || s.key; link := l.entry_point; rows := n; RETURN NEXT; END IF;
        END IF;
      END IF;
      IF NOT s.other_is_list THEN
        EXECUTE format('SELECT count(*) FROM (SELECT FROM %s WHERE deleted_at IS NULL GROUP BY %I HAVING count(*) > 1) d',
                       l.link_table, s.key) INTO n;
        IF n > 0 THEN kind := 'cardinality ' || s.key; link := l.entry_point; rows := n; RETURN NEXT; END IF;
      END IF;
    END LOOP;
    SELECT count(*) INTO n FROM pg_index WHERE indrelid = l.link_table AND NOT (indisvalid AND indisready);
    IF n > 0 THEN kind := 'index'; link := l.entry_point; rows := n; RETURN NEXT; END IF;
  END LOOP;
END $$;
