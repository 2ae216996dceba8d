#!/usr/bin/env bash
# link_module on a Citus cluster (a coordinator, link_module in its shared_preload_libraries, and
# two workers on 127.0.0.1, as the postgres user, in a temporary directory):
# test/citus/scenario.sql, every link function and cascade, run with the module tables as
# reference tables, as Citus local tables, as hash-distributed tables (also with shards on the
# coordinator, and on a single-node cluster; and each with a link table distributed by
# distribute_link) and as plain tables, each run printing exactly
# test/citus/expected/scenario.out;
# and test/citus/layouts.sql, the
# layouts refused and tables moved onto Citus after define_link (test/citus/expected/layouts.out).
# Citus 13.2 for PostgreSQL 15: used when installed, else installed by $LM_CITUS_DIR/install.sh
# (default ../shared/citus beside the checkout; needs root). Neither: skipped (exit 77).
# LM_CITUS_PORT: the coordinator's port (default 55711; the workers take the next two);
# LM_CITUS_KEEP=1 keeps the temporary directory (each run's output, the nodes' logs).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=/usr/lib/postgresql/15/bin
if [ -n "${PG_CONFIG:-}" ] && ! "$PG_CONFIG" --version | grep -q '^PostgreSQL 15\.'; then
	echo "citus: skipped: it runs on PostgreSQL 15 (Citus 13.2 as ../shared/citus installs it), not on $("$PG_CONFIG" --version)"
	exit 77
fi
share=$("$bin/pg_config" --sharedir)
installer=${LM_CITUS_DIR:-$root/../shared/citus}/install.sh
if ! grep -qs "default_version = '13\.2" "$share/extension/citus.control"; then
	if [ -f "$installer" ] && [ "$(id -u)" -eq 0 ]; then
		bash "$installer"
	else
		echo "citus: skipped: Citus 13.2 is not installed and $installer cannot install it (it needs root)"
		exit 77
	fi
fi

