#!/usr/bin/env bash
# Runs the TAP tests in test/tap/t (crash recovery) with PostgreSQL's PostgreSQL::Test::Cluster,
# which makes its own clusters (it does not use the server of scripts/test.sh). initdb refuses
# root, so as root prove runs as the postgres user. Needs libipc-run-perl and link_module
# installed into the installation of PG_CONFIG (default: pg_config on PATH).
# LM_TAP_PORT: a fixed port for the cluster (default: a free one); LM_TAP_KEEP=1 keeps the
# temporary directory (logs, data) for inspection.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pg_config=${PG_CONFIG:-pg_config}
bindir=$("$pg_config" --bindir)
pgxs=$(cd "$(dirname "$("$pg_config" --pgxs)")/../.." && pwd)    # .../lib/pgxs
perl_lib=$pgxs/src/test/perl
pg_regress=$pgxs/src/test/regress/pg_regress
[ -f "$perl_lib/PostgreSQL/Test/Cluster.pm" ] || { echo "no PostgreSQL::Test::Cluster in $perl_lib (postgresql-server-dev-15)"; exit 1; }
perl -MIPC::Run -e 1 2>/dev/null || { echo "IPC::Run is missing (apt-get install libipc-run-perl)"; exit 1; }

work=$(mktemp -d /tmp/link_module_tap.XXXXXX)
cleanup() { [ "${LM_TAP_KEEP:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"; }
trap cleanup EXIT
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$work"; as_pg=(runuser -u postgres --); fi

rc=0
(cd "$work" && timeout --kill-after=10 900 "${as_pg[@]}" env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGOPTIONS \
	PATH="$bindir:$PATH" PG_REGRESS="$pg_regress" TESTDIR="$work" LM_ROOT="$root" \
	LM_TAP_PORT="${LM_TAP_PORT:-}" LM_TAP_LINKS="${LM_TAP_LINKS:-}" LM_TAP_RECORDS="${LM_TAP_RECORDS:-}" \
	prove -v -I "$perl_lib" "$root"/test/tap/t/*.pl) || rc=$?
if [ "$rc" -ne 0 ]; then
	for f in "$work"/tmp_check/log/*; do
		[ -f "$f" ] || continue
		echo "== tail of $f"; tail -n 40 "$f"
	done
fi
exit "$rc"
