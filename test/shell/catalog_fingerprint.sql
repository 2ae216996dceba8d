-- What the extension installed, as text (one line per object): its members with their
-- definitions, columns, indexes, constraints, triggers, privileges and comments. Two
-- installations that print the same text installed the same objects. Lists are in name order,
-- and a privilege list equal to the default reads as the default, however the catalog holds it
-- (pg_dump restores such a list as none).
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'link_module'),
member AS (SELECT d.classid, d.objid FROM pg_depend d, ext WHERE d.refclassid = 'pg_extension'::regclass
           AND d.refobjid = ext.oid AND d.deptype = 'e'),
line AS (
  SELECT pg_describe_object(m.classid, m.objid, 0) || ' | ' || coalesce(obj_description(m.objid, m.classid::regclass::text), '') ||
         ' | ' || CASE m.classid
           WHEN 'pg_proc'::regclass THEN pg_get_functiondef(m.objid) || (SELECT coalesce(proacl, acldefault('f', proowner))::text FROM pg_proc WHERE oid = m.objid)
           WHEN 'pg_class'::regclass THEN (SELECT c.relkind::text || ' ' || coalesce(c.relacl, acldefault('r', c.relowner))::text || ' ' ||
               CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) ELSE '' END || ' ' ||
               coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull ||
                                           ' ' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), ''), ', ' ORDER BY a.attnum)
                         FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') || ' ' ||
               coalesce((SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY pg_get_indexdef(i.indexrelid)) FROM pg_index i WHERE i.indrelid = c.oid), '') || ' ' ||
               coalesce((SELECT string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), '; ' ORDER BY co.conname) FROM pg_constraint co WHERE co.conrelid = c.oid), '') || ' ' ||
               coalesce((SELECT string_agg(pg_get_triggerdef(t.oid), '; ' ORDER BY t.tgname) FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal), '')
             FROM pg_class c WHERE c.oid = m.objid)
           WHEN 'pg_event_trigger'::regclass THEN (SELECT e.evtevent::text || ' ' || e.evtfoid::regproc || ' ' || coalesce(e.evttags::text, '') || ' ' || e.evtenabled::text
             FROM pg_event_trigger e WHERE e.oid = m.objid)
           WHEN 'pg_namespace'::regclass THEN (SELECT coalesce(n.nspacl, acldefault('n', n.nspowner))::text FROM pg_namespace n WHERE n.oid = m.objid)
           ELSE '' END AS text
  FROM member m
)
SELECT text FROM line
UNION ALL SELECT 'config: ' || (SELECT string_agg(c::regclass::text, ', ' ORDER BY c::regclass::text) FROM pg_extension, unnest(extconfig) c WHERE extname = 'link_module')
ORDER BY 1;