port=${LM_CITUS_PORT:-55711}
work=$(mktemp -d /tmp/link_module_citus.XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$work"; as_pg=(runuser -u postgres --); fi
nodes=(coordinator worker1 worker2)
stop() {
	for n in "${nodes[@]}"; do
		[ -f "$work/$n/postmaster.pid" ] && "${as_pg[@]}" "$bin/pg_ctl" -D "$work/$n" -m immediate -w stop >/dev/null 2>&1
	done
	if [ "${LM_CITUS_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap stop EXIT
i=0
for n in "${nodes[@]}"; do
	"${as_pg[@]}" "$bin/initdb" -D "$work/$n" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
	cat >>"$work/$n/postgresql.conf" <<CONF
port = $((port + i))
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
shared_preload_libraries = '$([ "$n" = coordinator ] && echo citus,link_module || echo citus)'
max_prepared_transactions = 20
max_worker_processes = 32
fsync = off
CONF
	"${as_pg[@]}" "$bin/pg_ctl" -D "$work/$n" -l "$work/$n.log" -w start >/dev/null || { tail -n 20 "$work/$n.log"; exit 1; }
	i=$((i + 1))
done
psql_on() { local p=$1; shift; "$bin/psql" -X -q -h 127.0.0.1 -p "$p" -U postgres -v ON_ERROR_STOP=1 "$@"; }
# A database of that name on every node, with Citus, the workers added to the coordinator's;
# one whose name ends in _single_node is the coordinator's alone (Citus puts every shard there),
# one whose name ends in _coordinator_shards has shards on the coordinator too.
cluster_database() {
	if [[ $1 == *_single_node ]]; then
		psql_on "$port" -d postgres -c "CREATE DATABASE $1" >/dev/null 2>&1
		psql_on "$port" -d "$1" -c "CREATE EXTENSION citus" >/dev/null
		return
	fi
	for p in "$port" $((port + 1)) $((port + 2)); do
		psql_on "$p" -d postgres -c "CREATE DATABASE $1" >/dev/null 2>&1
		psql_on "$p" -d "$1" -c "CREATE EXTENSION citus" >/dev/null
	done
	psql_on "$port" -d "$1" -c "SELECT citus_set_coordinator_host('127.0.0.1', $port)" \
		-c "SELECT citus_add_node('127.0.0.1', $((port + 1)))" -c "SELECT citus_add_node('127.0.0.1', $((port + 2)))" >/dev/null
	if [[ $1 == *_coordinator_shards ]]; then
		psql_on "$port" -d "$1" -c "SELECT citus_set_node_property('127.0.0.1', $port, 'shouldhaveshards', true)" >/dev/null
	fi
}
# What differs from run to run: the node a statement ran on, shard numbers.
normalize() { sed -E -e '/^CONTEXT:  while executing command on /d' -e 's/_[0-9]{6,}/_<shard>/g'; }

failed=0
check() { # NAME SQL EXPECTED [psql options]
	local name=$1 sql=$2 expected=$3; shift 3
	cluster_database "$name"
	psql_on "$port" -d "$name" "$@" -f - <"$sql" 2>&1 | normalize >"$work/$name.out" || true
	if diff -u "$expected" "$work/$name.out"; then
		echo "citus: $name ... ok"
	else
		echo "citus: $name ... FAILED"; failed=$((failed + 1))
	fi
}
for layout in reference citus_local plain distributed distributed_links; do
	check "$layout" "$root/test/citus/scenario.sql" "$root/test/citus/expected/scenario.out" -v layout="$layout"
done
# Distributed tables with shards on the coordinator, and on it alone: link_module has Citus change
# them in this backend (not over connections to itself, after which the link tables' placements
# there would change over connections too).
check distributed_coordinator_shards "$root/test/citus/scenario.sql" "$root/test/citus/expected/scenario.out" -v layout=distributed
check distributed_single_node "$root/test/citus/scenario.sql" "$root/test/citus/expected/scenario.out" -v layout=distributed
check distributed_links_coordinator_shards "$root/test/citus/scenario.sql" "$root/test/citus/expected/scenario.out" -v layout=distributed_links
check distributed_links_single_node "$root/test/citus/scenario.sql" "$root/test/citus/expected/scenario.out" -v layout=distributed_links
check layouts "$root/test/citus/layouts.sql" "$root/test/citus/expected/layouts.out" -v coordinator_port="$port" -v worker_port=$((port + 1))

# A database without Citus on the coordinator, which preloads it: links work as on one server.
psql_on "$port" -d postgres -c "CREATE DATABASE plain_db" >/dev/null
plain=$(psql_on "$port" -d plain_db -At 2>&1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION link_module;
CREATE TABLE item (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE tag (id text PRIMARY KEY);
SELECT define_link('public.item', 'public.tag') ->> 'entryPoint';
INSERT INTO item VALUES ('i1'), ('i2');
INSERT INTO tag VALUES ('t1');
SELECT jsonb_array_length(link_create('[{"public": {"item_id": "i1", "tag_id": "t1"}}]'));
UPDATE item SET deleted_at = now() WHERE id = 'i1';
SELECT count(*) FROM public_item_public_tag WHERE deleted_at IS NULL;
SQL
)
if [ "$(echo $plain)" = "item_tag 1 0" ]; then
	echo "citus: plain_database ... ok"
else
	echo "citus: plain_database ... FAILED: $plain"; failed=$((failed + 1))
fi

# A LATIN1 database: Citus stores non-ASCII text that INSERT ... SELECT writes into a distributed
# table as its UTF-8 bytes; link_module refuses such ids on a distributed link table (nothing
# written) and writes ASCII ones.
for p in "$port" $((port + 1)) $((port + 2)); do
	psql_on "$p" -d postgres -c "CREATE DATABASE latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null 2>&1
	psql_on "$p" -d latin1 -c "CREATE EXTENSION citus" >/dev/null
done
psql_on "$port" -d latin1 -c "SELECT citus_set_coordinator_host('127.0.0.1', $port)" \
	-c "SELECT citus_add_node('127.0.0.1', $((port + 1)))" -c "SELECT citus_add_node('127.0.0.1', $((port + 2)))" >/dev/null
latin1=$(PGCLIENTENCODING=UTF8 psql_on "$port" -d latin1 -At 2>&1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION link_module;
CREATE TABLE p (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE q (id text PRIMARY KEY, deleted_at timestamptz);
SELECT create_distributed_table('p', 'id'), create_distributed_table('q', 'id', colocate_with => 'none');
INSERT INTO p VALUES ('pü'), ('pa');
INSERT INTO q VALUES ('qa');
SELECT define_link('{"linkable": "public.p", "isList": true}', '{"linkable": "public.q", "isList": true}') IS NOT NULL;
SELECT distribute_link('p_q', 'q_id');
\set ON_ERROR_STOP 0
SELECT link_create('[{"public": {"p_id": "pü", "q_id": "qa"}}]');
\set ON_ERROR_STOP 1
SELECT jsonb_array_length(link_create('[{"public": {"p_id": "pa", "q_id": "qa"}}]'));
SELECT string_agg(p_id, ',') FROM public_p_public_q;
SQL
)
if [ "$(echo $(echo "$latin1" | grep -vE '^(ERROR|DETAIL|HINT):'))" = "| t 1 pa" ] &&
	echo "$latin1" | grep -q "^ERROR:  link_create cannot write non-ASCII ids or data"; then
	echo "citus: latin1 ... ok"
else
	echo "citus: latin1 ... FAILED: $latin1"; failed=$((failed + 1))
fi

# A race on distributed tables: a link_create holds its records (FOR SHARE, one shard per
# statement) until it commits, so a DELETE of one of them waits, and its cascade then removes the
# new link. Were the record not held, the DELETE would cascade first and the link would stay,
# naming a record that is gone.
cluster_database race
psql_on "$port" -d race >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION link_module;
CREATE SCHEMA race;
CREATE TABLE race.a (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE race.b (id text PRIMARY KEY, deleted_at timestamptz);
SELECT create_distributed_table('race.a', 'id'), create_distributed_table('race.b', 'id', colocate_with => 'none');
INSERT INTO race.a SELECT 'a' || i FROM generate_series(1, 20) i;
INSERT INTO race.b SELECT 'b' || i FROM generate_series(1, 20) i;
SELECT define_link('race.a', '{"linkable": "race.b", "isList": true}');
SQL
psql_on "$port" -d race -c "BEGIN" \
	-c "SELECT link_create((SELECT jsonb_agg(jsonb_build_object('race', jsonb_build_object('a_id', 'a' || i, 'b_id', 'b' || i))) FROM generate_series(1, 20) i))" \
	-c "SELECT pg_sleep(2)" -c "COMMIT" >"$work/race_create.out" 2>&1 &
creator=$!
sleep 1
deleted=$(psql_on "$port" -d race -Atc "DELETE FROM race.a WHERE id IN ('a3', 'a17') RETURNING id" 2>&1 | sort | tr '\n' ' ')
wait "$creator" || true
left=$(psql_on "$port" -d race -Atc "SELECT count(*) FILTER (WHERE a_id IN ('a3', 'a17')) || '/' || count(*) FROM race_a_race_b")
if [ "$deleted" = "a17 a3 " ] && [ "$left" = "0/18" ] && ! grep -q 'ERROR' "$work/race_create.out"; then
	echo "citus: race ... ok"
else
	echo "citus: race ... FAILED (deleted: $deleted; links of a3, a17 / all: $left, expected 0/18)"; cat "$work/race_create.out"
	failed=$((failed + 1))
fi
# distribute_link against a link_create that waits for it: once the link table is distributed
# (rebuilt), the waiting session plans for the new table, then and afterwards.
cluster_database race_distribute
psql_on "$port" -d race_distribute >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION link_module;
CREATE TABLE p (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE q (id text PRIMARY KEY, deleted_at timestamptz);
SELECT create_distributed_table('p', 'id'), create_distributed_table('q', 'id', colocate_with => 'none');
INSERT INTO p SELECT 'p' || i FROM generate_series(1, 5) i;
INSERT INTO q SELECT 'q' || i FROM generate_series(1, 5) i;
SELECT define_link('public.p', '{"linkable": "public.q", "isList": true, "deleteCascade": true}');
SQL
psql_on "$port" -d race_distribute -c "BEGIN" -c "SELECT distribute_link('p_q', 'q_id')" -c "SELECT pg_sleep(2)" \
	-c "COMMIT" >"$work/race_distribute.out" 2>&1 &
distributor=$!
sleep 1
created=$(psql_on "$port" -d race_distribute -At \
	-c "SELECT jsonb_array_length(link_create('[{\"public\": {\"p_id\": \"p1\", \"q_id\": \"q1\"}}]'))" \
	-c "SELECT jsonb_array_length(link_create('[{\"public\": {\"p_id\": \"p2\", \"q_id\": \"q2\"}}]'))" 2>&1 | tr '\n' ' ' || true)
wait "$distributor" || true
layout=$(psql_on "$port" -d race_distribute -Atc "SELECT column_to_column_name(logicalrelid, partkey) || ' ' || (SELECT count(*) FROM public_p_public_q) FROM pg_dist_partition WHERE logicalrelid = 'public_p_public_q'::regclass" 2>&1 || true)
if [ "$created" = "1 1 " ] && [ "$layout" = "q_id 2" ]; then
	echo "citus: race_distribute ... ok"
else
	echo "citus: race_distribute ... FAILED (created: $created; layout and rows: $layout)"; cat "$work/race_distribute.out"
	failed=$((failed + 1))
fi
if [ "$failed" -ne 0 ]; then
	for n in "${nodes[@]}"; do echo "== end of $n's log"; tail -n 20 "$work/$n.log"; done
	exit 1
fi
