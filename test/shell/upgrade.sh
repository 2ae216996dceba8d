#!/usr/bin/env bash
# ALTER EXTENSION link_module UPDATE from 0.1.0: builds and installs 0.1.0 from the repository's
# history, creates linkables, links and rows with it (a soft delete's cascade included), installs
# this version again, updates, and checks that the links still work and that the extension's
# objects are exactly those of a fresh install. Needs PGHOST/PGPORT/PGUSER of a running server
# and the repository's git history; runs as root or with sudo (make install).
# 0.1.0 is built once per PostgreSQL version (PG_CONFIG's, default pg_config on PATH), unoptimized,
# into build/upgrade-0.1.0-pg<major> (kept: later runs reuse it).
# `upgrade.sh build` only builds it (scripts/test.sh starts that early, in the background).
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OLD=f57ff9665b3e3d7e2f044a6d7a437bb704260516 # the last commit of 0.1.0
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
# Each session's checks: pg_temp.check(condition) fails the script (psql names the line).
CHECK="CREATE FUNCTION pg_temp.check(ok boolean) RETURNS void LANGUAGE plpgsql AS
  \$\$ BEGIN IF ok IS NOT TRUE THEN RAISE EXCEPTION 'check failed'; END IF; END \$\$;"


# A shallow clone lacks 0.1.0: the test cannot run there (exit 77: skipped, said so).
git -C "$ROOT" cat-file -e "$OLD^{commit}" 2>/dev/null ||
	{ echo "upgrade: skipped: commit $OLD (link_module 0.1.0) is not in this clone's history (a shallow clone?)"; exit 77; }
