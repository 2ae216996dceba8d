#!/usr/bin/env bash
# Every benchmark: link_module against the best hand-written SQL (or native constraints) for the
# same effect on the same tables, ours and the baseline alternating in one session, default
# server settings. Prints the median of TRIALS runs of each, with the ratio (ours / baseline),
# and writes bench/results.json (case, ours_ms, baseline_ms, ratio, runs). The cases and their
# baselines are described in bench/cases/*.sh. Without PGHOST it builds and installs
# link_module and runs on a throwaway server of its own (port LM_PORT, default 54339).
#   Usage: bash bench/run.sh [N] [TRIALS]     (N = 100000 rows, TRIALS = 3)
set -euo pipefail
N=${1:-100000}
TRIALS=${2:-3}
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${PGHOST:-}" ]; then
	LM_PORT=${LM_PORT:-54339}
	source "$BENCH/../scripts/common.sh"
	install_deps
	build_and_install
	start_server
fi
source "$BENCH/lib.sh"
printf '%-66s %10s %10s %7s\n' "case (median of $TRIALS)" "ours ms" "base ms" ratio
for cases in create list cascade restore graph single; do
	source "$BENCH/cases/$cases.sh"
done
write_results "$BENCH/results.json"
echo "== results in bench/results.json"
