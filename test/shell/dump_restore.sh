#!/usr/bin/env bash
# pg_dump keeps link definitions: dump a database with links, restore it into another, and
# check that the registry, the link tables and their rows came back, and that defining the
# same link again is a no-op. Needs PGHOST/PGPORT/PGUSER of a running server.
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

for db in lm_dump_src lm_dump_dst; do psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
psql_q -d lm_dump_src <<'SQL'
CREATE EXTENSION link_module;
CREATE SCHEMA catalog;
CREATE TABLE catalog.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE post (id uuid PRIMARY KEY);
SELECT register_linkable('product', 'product', 'catalog.product') IS NOT NULL;
SELECT define_link('product.product', '{"linkable": "public.post", "isList": true}',
       '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') IS NOT NULL;
INSERT INTO product_product_public_post (product_id, post_id, id, metadata)
VALUES ('prod_1', '00000000-0000-0000-0000-000000000001', 'link_1', '{"a": 1}');
SQL

pg_dump -d lm_dump_src | psql_q -d lm_dump_dst >/dev/null

summary="SELECT (SELECT string_agg(module || '.' || model || ':' || coalesce(relation::text, '-'), ',' ORDER BY module, model) FROM link_module.linkables)
          || ' | ' || (SELECT string_agg(service_name || ':' || link_table::text, ',') FROM link_module.links)
          || ' | ' || (SELECT count(*) FROM product_product_public_post)
          || ' | ' || (SELECT count(*) FROM pg_indexes WHERE tablename = 'product_product_public_post')"
src=$(psql_q -d lm_dump_src -c "$summary")
dst=$(psql_q -d lm_dump_dst -c "$summary")
echo "source:   $src"
echo "restored: $dst"
[ "$src" = "$dst" ] || { echo "restored registry differs"; exit 1; }

# The restored definition is live: defining the same link again changes nothing.
before=$(psql_q -d lm_dump_dst -c "SELECT xmin FROM link_module.link_registry")
psql_q -d lm_dump_dst -c "SELECT define_link('product.product', '{\"linkable\": \"public.post\", \"isList\": true}',
       '{\"database\": {\"extraColumns\": {\"metadata\": {\"type\": \"json\", \"nullable\": true}}}}') IS NOT NULL" >/dev/null
after=$(psql_q -d lm_dump_dst -c "SELECT xmin FROM link_module.link_registry")
[ "$before" = "$after" ] || { echo "define_link after restore was not a no-op"; exit 1; }

for db in lm_dump_src lm_dump_dst; do psql_q -d postgres -c "DROP DATABASE $db"; done
echo "dump_restore: ok"