pg_config=${PG_CONFIG:-pg_config}
pg_major=$("$pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
old_build=$ROOT/build/upgrade-0.1.0-pg$pg_major
# Built in a directory of its own, moved into place when complete: a run that finds the
# directory finds a whole build (a concurrent `upgrade.sh build` waits on the lock).
build_old() (
	mkdir -p "$ROOT/build"
	exec 9>"$old_build.lock"
	flock 9
	[ -f "$old_build/link_module.so" ] && return
	local tmp
	tmp=$(mktemp -d "$old_build.XXXXXX")
	git -C "$ROOT" archive "$OLD" | tar -x -C "$tmp"
	# Unoptimized and without debug information: it only has to run, and builds in half the time.
	make -C "$tmp" -s -j"$(nproc)" PG_CONFIG="$pg_config" CXXFLAGS="-O0 -g0" >/dev/null
	rm -rf "$old_build"
	mv "$tmp" "$old_build"
)
if [ "${1:-}" = build ]; then build_old; exit; fi

work=$(mktemp -d)
# Whatever happens, this version is what stays installed.
trap 'as_root make -C "$ROOT" -s install PG_CONFIG="$pg_config" >/dev/null; rm -rf "$work"' EXIT

echo "== building 0.1.0"
build_old
as_root make -C "$old_build" -s install PG_CONFIG="$pg_config" >/dev/null

for db in lm_up_old lm_up_new; do psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
psql_q -d lm_up_old -c "$CHECK" -f - <<'SQL'
CREATE EXTENSION link_module;
SELECT pg_temp.check((SELECT extversion = '0.1.0' FROM pg_extension WHERE extname = 'link_module'));
CREATE SCHEMA catalog;
CREATE TABLE catalog.product (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE post (id text PRIMARY KEY, title text, deleted_at timestamptz);
CREATE TABLE note (id text PRIMARY KEY);
INSERT INTO catalog.product VALUES ('p1', 'one'), ('p2', 'two'), ('p3', 'three');
INSERT INTO post VALUES ('b1', 'first'), ('b2', 'second'), ('b3', 'third');
INSERT INTO note VALUES ('n1');
SELECT register_linkable('product', 'product', 'catalog.product') IS NOT NULL;
SELECT register_linkable('cms', 'note', 'note') IS NOT NULL;
SELECT define_link('product.product', '{"linkable": "public.post", "isList": true, "deleteCascade": true}',
       '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') IS NOT NULL;
SELECT pg_temp.check(jsonb_array_length(link_create('[{"product": {"product_id": "p1"}, "public": {"post_id": "b1"}, "data": {"metadata": {"a": 1}}},
                                        {"product": {"product_id": "p2"}, "public": {"post_id": "b2"}}]')) = 2);
-- p2's soft delete dismisses its link and soft-deletes b2 (deleteCascade); noted for restore.
UPDATE catalog.product SET deleted_at = now() WHERE id = 'p2';
SQL

echo "== installing this version and updating"
as_root make -C "$ROOT" -s install PG_CONFIG="$pg_config" >/dev/null
# Before the update, the new library meets 0.1.0's objects: DDL still works (its event triggers
# warn and do nothing) and its functions say what to run.
ddl=$(psql -X -q -d lm_up_old -v ON_ERROR_STOP=1 -c "CREATE TABLE ddl_meanwhile (id int)" 2>&1)
echo "$ddl" | grep -q "older than its library" || { echo "upgrade: no warning on DDL before the update: $ddl"; exit 1; }
call=$(psql -X -q -d lm_up_old -c "SELECT link_create('[]')" 2>&1 || true)
echo "$call" | grep -q "Run ALTER EXTENSION link_module UPDATE" || { echo "upgrade: unclear error before the update: $call"; exit 1; }
psql_q -d lm_up_old -c "$CHECK" -f - <<'SQL'
ALTER EXTENSION link_module UPDATE;
SELECT pg_temp.check((SELECT extversion = '0.2.0' FROM pg_extension WHERE extname = 'link_module'));
-- The views moved into schema link_module; nothing is left in public but the functions.
SELECT pg_temp.check(to_regclass('public.links') IS NULL AND to_regclass('public.linkables') IS NULL);
SELECT pg_temp.check((SELECT count(*) FROM link_module.links) = 1 AND (SELECT count(*) FROM link_module.linkables) = 3);
-- Links made by 0.1.0 are listed, written, cascaded and restored by 0.2.0.
SELECT pg_temp.check(link_list('{"product": {"product_id": "p1"}, "public": {"post_id": "b1"}}') -> 0 -> 'metadata' = '{"a": 1}');
SELECT pg_temp.check(jsonb_array_length(link_create('{"product": {"product_id": "p3"}, "public": {"post_id": "b3"}}')) = 1);
UPDATE catalog.product SET deleted_at = NULL WHERE id = 'p2';
SELECT pg_temp.check((SELECT deleted_at IS NULL FROM post WHERE id = 'b2')
   AND (SELECT count(*) FROM product_product_public_post WHERE product_id = 'p2' AND deleted_at IS NULL) = 1);
DELETE FROM catalog.product WHERE id = 'p3';
SELECT pg_temp.check(NOT EXISTS (SELECT FROM post WHERE id = 'b3'));
SELECT pg_temp.check(query_graph('{"entity": "product", "fields": ["id", "post.title"], "filters": {"id": "p1"}}')
       -> 'data' -> 0 -> 'post' -> 0 ->> 'title' = 'first');
SELECT pg_temp.check(unregister_linkable('cms', 'note') ->> 'model' = 'note');
SELECT register_linkable('cms', 'note', 'note') IS NOT NULL;
SQL

# The updated extension's objects are those a fresh install of this version makes.
psql_q -d lm_up_new -c "CREATE EXTENSION link_module"
psql_q -d lm_up_old -f "$ROOT/test/shell/catalog_fingerprint.sql" >"$work/updated.txt"
psql_q -d lm_up_new -f "$ROOT/test/shell/catalog_fingerprint.sql" >"$work/fresh.txt"
if ! diff -u "$work/fresh.txt" "$work/updated.txt"; then
	echo "upgrade: the updated extension differs from a fresh install (above: - fresh, + updated)"
	exit 1
fi
echo "objects: $(wc -l <"$work/fresh.txt") lines, identical"

for db in lm_up_old lm_up_new; do psql_q -d postgres -c "DROP DATABASE $db"; done
echo "upgrade: ok"
