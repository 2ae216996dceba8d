#!/usr/bin/env bash
# Benchmarks link_module against the equivalent hand-written SQL or native constraints, in the
# same run, with default server settings. Prints the best of TRIALS runs of each and the
# ratio. Needs a server with link_module installed (PGHOST/PGPORT/PGUSER), e.g. one started by
# `source scripts/common.sh; start_server`.   Usage: bench/run.sh [N] [TRIALS]
set -euo pipefail
N=${1:-100000}
TRIALS=${2:-3}
DB=link_module_bench
source "$(dirname "$0")/lib.sh"

run -v n="$N" <<'SQL' >/dev/null
CREATE EXTENSION link_module;
CREATE SCHEMA bench;
CREATE TABLE bench.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE bench.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO bench.product SELECT 'prod_' || i FROM generate_series(1, :n) i;
INSERT INTO bench.post SELECT 'post_' || i FROM generate_series(1, :n) i;
SELECT define_link('bench.product', 'bench.post',
       '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') IS NOT NULL;
-- The same N links as a link_create payload and as plain rows for the hand-written statement.
CREATE TABLE bench.payload AS
SELECT jsonb_agg(jsonb_build_object('bench', jsonb_build_object('product_id', 'prod_' || i, 'post_id', 'post_' || i),
                                    'data', jsonb_build_object('metadata', jsonb_build_object('rank', i)))) AS links
FROM generate_series(1, :n) i;
CREATE TABLE bench.rows AS
SELECT 'prod_' || i AS product_id, 'post_' || i AS post_id, 'link_' || lpad(i::text, 26, '0') AS id,
       jsonb_build_object('rank', i) AS metadata
FROM generate_series(1, :n) i;
VACUUM ANALYZE bench.product, bench.post, bench.rows;
SQL

# Milliseconds of one statement, run after resetting the link table when asked.
time_ms() {
	local reset=$1 sql=$2
	[ "$reset" = reset ] && run -c "TRUNCATE bench_product_bench_post" -c "VACUUM bench_product_bench_post"
	run -c "SET link_module.notify = off" -c '\timing on' -c "$sql" | sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p'
}
OURS="SELECT jsonb_array_length(link_create(links)) FROM bench.payload"
HAND="WITH w AS (INSERT INTO bench_product_bench_post AS t (product_id, post_id, id, metadata)
      SELECT product_id, post_id, id, metadata FROM bench.rows
      ON CONFLICT (product_id, post_id) DO UPDATE SET metadata = excluded.metadata, deleted_at = NULL
      RETURNING t.*) SELECT jsonb_array_length(jsonb_agg(to_jsonb(w))) FROM w"
NOCHECK="SELECT count(register_linkable(module, model, relation, jsonb_build_object('validate', false))) FROM linkables WHERE module = 'bench'"
CHECK="SELECT count(register_linkable(module, model, relation)) FROM linkables WHERE module = 'bench'"

for t in $(seq 1 "$TRIALS"); do
	keep hand_new "$(time_ms reset "$HAND")"
	keep hand_upsert "$(time_ms keep "$HAND")"
	run -c "$CHECK" >/dev/null
	keep ours_new "$(time_ms reset "$OURS")"
	keep ours_upsert "$(time_ms keep "$OURS")"
	run -c "$NOCHECK" >/dev/null
	keep ours_nocheck_new "$(time_ms reset "$OURS")"
done

echo "link_create of $N links vs hand-written INSERT ... ON CONFLICT DO UPDATE ... RETURNING (best of $TRIALS, ms)"
printf '%-46s %10s %10s %7s\n' case link_module hand-written ratio
printf '%-46s %10.0f %10.0f %7s\n' "new links, existence checks on" "${best[ours_new]}" "${best[hand_new]}" "$(ratio "${best[ours_new]}" "${best[hand_new]}")"
printf '%-46s %10.0f %10.0f %7s\n' "new links, existence checks off" "${best[ours_nocheck_new]}" "${best[hand_new]}" "$(ratio "${best[ours_nocheck_new]}" "${best[hand_new]}")"
printf '%-46s %10.0f %10.0f %7s\n' "existing pairs (upsert)" "${best[ours_upsert]}" "${best[hand_upsert]}" "$(ratio "${best[ours_upsert]}" "${best[hand_upsert]}")"
# Cascades: delete N products that have three links each (to a post, a tag and a brand, the
# brand with deleteCascade) with link_module's triggers, against the same shape with native
# FOREIGN KEY ... ON DELETE CASCADE (join tables for posts and tags, brands referencing
# their product), each in a fresh copy per trial.
cascade_schema
cascade_reset() {
	run -c "TRUNCATE casc.item, casc.article, casc.label, casc.maker, casc_item_casc_article, casc_item_casc_label, casc_item_casc_maker" \
	    -c "TRUNCATE fk.product, fk.post, fk.tag, fk.brand, fk.product_post, fk.product_tag"
	cascade_fill "$N"
}
for t in $(seq 1 "$TRIALS"); do
	cascade_reset
	keep casc_delete "$(time_ms keep "DELETE FROM casc.item")"
	keep fk_delete "$(time_ms keep "DELETE FROM fk.product")"
done
echo
echo "DELETE of $N products with three links each, one deleteCascade to brands (best of $TRIALS, ms)"
printf '%-46s %10s %10s %7s\n' case link_module "foreign keys" ratio
printf '%-46s %10.0f %10.0f %7s\n' "DELETE FROM product" "${best[casc_delete]}" "${best[fk_delete]}" "$(ratio "${best[casc_delete]}" "${best[fk_delete]}")"

drop_database

echo
bash "$(dirname "$0")/graph.sh" 200000 "$TRIALS"
