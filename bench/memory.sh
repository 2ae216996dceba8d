#!/usr/bin/env bash
# Peak backend memory of a big DELETE: N products (default 2,000,000) with three links each (to
# a post, a tag and a brand, the brand with deleteCascade), deleted with link_module's triggers,
# against the same shape with native FOREIGN KEY ... ON DELETE CASCADE (join tables for posts
# and tags, brands referencing their product). The backend's private memory (RssAnon in
# /proc/<pid>/status: palloc'd memory and the C++ heap, not shared buffers) is sampled every
# 20 ms while the DELETE runs; the peak above the backend's memory before it is reported, with
# the DELETE's time. Needs a server with link_module installed on this machine (PGHOST,
# PGPORT, PGUSER), e.g. one started by `source scripts/common.sh; start_server`, and read
# access to its backends' /proc entries (root, or the server's user).
#   Usage: bench/memory.sh [N]
set -euo pipefail
N=${1:-2000000}
DB=link_module_memory
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The largest RssAnon (kB) of process $1 until the file $2 exists, written to $2.peak.
sample() {
	local pid=$1 stop=$2 peak=0 kb
	while [ ! -e "$stop" ]; do
		kb=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ "${kb:-0}" -gt "$peak" ] && peak=$kb
		sleep 0.02
	done
	echo "$peak" >"$stop.peak"
}

# Runs `DELETE FROM $1` in one session while sampling its backend; prints "ms baseline_kB peak_kB".
measure() {
	local table=$1 stop="$work/stop_${1//./_}"
	run <<SQL >"$work/out"
SELECT pg_backend_pid() AS pid \gset
\setenv LM_PID :pid
SET link_module.notify = off;
\! awk '/^RssAnon:/ {print \$2}' /proc/\$LM_PID/status > $work/baseline
\! bash -c 'source $work/sample.sh; sample \$LM_PID $stop' &
\timing on
DELETE FROM $table;
\timing off
\! touch $stop
\! sleep 0.3
SQL
	local ms
	ms=$(sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p' "$work/out" | tail -1)
	while [ ! -e "$stop.peak" ]; do sleep 0.1; done
	echo "$ms $(cat "$work/baseline") $(cat "$stop.peak")"
}
declare -f sample >"$work/sample.sh"

echo "== loading $N products with three links each, twice (link_module, foreign keys)"
run -c "CREATE EXTENSION link_module"
cascade_schema
cascade_fill "$N"

read -r ours_ms ours_base ours_peak <<<"$(measure casc.item)"
read -r fk_ms fk_base fk_peak <<<"$(measure fk.product)"
left=$(run -c "SELECT (SELECT count(*) FROM casc_item_casc_article) + (SELECT count(*) FROM casc_item_casc_label)
               + (SELECT count(*) FROM casc_item_casc_maker) + (SELECT count(*) FROM casc.maker)
               + (SELECT count(*) FROM fk.product_post) + (SELECT count(*) FROM fk.product_tag) + (SELECT count(*) FROM fk.brand)")
[ "$left" = 0 ] || { echo "the DELETEs left $left rows behind"; exit 1; }

echo "DELETE of $N products with three links each, one deleteCascade to brands"
printf '%-34s %12s %14s %14s\n' case "time (ms)" "peak (MB)" "before (MB)"
printf '%-34s %12.0f %14.1f %14.1f\n' "link_module triggers" "$ours_ms" "$(awk "BEGIN{print ($ours_peak - $ours_base) / 1024}")" "$(awk "BEGIN{print $ours_base / 1024}")"
printf '%-34s %12.0f %14.1f %14.1f\n' "foreign keys ON DELETE CASCADE" "$fk_ms" "$(awk "BEGIN{print ($fk_peak - $fk_base) / 1024}")" "$(awk "BEGIN{print $fk_base / 1024}")"
drop_database
