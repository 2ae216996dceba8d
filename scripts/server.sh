#!/usr/bin/env bash
# A local PostgreSQL with link_module installed, kept for your own use (the scripts' other
# servers are throwaway). It runs as the `postgres` user on 127.0.0.1, port 54320 (LM_PORT), with
# its data in /var/lib/link_module/server (LM_SERVER_DIR), and survives this script.
#
#   bash scripts/server.sh start     # install deps, build + install link_module, start the server
#   bash scripts/server.sh status
#   bash scripts/server.sh psql [args...]
#   bash scripts/server.sh stop
#   bash scripts/server.sh env       # the PGHOST/PGPORT/PGUSER exports, for: eval "$(bash scripts/server.sh env)"
#   bash scripts/server.sh log       # the end of the server's log
#   bash scripts/server.sh destroy   # stop it and delete its data
LM_PORT=${LM_PORT:-54320}
DIR=${LM_SERVER_DIR:-/var/lib/link_module/server}
# A kept server stays on the PostgreSQL it was made with (LM_PG_VERSION when it was started).
made_with=$(cat "$DIR/data/PG_VERSION" 2>/dev/null || true)
if [ "${1:-}" != destroy ] && [ -n "$made_with" ] && [ -n "${LM_PG_VERSION:-}" ] && [ "$LM_PG_VERSION" != "$made_with" ]; then
	echo "the kept server in $DIR is PostgreSQL $made_with: destroy it first to make one of $LM_PG_VERSION" >&2
	exit 2
fi
LM_PG_VERSION=${LM_PG_VERSION:-$made_with}
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DATA=$DIR/data
LOG=$DIR/server.log

running() { [ -f "$DATA/postmaster.pid" ] && pg_as_postgres "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
exports() { echo "export PGHOST=$DIR PGPORT=$LM_PORT PGUSER=postgres"; }

case "${1:-}" in
start)
	install_deps
	build_and_install
	if running; then
		echo "== already running"
	else
		if [ ! -f "$DATA/PG_VERSION" ]; then
			as_root install -d -o postgres -g postgres -m 700 "$DIR"
			pg_as_postgres "$PG_BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
		fi
		pg_start "$DATA" "$LOG"
	fi
	echo "== PostgreSQL $LM_PG_VERSION on port $LM_PORT, data in $DATA. Connect with:"
	echo "   bash scripts/server.sh psql      (or: $(exports); psql)"
	echo "   then: CREATE EXTENSION link_module;"
	;;
status)
	if running; then echo "running on port $LM_PORT (data in $DATA)"; else echo "not running"; exit 3; fi
	;;
stop)
	if running; then pg_as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
	echo "stopped"
	;;
psql)
	shift
	running || { echo "not running: bash scripts/server.sh start" >&2; exit 3; }
	PGHOST=$DIR PGPORT=$LM_PORT PGUSER=postgres exec psql "$@"
	;;
env)
	exports
	;;
log)
	as_root tail -n "${2:-50}" "$LOG"
	;;
destroy)
	if running; then pg_as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
	as_root rm -rf "$DIR"
	echo "destroyed $DIR"
	;;
*)
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
