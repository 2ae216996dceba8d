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
drop_database
