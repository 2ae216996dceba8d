#!/usr/bin/env bash
# Load test: LM_LOAD_CLIENTS (8) pgbench clients for LM_LOAD_SECONDS (60) of mixed link_create,
# link_dismiss, link_update, soft deletes and restores through the triggers, hard DELETE and
# re-INSERT, link_delete / link_restore, query_graph and DDL (define_link re-definitions,
# ALTER TABLE ADD/DROP COLUMN, CREATE/DROP INDEX) on a small schema (test/load/setup.sql).
# Then checks that
#   * every client ran to the end (no crash, no lost connection, no statement_timeout),
#   * every error raised is one the operation may raise under concurrency (load.expected),
#   * the invariants hold (test/load/invariants.sql), and the link tables' indexes agree with
#     their heaps (amcheck, when available),
#   * the server log, when readable (LM_LOAD_SERVER_LOG, or $PGHOST/server.log), shows no
#     crash, PANIC or assertion failure during the run.
# Needs PGHOST/PGPORT/PGUSER of a running server with link_module installed, as a superuser.
# Creates (and drops at the end, unless LM_LOAD_KEEP=1) the database LM_LOAD_DB (lm_load).
# PG_BIN: directory of psql/pgbench/createdb (default: from PATH, else /usr/lib/postgresql/15/bin).
# Exits non-zero on any failure; the last line is a one-line summary.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
secs=${LM_LOAD_SECONDS:-60}
clients=${LM_LOAD_CLIENTS:-8}
db=${LM_LOAD_DB:-lm_load}
if [ -z "${PG_BIN:-}" ]; then
	if command -v pgbench >/dev/null; then PG_BIN=$(dirname "$(command -v pgbench)"); else PG_BIN=/usr/lib/postgresql/15/bin; fi
fi
psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

server_log=${LM_LOAD_SERVER_LOG:-}
if [ -z "$server_log" ] && [ -n "${PGHOST:-}" ] && [ -r "$PGHOST/server.log" ]; then server_log=$PGHOST/server.log; fi
log_start=0
[ -n "$server_log" ] && [ -r "$server_log" ] && log_start=$(stat -c %s "$server_log")

export PGOPTIONS="-c client_min_messages=warning"
"$PG_BIN/dropdb" --if-exists "$db"
"$PG_BIN/createdb" "$db"
psql_q -f "$here/setup.sql" >/dev/null

