#!/usr/bin/env bash
# Cascades under stale statistics (issue 12): N products with three links each (bench/lib.sh's
# cascade shape), all soft-deleted, ANALYZE while every link row is dismissed, then restored
# (the statistics still see no active row) and link_delete / link_restore of all of them. The
# generic plans then meet statistics that are wrong by N rows; compare with bench/run.sh.
# Against a running server (PGHOST/PGPORT/PGUSER); N defaults to 20000.
set -euo pipefail
N=${1:-20000}
DB=lm_bench_stale
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
run -c "CREATE EXTENSION link_module" >/dev/null
cascade_schema
cascade_fill "$N"
timed() { local start; start=$(date +%s%N); run -c "$1" >/dev/null; echo "$2: $((($(date +%s%N) - start) / 1000000)) ms"; }
ids="jsonb_build_object('casc', jsonb_build_object('item_id', (SELECT jsonb_agg(id) FROM casc.item)))"
timed "UPDATE casc.item SET deleted_at = now()" "soft delete of $N products"
run -c "ANALYZE" >/dev/null
timed "UPDATE casc.item SET deleted_at = NULL" "restore of $N products (stale statistics)"
timed "SELECT link_delete($ids)" "link_delete of $N products (stale statistics)"
timed "SELECT link_restore($ids)" "link_restore of $N products (stale statistics)"

# Hard deletes after a bulk load: every table analyzed while it held 10 rows, then filled to
# 10 N rows without ANALYZE (autovacuum off for them); a DELETE of N products (a tenth) through
# link_module's triggers and through foreign keys. A plan that reads a whole table for every
# batch, where a probe per id would do, shows here as ratios far above bench/run.sh's.
fill() { # fill FROM TO: products, posts, tags and brands FROM..TO with their links, both shapes
	run -v a="$1" -v b="$2" <<'SQL' >/dev/null
INSERT INTO casc.item SELECT 'p' || i FROM generate_series(:a, :b) i;
INSERT INTO casc.article SELECT 'b' || i FROM generate_series(:a, :b) i;
INSERT INTO casc.label SELECT 't' || i FROM generate_series(:a, :b) i;
INSERT INTO casc.maker SELECT 'r' || i FROM generate_series(:a, :b) i;
INSERT INTO casc_item_casc_article (item_id, article_id, id) SELECT 'p' || i, 'b' || i, 'l' || i FROM generate_series(:a, :b) i;
INSERT INTO casc_item_casc_label (item_id, label_id, id) SELECT 'p' || i, 't' || i, 'l' || i FROM generate_series(:a, :b) i;
INSERT INTO casc_item_casc_maker (item_id, maker_id, id) SELECT 'p' || i, 'r' || i, 'l' || i FROM generate_series(:a, :b) i;
INSERT INTO fk.product SELECT 'p' || i FROM generate_series(:a, :b) i;
INSERT INTO fk.post SELECT 'b' || i FROM generate_series(:a, :b) i;
INSERT INTO fk.tag SELECT 't' || i FROM generate_series(:a, :b) i;
INSERT INTO fk.brand SELECT 'r' || i, 'p' || i FROM generate_series(:a, :b) i;
INSERT INTO fk.product_post SELECT 'p' || i, 'b' || i FROM generate_series(:a, :b) i;
INSERT INTO fk.product_tag SELECT 'p' || i, 't' || i FROM generate_series(:a, :b) i;
SQL
}
run -c "TRUNCATE casc.item, casc.article, casc.label, casc.maker, casc_item_casc_article, casc_item_casc_label, casc_item_casc_maker" \
    -c "TRUNCATE fk.product, fk.post, fk.tag, fk.brand, fk.product_post, fk.product_tag" >/dev/null
for t in casc.item casc.article casc.label casc.maker casc_item_casc_article casc_item_casc_label casc_item_casc_maker \
         fk.product fk.post fk.tag fk.brand fk.product_post fk.product_tag; do
	run -c "ALTER TABLE $t SET (autovacuum_enabled = off)" >/dev/null
done
fill 1 10
run -c "ANALYZE" >/dev/null
fill 11 $((10 * N))
delete_ids="id IN (SELECT 'p' || i FROM generate_series(1, $N) i)"
timed "SET link_module.notify = off; BEGIN; DELETE FROM casc.item WHERE $delete_ids; ROLLBACK" \
	"DELETE of $N of $((10 * N)) products, link_module (statistics from 10 rows)"
timed "BEGIN; DELETE FROM fk.product WHERE $delete_ids; ROLLBACK" \
	"DELETE of $N of $((10 * N)) products, foreign keys (statistics from 10 rows)"
drop_database
