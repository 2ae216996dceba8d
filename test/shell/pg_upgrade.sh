#!/usr/bin/env bash
# pg_upgrade from PostgreSQL 15 to a newer major version keeps a database with links working.
# Builds and installs link_module from this working tree for 15 (Debian's, /usr/lib/postgresql/15)
# and for the installation of PG_CONFIG (the new version), each in a copy of the sources (the
# checkout's own build is left alone). In a 15 cluster it makes linkables and four links (one-to-many
# with deleteCascade and extra columns, many-to-many, one-to-one with a virtual linkable, read-only),
# creates links, dismisses one, soft-deletes a record, hard-deletes one and link_delete's one.
# Then the new version's pg_upgrade (--check, then --copy), and on the new version: the registry
# (its relation OIDs included), the removal notes, the link tables' rows, triggers and indexes,
# link_list and query_graph read exactly as before; link_create / update / dismiss / list, the
# restores, the hard-delete, TRUNCATE and DROP TABLE cascades, the event triggers and link_check
# work; define_link again is a no-op; the extension's objects are those of a fresh CREATE EXTENSION.
# Both clusters run as the postgres user, in a temporary directory, on 127.0.0.1 ports 54351 (15)
# and 54352 (new; LM_PGUP_PORT sets the first), and are stopped and removed however the script ends (LM_PGUP_KEEP=1 keeps the
# directory: logs, data). Needs root or sudo (make install, runuser). Skipped (exit 77) without a
# PG_CONFIG newer than 15 or without both versions' server binaries:
# PG_VERSIONS="15 18" bash scripts/test.sh runs it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OLD_BIN=/usr/lib/postgresql/15/bin
OLD_PORT=${LM_PGUP_PORT:-54351}
NEW_PORT=$((OLD_PORT + 1))
DB=lm_pgup

skip() { echo "pg_upgrade: skipped: $*"; exit 77; }
[ -n "${PG_CONFIG:-}" ] ||
	skip "needs a PostgreSQL newer than 15 as PG_CONFIG (PG_VERSIONS=\"15 18\" bash scripts/test.sh runs it)"
new_version=$("$PG_CONFIG" --version) || { echo "pg_upgrade: PG_CONFIG=$PG_CONFIG does not run"; exit 1; }
new_major=$(sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p' <<<"$new_version")
[ "${new_major:-0}" -gt 15 ] ||
	skip "needs a PostgreSQL newer than 15 as PG_CONFIG, not $new_version (PG_VERSIONS=\"15 18\" bash scripts/test.sh runs it)"
NEW_BIN=$("$PG_CONFIG" --bindir)
for f in "$OLD_BIN"/{pg_config,initdb,pg_ctl,postgres,psql} "$NEW_BIN"/{pg_upgrade,initdb,pg_ctl,postgres,psql}; do
	[ -x "$f" ] || skip "$f is missing (needs postgresql-15 and the server binaries of $new_version)"
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# PostgreSQL refuses to run as root: the clusters and pg_upgrade run as postgres.
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else as_root runuser -u postgres -- "$@"; fi; }
# The clusters are this script's own: a surrounding test server's settings must not reach them.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS
export PGTZ=UTC # timestamps print alike in both versions' sessions
psql_old() { "$OLD_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$OLD_PORT" -U postgres "$@"; }
psql_new() { "$NEW_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$NEW_PORT" -U postgres "$@"; }
# Each session's checks: pg_temp.check(condition) fails the script (psql names the line).
CHECK="SET client_min_messages = warning;
CREATE FUNCTION pg_temp.check(ok boolean) RETURNS void LANGUAGE plpgsql AS
  \$\$ BEGIN IF ok IS NOT TRUE THEN RAISE EXCEPTION 'check failed'; END IF; END \$\$;"

build=$(mktemp -d /tmp/link_module_pgup_build.XXXXXX) # the builds and this script's outputs
pgdir=$(mktemp -d /tmp/link_module_pgup.XXXXXX)        # the clusters, postgres's
as_root chown postgres: "$pgdir"
stop_cluster() { # BIN NAME
	if as_root test -f "$pgdir/$2/postmaster.pid"; then as_pg "$1/pg_ctl" -D "$pgdir/$2" -m fast -w stop >/dev/null 2>&1 || true; fi
}
cleanup() {
	stop_cluster "$OLD_BIN" old
	stop_cluster "$NEW_BIN" new
	rm -rf "$build"
	if [ "${LM_PGUP_KEEP:-0}" = 1 ]; then echo "kept $pgdir"; else as_root rm -rf "$pgdir"; fi
}
trap cleanup EXIT

