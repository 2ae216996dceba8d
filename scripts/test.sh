#!/usr/bin/env bash
# Every test: the pg_regress suites and the isolation specs against a throwaway server, the
# GoogleTest unit tests of the core (ctest; built meanwhile), then the shell tests (test/shell).
# Ends with "N passed, N failed". Safe to run again. What does not need the CPU the build or
# pg_regress needs runs meanwhile (npm packages, the TAP test's own cluster, 0.1.0's build).
# PG_VERSIONS="15 17 18" runs all of it once per PostgreSQL version, then sums up (below).
if [ -n "${PG_VERSIONS:-}" ]; then
	source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
	exit $?
fi
# PostgreSQL 17 on Debian 12 is tested in a Debian 13 root, on Debian 13's packages.
if [ "${LM_PG_VERSION:-}" = 17 ] && grep -qs '^VERSION_CODENAME=bookworm' /etc/os-release; then
	exec bash "$(dirname "${BASH_SOURCE[0]}")/debian13.sh" bash scripts/test.sh
fi
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# How long each phase took, printed before the summary line.
timings=()
phase_start=$SECONDS
phase_done() { timings+=("$1 $((SECONDS - phase_start)) s"); phase_start=$SECONDS; }

passed=0
failed=0
log=$(mktemp -d)

install_deps python3-psycopg # README's Python example (test/shell/readme.sh)
phase_done deps
# Work that waits on the network or has nothing to do with the build starts first, in the
# background: Medusa's npm packages (medusa_interop.sh finds them installed, or installs them).
bash "$LM_ROOT/test/shell/medusa_interop.sh" install >"$log/npm-install.txt" 2>&1 &
build_and_install
phase_done build

# The unit tests build while the server starts and pg_regress runs. They link the core as the
# PGXS build compiled it (optimized); they themselves need no optimizing (Debug builds fastest).
(cmake -S "$LM_ROOT" -B "$LM_ROOT/build" -DCMAKE_BUILD_TYPE=Debug -DLINK_MODULE_PGXS_CORE=ON &&
	cmake --build "$LM_ROOT/build" -j"$(nproc)") >"$log/unit-build.txt" 2>&1 &
unit_pid=$!
start_server
# Shell tests that make clusters of their own run meanwhile too (their results are reported
# with the other shell tests). None may run during the upgrade test, which reinstalls 0.1.0.
alongside=(citus tap)
declare -A alongside_pid
# So does the upgrade test's build of 0.1.0 (upgrade.sh finds it built, or builds it itself).
bash "$LM_ROOT/test/shell/upgrade.sh" build >"$log/upgrade-build.txt" 2>&1 &
for t in "${alongside[@]}"; do
	bash "$LM_ROOT/test/shell/$t.sh" >"$log/shell-$t.txt" 2>&1 &
	alongside_pid[$t]=$!
done
echo "== pg_regress and isolation suites"
rm -rf "$LM_ROOT/results" "$LM_ROOT/output_iso"
make -C "$LM_ROOT" -s installcheck 2>&1 | tee "$log/installcheck.txt" || true
# pg_regress reports "test name ... ok" up to 15, "ok 1 - name" (TAP) from 16 on.
ok=$(grep -cE '^(test |     )?[ ]*[a-z0-9_]+ +\.\.\. ok|^ok [0-9]+ ' "$log/installcheck.txt" || true)
bad=$(grep -cE '\.\.\. FAILED|\.\.\. failed|^not ok [0-9]+ ' "$log/installcheck.txt" || true)
passed=$((passed + ok)); failed=$((failed + bad))
if [ -f "$LM_ROOT/regression.diffs" ] && [ "$bad" -gt 0 ]; then
	echo "== regression.diffs"; cat "$LM_ROOT/regression.diffs"
fi
for d in "$LM_ROOT"/output_iso; do [ -f "$d/regression.diffs" ] && cat "$d/regression.diffs"; done
if [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then
	echo "pg_regress ran no test"; failed=$((failed + 1))
fi
phase_done pg_regress+isolation

echo "== unit tests (ctest)"
if wait "$unit_pid"; then
	(cd "$LM_ROOT/build" && ctest --output-on-failure) | tee "$log/ctest.txt" || true
	unit_total=$(sed -nE 's/.*tests? failed out of ([0-9]+).*/\1/p' "$log/ctest.txt")
	unit_failed=$(sed -nE 's/.*, ([0-9]+) tests? failed out of.*/\1/p' "$log/ctest.txt")
	if [ -z "$unit_total" ]; then
		echo "ctest reported no result"; failed=$((failed + 1))
	else
		passed=$((passed + unit_total - unit_failed)); failed=$((failed + unit_failed))
	fi
else
	cat "$log/unit-build.txt"; echo "the unit tests did not build"; failed=$((failed + 1))
fi
phase_done "unit (built during pg_regress)"

echo "== shell tests (test/shell)"
# The load test runs 30 s here; LM_LOAD_SECONDS=600 bash test/shell/load.sh runs it longer.
export LM_LOAD_SECONDS=${LM_LOAD_SECONDS:-30}
for t in "$LM_ROOT"/test/shell/*.sh; do
	name=$(basename "$t" .sh)
	phase_start=$SECONDS
	rc=0
	if [ -n "${alongside_pid[$name]:-}" ]; then
		wait "${alongside_pid[$name]}" || rc=$?
		name="$name (ran alongside pg_regress)"
	else
		bash "$t" >"$log/shell-$name.txt" 2>&1 || rc=$?
	fi
	out=$log/shell-$(basename "$t" .sh).txt
	if [ "$rc" -eq 0 ]; then
		echo "test $(basename "$t" .sh) ... ok"; passed=$((passed + 1))
	elif [ "$rc" -eq 77 ]; then # a prerequisite missing here, said in its output
		tail -n 1 "$out"; echo "test $(basename "$t" .sh) ... skipped"
	else
		cat "$out"; echo "test $(basename "$t" .sh) ... FAILED"; failed=$((failed + 1))
	fi
	phase_done "$name"
done

echo "== time: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g'), total $SECONDS s"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