# Weights: about 45% link operations, 25% record deletes and restores, 20% reads, 2% DDL.
# LM_LOAD_SCRIPTS overrides the mix ("name@weight ...", names of test/load/scripts/*.sql).
mix=${LM_LOAD_SCRIPTS:-"create_11@10 create_1n@8 create_mn@8 create_rr@3 dismiss@8 update@4
	soft_delete@8 restore@8 hard_delete@3 refill@3 link_delete@4 link_restore@4 restore_rr@2
	graph@16 ddl_define@1 ddl_alter@1 ddl_index@1"}
# shellcheck disable=SC2206
scripts=($mix)
args=()
for s in "${scripts[@]}"; do args+=(-f "$here/scripts/${s%@*}.sql@${s#*@}"); done

echo "== load: $clients clients, ${secs}s, database $db"
# A statement that runs 30 s on this schema hangs: statement_timeout is not caught by load.run,
# so it stops the client and fails the test.
rc=0
PGOPTIONS="-c client_min_messages=warning -c statement_timeout=30s" \
	timeout --kill-after=10 $((secs + 120)) \
	"$PG_BIN/pgbench" -n -d "$db" -c "$clients" -j "$(( clients < 4 ? clients : 4 ))" -T "$secs" -P 10 "${args[@]}" \
	>"$work/pgbench.out" 2>"$work/pgbench.err" || rc=$?
cat "$work/pgbench.out"
failures=()
if [ "$rc" -ne 0 ]; then failures+=("pgbench exited with $rc"); fi
if grep -qiE 'abort|closed the connection|terminating connection|server process|could not connect|timeout|canceling statement' "$work/pgbench.err" "$work/pgbench.out"; then
	failures+=("pgbench clients failed")
	grep -iE 'abort|closed the connection|terminating connection|server process|could not connect|timeout|canceling statement|ERROR|FATAL' "$work/pgbench.err" | sort | uniq -c | sort -rn | head -20
fi
xacts=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$work/pgbench.out")
pgb_failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$work/pgbench.out")
tps=$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p' "$work/pgbench.out")
xacts=${xacts:-0}; pgb_failed=${pgb_failed:-0}; tps=${tps:-0}
[ "$xacts" -gt 0 ] || failures+=("no transaction ran")
[ "$pgb_failed" -eq 0 ] || failures+=("$pgb_failed transactions failed in pgbench")

# Errors the operations raised (caught by load.run), by SQLSTATE; unexpected ones fail.
errors=$(psql_q -c "SELECT coalesce(string_agg(sqlstate || '=' || n, ' ' ORDER BY n DESC), 'none') FROM (SELECT sqlstate, count(*) n FROM load.errors GROUP BY 1) e")
echo "== errors by operation and SQLSTATE (expected under concurrency unless marked UNEXPECTED)"
psql_q -F ' ' -c "SELECT rpad(e.op, 12), e.sqlstate, count(*), CASE WHEN x.op IS NULL THEN 'UNEXPECTED: ' || min(e.message) ELSE x.why END
                  FROM load.errors e LEFT JOIN load.expected x USING (op, sqlstate) GROUP BY e.op, e.sqlstate, x.op, x.why ORDER BY 1, 2"
unexpected=$(psql_q -c "SELECT count(*) FROM load.errors e WHERE NOT EXISTS (SELECT FROM load.expected x WHERE (x.op, x.sqlstate) = (e.op, e.sqlstate))")
if [ "$unexpected" -ne 0 ]; then
	failures+=("$unexpected unexpected errors")
	psql_q -c "SELECT op || ' ' || sqlstate || ': ' || message || coalesce(E'\\n  context: ' || min(context), '') FROM load.errors e
	           WHERE NOT EXISTS (SELECT FROM load.expected x WHERE (x.op, x.sqlstate) = (e.op, e.sqlstate))
	           GROUP BY op, sqlstate, message ORDER BY min(at) LIMIT 20"
fi

# Invariants, and the physical consistency of the link tables' indexes.
echo "== invariants"
violations=$(psql_q -c "\\i $here/invariants.sql" -c "SELECT kind || ' in ' || link || ': ' || rows || ' rows' FROM pg_temp.lm_violations()")
if [ -n "$violations" ]; then failures+=("invariants violated"); echo "$violations"; fi
# (A function of the session's own: a server built without libxml has no query_to_xml.)
psql_q -c "CREATE FUNCTION pg_temp.active_links(t regclass) RETURNS bigint LANGUAGE plpgsql AS
             \$\$ DECLARE n bigint; BEGIN EXECUTE format('SELECT count(*) FROM %s WHERE deleted_at IS NULL', t) INTO n; RETURN n; END \$\$" \
	-c "SELECT 'active links: ' || string_agg(entry_point || ' ' || pg_temp.active_links(link_table), ', ' ORDER BY entry_point) FROM link_module.links"
if [ "$(psql_q -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'amcheck'")" = 1 ]; then
	if ! psql_q -c "CREATE EXTENSION IF NOT EXISTS amcheck" \
		-c "SELECT count(bt_index_check(i.indexrelid, true)) FROM link_module.links l JOIN pg_index i ON i.indrelid = l.link_table JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree'" >/dev/null; then
		failures+=("amcheck found a corrupt index")
	fi
fi

if [ -n "$server_log" ] && [ -r "$server_log" ]; then
	if tail -c +"$((log_start + 1))" "$server_log" | grep -E 'terminated by signal|PANIC|TRAP:|was terminated|server process .* exited with exit code [^01]' >"$work/log.txt"; then
		failures+=("the server log shows a crash"); head -20 "$work/log.txt"
	fi
fi

[ "${LM_LOAD_KEEP:-0}" = 1 ] || "$PG_BIN/dropdb" --if-exists "$db" || true

status=ok
[ ${#failures[@]} -eq 0 ] || status="FAILED ($(IFS=';'; echo "${failures[*]}"))"
echo "load: $status: ${secs}s, $clients clients, $xacts transactions ($tps tps), errors by SQLSTATE: $errors, unexpected $unexpected, invariants $([ -z "$violations" ] && echo ok || echo violated)"
[ ${#failures[@]} -eq 0 ]
