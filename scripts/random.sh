#!/usr/bin/env bash
# The randomized cascade model suite (sql/cascade_random.sql) with more seeds than the one the
# test command runs: each seed is 3,000 random operations checked after every step against the
# model's six properties. Builds and installs the extension, starts a throwaway server, runs
# one database per seed, and ends with "N passed, N failed" (a seed passes when no property is
# violated; a failing seed's first violations are printed: to trace one, run the suite with
# that seed by hand, as sql/cascade_random.sql explains).
#
#   bash scripts/random.sh            # 20 seeds
#   bash scripts/random.sh 200        # 200 seeds (about 8 s each)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SEEDS=${1:-20}
LM_PORT=${LM_RANDOM_PORT:-54423}
LM_PGDIR=/tmp/link_module_random_$LM_PORT

install_deps
build_and_install
start_server

export PGOPTIONS="-c client_min_messages=warning"
passed=0 failed=0
for i in $(seq 1 "$SEEDS"); do
	seed=$(awk -v i="$i" 'BEGIN { printf "%.4f", (i * 0.6180339887) % 1 }')
	db=random_$i
	psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
	psql -q -d "$db" -c "CREATE EXTENSION link_module" >/dev/null
	out=$(sed "s/setseed(0.42)/setseed($seed)/" "$LM_ROOT/sql/cascade_random.sql" |
		psql -X -d "$db" -f - 2>&1)
	violations=$(awk '/prop \| violations/ { on = 1; next } on && /^ p[0-9]/ { s += $3 } /rows\)/ { on = 0 } END { print s + 0 }' <<<"$out")
	if [ "$violations" -eq 0 ] && grep -q 'p6   |' <<<"$out"; then
		echo "seed $seed ... ok"; passed=$((passed + 1))
	else
		echo "seed $seed ... FAILED ($violations violations)"
		sed -n '/prop | step | detail/,/rows)/p' <<<"$out"
			failed=$((failed + 1))
	fi
	psql -q -d postgres -c "DROP DATABASE $db" >/dev/null
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