# What the build needs, copied per version (without the checkout's objects, built for 15).
build_and_install() { # PG_CONFIG
	local major dir
	major=$("$1" --version | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p')
	dir=$build/pg$major
	mkdir -p "$dir"
	(cd "$ROOT" && tar -c --exclude='*.o' --exclude='*.d' --exclude='*.bc' --exclude='*.so' \
		Makefile link_module.control link_module--*.sql src) | tar -x -C "$dir"
	echo "== building and installing link_module for PostgreSQL $major"
	if ! make -C "$dir" -s -j"$(nproc)" PG_CONFIG="$1" >"$dir/build.log" 2>&1; then
		cat "$dir/build.log"; echo "pg_upgrade: the build for PostgreSQL $major failed"; exit 1
	fi
	as_root make -C "$dir" -s install PG_CONFIG="$1" >/dev/null
}
build_and_install "$OLD_BIN/pg_config"
build_and_install "$PG_CONFIG"

# Data checksums in both: initdb turns them on by default since 18, and pg_upgrade wants the
# two clusters alike.
init_cluster() { # BIN NAME PORT
	as_root rm -rf "$pgdir/$2"
	as_pg "$1/initdb" -D "$pgdir/$2" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --data-checksums >/dev/null
	as_pg tee -a "$pgdir/$2/postgresql.conf" >/dev/null <<CONF
port = $3
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgdir'
fsync = off
CONF
}
start_cluster() { # BIN NAME
	if ! as_pg "$1/pg_ctl" -D "$pgdir/$2" -l "$pgdir/$2.log" -w start >/dev/null; then
		as_root tail -n 20 "$pgdir/$2.log"; echo "pg_upgrade: the $2 cluster did not start (its port in use?)"; exit 1
	fi
}
init_cluster "$OLD_BIN" old "$OLD_PORT"
init_cluster "$NEW_BIN" new "$NEW_PORT"
start_cluster "$OLD_BIN" old

# The links, defined the same way before the upgrade and again after it (a no-op there).
DEFINE="
SELECT pg_temp.check(define_link('product.product', '{\"linkable\": \"blog.post\", \"isList\": true, \"deleteCascade\": true}',
       '{\"database\": {\"extraColumns\": {\"metadata\": {\"type\": \"json\", \"nullable\": true},
                                          \"position\": {\"type\": \"integer\", \"nullable\": true}}}}') ->> 'entryPoint' = 'product_post');
SELECT pg_temp.check(define_link('{\"linkable\": \"product.product\", \"isList\": true}', '{\"linkable\": \"cms.tag\", \"isList\": true}')
       ->> 'entryPoint' = 'product_tag');
SELECT pg_temp.check(define_link('product.product', 'stock.inventory_item',
       '{\"database\": {\"idPrefix\": \"inv\", \"extraColumns\": {\"quantity\": {\"type\": \"integer\", \"defaultValue\": 1}}}}')
       ->> 'entryPoint' = 'product_inventory_item');
SELECT pg_temp.check(define_link('{\"linkable\": \"blog.post\", \"field\": \"author_id\"}', 'blog.author', '{\"readOnly\": true}')
       ->> 'entryPoint' = 'post_author');"

echo "== PostgreSQL 15: linkables, links, dismissals, deletes"
psql_old -d postgres -c "CREATE DATABASE $DB"
psql_old -d "$DB" -c "$CHECK" -f - >/dev/null <<SQL
CREATE EXTENSION link_module;
CREATE SCHEMA catalog;
CREATE TABLE catalog.product (id text PRIMARY KEY, title text, price numeric,
                              created_at timestamptz NOT NULL DEFAULT '2025-01-01', deleted_at timestamptz);
CREATE SCHEMA blog;
CREATE TABLE blog.author (id text PRIMARY KEY, name text);
CREATE TABLE blog.post (id text PRIMARY KEY, title text, author_id text, deleted_at timestamptz);
CREATE SCHEMA cms;
CREATE TABLE cms.tag (id uuid PRIMARY KEY, label text);
INSERT INTO catalog.product (id, title, price) VALUES ('p1', 'Shoe', 40), ('p2', 'Hat', 15), ('p3', 'Sock', 5),
                                                      ('p4', 'Belt', 25), ('p5', 'Scarf', 30);
INSERT INTO blog.author VALUES ('a1', 'Ann'), ('a2', 'Bob');
INSERT INTO blog.post VALUES ('b1', 'Shoe care', 'a1'), ('b2', 'Hats off', 'a2'), ('b3', 'Sock puppets', 'a1'),
                             ('b4', 'Laces', 'a2'), ('b5', 'Belts', 'a1'), ('b6', 'Scarves', 'a2');
INSERT INTO cms.tag VALUES ('00000000-0000-0000-0000-00000000000a', 'summer'), ('00000000-0000-0000-0000-00000000000b', 'winter'),
                           ('00000000-0000-0000-0000-00000000000c', 'sale');
SELECT pg_temp.check(register_linkable('product', 'product', 'catalog.product') ->> 'key' = 'product_id');
SELECT pg_temp.check(register_linkable('blog', 'post', 'blog.post') ->> 'key' = 'post_id');
SELECT pg_temp.check(register_linkable('stock', 'inventory_item') ->> 'key' = 'inventory_item_id'); -- virtual
$DEFINE
SELECT pg_temp.check(jsonb_array_length(link_create('[
  {"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"metadata": {"pinned": true}, "position": 1}},
  {"product": {"product_id": "p1"}, "blog": {"post_id": "b4"}, "data": {"position": 2}},
  {"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}, "data": {"metadata": {"k": [1, 2]}}},
  {"product": {"product_id": "p3"}, "blog": {"post_id": "b3"}},
  {"product": {"product_id": "p4"}, "blog": {"post_id": "b5"}},
  {"product": {"product_id": "p1"}, "cms": {"tag_id": "00000000-0000-0000-0000-00000000000a"}},
  {"product": {"product_id": "p1"}, "cms": {"tag_id": "00000000-0000-0000-0000-00000000000b"}},
  {"product": {"product_id": "p2"}, "cms": {"tag_id": "00000000-0000-0000-0000-00000000000a"}},
  {"product": {"product_id": "p3"}, "cms": {"tag_id": "00000000-0000-0000-0000-00000000000c"}},
  {"product": {"product_id": "p4"}, "cms": {"tag_id": "00000000-0000-0000-0000-00000000000b"}},
  {"product": {"product_id": "p1"}, "stock": {"inventory_item_id": "inv_1"}},
  {"product": {"product_id": "p2"}, "stock": {"inventory_item_id": "inv_2"}, "data": {"quantity": 5}},
  {"product": {"product_id": "p3"}, "stock": {"inventory_item_id": "inv_3"}}]')) = 13);
SELECT pg_temp.check(jsonb_array_length(link_dismiss('{"product": {"product_id": "p1"}, "cms": {"tag_id": "00000000-0000-0000-0000-00000000000b"}}')) = 1);
-- p2's soft delete dismisses its three links and soft-deletes b2 (deleteCascade), noted for its restore.
UPDATE catalog.product SET deleted_at = '2025-06-01 12:00:00+00' WHERE id = 'p2';
SELECT pg_temp.check((SELECT deleted_at = '2025-06-01 12:00:00+00' FROM blog.post WHERE id = 'b2')
   AND (SELECT count(*) FROM link_module.removals) = 3);
-- p3's hard delete takes its link rows and b3 along.
DELETE FROM catalog.product WHERE id = 'p3';
SELECT pg_temp.check(NOT EXISTS (SELECT FROM blog.post WHERE id = 'b3')
   AND NOT EXISTS (SELECT FROM product_product_stock_inventory_item WHERE product_id = 'p3'));
-- link_delete of p4: its links dismissed, b5 soft-deleted, p4 itself stays.
SELECT pg_temp.check(link_delete('{"product": {"product_id": ["p4"]}}') -> 'blog' -> 'post_id' = '["b5"]');
SQL

# Everything the upgrade must keep, as text: the registry with its raw OIDs (pg_upgrade keeps user
# tables' and roles' OIDs, and the registry holds them), the views, the removal notes, every
# link table's and linkable table's rows, the triggers, indexes and event triggers, link_check,
# link_list and query_graph.
SNAPSHOT="
CREATE FUNCTION pg_temp.rows_of(t regclass) RETURNS SETOF jsonb STRICT LANGUAGE plpgsql AS
  \$\$ BEGIN RETURN QUERY EXECUTE format('SELECT to_jsonb(r) FROM %s r ORDER BY 1', t); END \$\$;
SELECT 'extension', extversion FROM pg_extension WHERE extname = 'link_module';
SELECT 'linkable_registry', r.module, r.model, r.relation::oid, r.relation, r.relation_name, r.relation_owner::oid,
       r.relation_owner, r.primary_key, r.key, r.key_type, r.soft_delete_column, r.alias, r.validate
FROM link_module.linkable_registry r ORDER BY 2, 3;
SELECT 'linkables', l FROM link_module.linkables l ORDER BY l.module, l.model;
SELECT 'link_registry', r.service_name, r.link_table::oid, r.link_table, r.definition FROM link_module.link_registry r ORDER BY 2;
SELECT 'links', l FROM link_module.links l ORDER BY l.service_name;
SELECT 'removals', r.link_table::oid, r.link_table, r.left_id, r.right_id, r.stamp, r.by_left, r.revived, r.outside
FROM link_module.removals r ORDER BY 2, 4, 5;
SELECT 'link rows', l.link_table, j FROM link_module.links l, pg_temp.rows_of(l.link_table) j ORDER BY 2, 3;
SELECT 'records', l.relation, j FROM link_module.linkables l, pg_temp.rows_of(l.relation) j ORDER BY 2, 3;
SELECT 'trigger', t.tgrelid::regclass, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t
WHERE NOT t.tgisinternal AND t.tgrelid::regclass::text !~ '^(pg_|information_schema)' ORDER BY 2, 3;
SELECT 'index', pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace::regnamespace::text IN ('public', 'catalog', 'blog', 'cms') ORDER BY 2;
SELECT 'event trigger', evtname, evtevent, evtfoid::regproc, evttags, evtenabled FROM pg_event_trigger ORDER BY 2;
SELECT 'link_check', c FROM link_check() c;
SELECT 'link_list', link_list('{\"product\": {\"product_id\": [\"p1\", \"p2\", \"p3\", \"p4\"]},
                               \"blog\": {\"post_id\": [\"b1\", \"b2\", \"b3\", \"b4\", \"b5\"]}}', '{\"withDeleted\": true}');
SELECT 'link_list', link_list('{\"product\": {\"product_id\": [\"p1\", \"p2\", \"p4\"]},
                               \"cms\": {\"tag_id\": [\"00000000-0000-0000-0000-00000000000a\", \"00000000-0000-0000-0000-00000000000b\"]}}',
                              '{\"asLinkDefinition\": true, \"withDeleted\": true}');
SELECT 'link_list', link_list('{\"stock\": {\"inventory_item_id\": [\"inv_1\", \"inv_2\"]}, \"product\": {\"product_id\": [\"p1\", \"p2\"]}}');
SELECT 'query_graph', query_graph('{\"entity\": \"product\", \"withDeleted\": true,
  \"fields\": [\"id\", \"title\", \"deleted_at\", \"post.title\", \"post_link.*\", \"tags.label\", \"inventory_item_link.quantity\",
             \"post.author.name\"], \"pagination\": {\"take\": 10, \"order\": {\"id\": \"ASC\"}}}');
SELECT 'query_graph', query_graph('{\"entity\": \"post\", \"fields\": [\"id\", \"product.title\", \"author.*\"],
                                    \"filters\": {\"author\": {\"name\": \"Ann\"}}}');
SELECT 'query_graph', query_graph('{\"entity\": \"product_tag\", \"withDeleted\": true, \"fields\": [\"*\", \"product.id\", \"tag.label\"]}');"
psql_old -d "$DB" -f - <<<"$SNAPSHOT" >"$build/before.txt"
stop_cluster "$OLD_BIN" old

# pg_upgrade writes its logs into the current directory and the new cluster: postgres's.
run_pg_upgrade() {
	as_pg env -C "$pgdir" "$NEW_BIN/pg_upgrade" -b "$OLD_BIN" -B "$NEW_BIN" -d "$pgdir/old" -D "$pgdir/new" \
		-p "$OLD_PORT" -P "$NEW_PORT" -U postgres --copy --no-sync "$@" >"$build/pg_upgrade.out" 2>&1
}
upgrade_failed() {
	cat "$build/pg_upgrade.out"
	as_root sh -c "tail -n 25 '$pgdir'/new/pg_upgrade_output.d/*/log/*.log" 2>/dev/null || true
	echo "pg_upgrade: $*"; exit 1
}
echo "== pg_upgrade --check, then pg_upgrade --copy to $new_version"
run_pg_upgrade --check || upgrade_failed "pg_upgrade --check failed (above)"
if ! run_pg_upgrade; then
	# Debian 12's PostgreSQL 15.20 (15.20-0+deb12u1) gives every column it creates an attribute
	# option pg_attver=<an LSN, as a number>, which its own pg_dump carries over with
	# binary_upgrade_set_next_attribute_versions(pg_lsn[]). PostgreSQL 18.6 knows neither: its
	# pg_dump copies the option as ALTER TABLE ... ALTER COLUMN ... SET (pg_attver=<n>), which its
	# server refuses ("unrecognized parameter"), so pg_upgrade fails at the first table of any
	# database, link_module's or not, after --check found the clusters compatible. That failure
	# alone is worked around, saying so: the options are removed from the old cluster's catalog
	# (ALTER ... RESET leaves them: the server keeps them) and pg_upgrade runs again on a new cluster.
	if ! as_root sh -c "grep -qs 'unrecognized parameter \"pg_attver\"' '$pgdir'/new/pg_upgrade_output.d/*/log/*.log"; then
		upgrade_failed "pg_upgrade failed (above)"
	fi
	as_root sh -c "grep -h -m2 -E 'unrecognized parameter|SET [(]pg_attver=' '$pgdir'/new/pg_upgrade_output.d/*/log/pg_upgrade_dump_*.log" |
		sed 's/^/  /'
	echo "pg_upgrade: NOTE: $new_version refuses the pg_attver column options of PostgreSQL $("$OLD_BIN/postgres" -V | awk '{print $3}')"
	echo "pg_upgrade: NOTE: (on every table, not link_module's); removed from the old cluster's catalog, upgrading again"
	start_cluster "$OLD_BIN" old
	for db in $(psql_old -d postgres -c "SELECT datname FROM pg_database WHERE datallowconn"); do
		psql_old -d "$db" -c "UPDATE pg_attribute
			SET attoptions = nullif(array(SELECT o FROM unnest(attoptions) o WHERE o NOT LIKE 'pg_attver=%'), '{}')
			WHERE attoptions::text LIKE '%pg_attver=%'" >/dev/null
	done
	stop_cluster "$OLD_BIN" old
	init_cluster "$NEW_BIN" new "$NEW_PORT"
	run_pg_upgrade || upgrade_failed "pg_upgrade failed again (above), without the pg_attver options"
fi
start_cluster "$NEW_BIN" new

echo "== $new_version: the same registry, rows and reads"
psql_new -d "$DB" -f - <<<"$SNAPSHOT" >"$build/after.txt"
if ! diff -u "$build/before.txt" "$build/after.txt"; then
	echo "pg_upgrade: the upgraded database reads differently (above: - on 15, + after pg_upgrade)"
	exit 1
fi
echo "registry, links, rows, notes, triggers, indexes, link_list, query_graph: $(wc -l <"$build/after.txt") lines, identical"

echo "== $new_version: every function, cascade and event trigger"
psql_new -d "$DB" -c "$CHECK" -f - >/dev/null <<SQL
-- The registry's OIDs name the tables its names name.
SELECT pg_temp.check(bool_and(relation = to_regclass(relation_name))) FROM link_module.linkable_registry WHERE relation IS NOT NULL;
SELECT pg_temp.check(bool_and(link_table = to_regclass(definition ->> 'table'))) FROM link_module.link_registry WHERE NOT read_only;
SELECT pg_temp.check(NOT EXISTS (SELECT FROM link_check()));
-- define_link again changes nothing: no registry row, no table, no trigger is written.
CREATE FUNCTION pg_temp.state() RETURNS text LANGUAGE sql AS \$\$
  SELECT (SELECT string_agg(service_name || ':' || xmin::text, ',' ORDER BY service_name) FROM link_module.link_registry) || ' ' ||
         (SELECT string_agg(module || '.' || model || ':' || xmin::text, ',' ORDER BY module, model) FROM link_module.linkable_registry) || ' ' ||
         (SELECT string_agg(oid::regclass::text || ':' || xmin::text, ',' ORDER BY oid) FROM pg_class
          WHERE relnamespace::regnamespace::text IN ('public', 'catalog', 'blog', 'cms')) || ' ' ||
         (SELECT string_agg(tgname || ':' || xmin::text, ',' ORDER BY oid) FROM pg_trigger WHERE NOT tgisinternal) \$\$;
CREATE TEMP TABLE state_before AS SELECT pg_temp.state() AS s;
$DEFINE
SELECT pg_temp.check((SELECT s FROM state_before) = pg_temp.state());
-- Links made on 15 are updated, dismissed and listed; new ones are made.
SELECT pg_temp.check(link_create('{"product": {"product_id": "p5"}, "blog": {"post_id": "b6"}, "data": {"metadata": {"on": 18}}}')
       -> 0 -> 'metadata' = '{"on": 18}');
SELECT pg_temp.check(link_update('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"metadata": {"pinned": false}, "position": 7}}')
       -> 0 -> 'position' = '7');
SELECT pg_temp.check(jsonb_array_length(link_dismiss('{"product": {"product_id": "p1"}, "blog": {"post_id": "b4"}}')) = 1);
SELECT pg_temp.check(link_list('{"product": {"product_id": "p1"}, "blog": {"post_id": ["b1", "b4"]}}', '{"withDeleted": true, "asLinkDefinition": true}')
       = '[{"blog": {"post_id": "b1"}, "data": {"metadata": {"pinned": false}, "position": 7}, "product": {"product_id": "p1"}},
           {"blog": {"post_id": "b4"}, "data": {"metadata": null, "position": 2}, "product": {"product_id": "p1"}}]');
SELECT pg_temp.check(jsonb_array_length(link_list('{"product": {"product_id": "p1"}, "blog": {"post_id": ["b1", "b4"]}}')) = 1);
-- The one-to-one link's unique indexes still hold.
DO \$\$ BEGIN
  PERFORM link_create('{"product": {"product_id": "p5"}, "stock": {"inventory_item_id": "inv_1"}}');
  RAISE EXCEPTION 'inv_1 linked twice';
EXCEPTION WHEN unique_violation THEN NULL; END \$\$;
-- Clearing p2's soft delete (made on 15) restores what it took: b2 and its three links.
UPDATE catalog.product SET deleted_at = NULL WHERE id = 'p2';
SELECT pg_temp.check((SELECT deleted_at IS NULL FROM blog.post WHERE id = 'b2')
   AND (SELECT count(*) FROM product_product_blog_post WHERE product_id = 'p2' AND deleted_at IS NULL) = 1
   AND (SELECT count(*) FROM product_product_cms_tag WHERE product_id = 'p2' AND deleted_at IS NULL) = 1
   AND (SELECT count(*) FROM product_product_stock_inventory_item WHERE product_id = 'p2' AND deleted_at IS NULL) = 1);
-- link_restore undoes the link_delete made on 15.
SELECT pg_temp.check(link_restore('{"product": {"product_id": ["p4"]}}') -> 'blog' -> 'post_id' = '["b5"]');
SELECT pg_temp.check((SELECT deleted_at IS NULL FROM blog.post WHERE id = 'b5')
   AND (SELECT count(*) FROM product_product_cms_tag WHERE product_id = 'p4' AND deleted_at IS NULL) = 1);
-- A hard delete takes b1 (active link, deleteCascade) but not b4 (its link dismissed), and every link row of p1.
DELETE FROM catalog.product WHERE id = 'p1';
SELECT pg_temp.check(NOT EXISTS (SELECT FROM blog.post WHERE id = 'b1') AND EXISTS (SELECT FROM blog.post WHERE id = 'b4'));
SELECT pg_temp.check(NOT EXISTS (SELECT FROM product_product_blog_post WHERE product_id = 'p1')
   AND NOT EXISTS (SELECT FROM product_product_cms_tag WHERE product_id = 'p1')
   AND NOT EXISTS (SELECT FROM product_product_stock_inventory_item WHERE product_id = 'p1'));
-- A soft delete made on 18, and its restore.
UPDATE catalog.product SET deleted_at = now() WHERE id = 'p5';
SELECT pg_temp.check((SELECT deleted_at IS NOT NULL FROM blog.post WHERE id = 'b6'));
UPDATE catalog.product SET deleted_at = NULL WHERE id = 'p5';
SELECT pg_temp.check((SELECT deleted_at IS NULL FROM blog.post WHERE id = 'b6'));
SELECT pg_temp.check(query_graph('{"entity": "product", "fields": ["id", "post.title", "post.author.name", "tags.label", "inventory_item_link.quantity"],
                                   "filters": {"id": ["p2", "p4"]}, "pagination": {"order": {"id": "ASC"}}}')
  = '{"data": [{"id": "p2", "post": [{"id": "b2", "title": "Hats off", "author": {"id": "a2", "name": "Bob"}}],
                "tags": [{"id": "00000000-0000-0000-0000-00000000000a", "label": "summer"}],
                "inventory_item_link": {"quantity": 5, "product_id": "p2", "inventory_item_id": "inv_2"}},
               {"id": "p4", "post": [{"id": "b5", "title": "Belts", "author": {"id": "a1", "name": "Ann"}}],
                "tags": [{"id": "00000000-0000-0000-0000-00000000000b", "label": "winter"}]}],
      "metadata": {"skip": 0, "take": null, "count": 2}}');
-- TRUNCATE of a linkable table empties its links' tables.
TRUNCATE cms.tag;
SELECT pg_temp.check(NOT EXISTS (SELECT FROM product_product_cms_tag));
-- The event triggers: no child of a linkable table; a dropped linkable table takes its link rows
-- along, and created again it gets the cascade triggers back.
DO \$\$ BEGIN
  CREATE TABLE blog.post_child () INHERITS (blog.post);
  RAISE EXCEPTION 'a linkable table got a child';
EXCEPTION WHEN feature_not_supported THEN NULL; END \$\$;
INSERT INTO cms.tag VALUES ('00000000-0000-0000-0000-00000000000d', 'new');
SELECT pg_temp.check(jsonb_array_length(link_create('{"product": {"product_id": "p2"}, "cms": {"tag_id": "00000000-0000-0000-0000-00000000000d"}}')) = 1);
DROP TABLE cms.tag;
SELECT pg_temp.check(NOT EXISTS (SELECT FROM product_product_cms_tag));
CREATE TABLE cms.tag (id uuid PRIMARY KEY, label text);
SELECT pg_temp.check((SELECT count(*) FROM pg_trigger WHERE tgrelid = 'cms.tag'::regclass AND tgname LIKE 'link_module_%') = 3);
SELECT pg_temp.check(NOT EXISTS (SELECT FROM link_check()));
-- The removal notes stay the extension's own (pg_upgrade restores their owner-only ACL as the default one).
CREATE ROLE lm_pgup_app;
SELECT pg_temp.check(NOT has_table_privilege('lm_pgup_app', 'link_module.removals', 'SELECT')
   AND has_table_privilege('lm_pgup_app', 'link_module.link_registry', 'SELECT'));
SQL

# The upgraded extension's objects are those a fresh install makes on the new version.
psql_new -d postgres -c "CREATE DATABASE ${DB}_fresh"
psql_new -d "${DB}_fresh" -c "CREATE EXTENSION link_module"
psql_new -d "$DB" -f "$ROOT/test/shell/catalog_fingerprint.sql" >"$build/upgraded.txt"
psql_new -d "${DB}_fresh" -f "$ROOT/test/shell/catalog_fingerprint.sql" >"$build/fresh.txt"
if ! diff -u "$build/fresh.txt" "$build/upgraded.txt"; then
	echo "pg_upgrade: the upgraded extension differs from a fresh install (above: - fresh, + upgraded)"
	exit 1
fi
echo "objects: $(wc -l <"$build/fresh.txt") lines, identical to a fresh CREATE EXTENSION"
echo "pg_upgrade: ok"
