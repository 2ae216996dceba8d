#!/usr/bin/env bash
# Peak backend memory of one big link_create: N one-to-one links (default 300,000) with a jsonb
# column and Medusa-length ids, in one call, with link_module.batch_size B (default 50,000).
# The backend's private memory (RssAnon in /proc/<pid>/status) is sampled every 20 ms; the
# peak above the backend's memory before the call is reported, with the call's time and the
# payload's size. Needs a server with link_module installed on this machine (PGHOST, PGPORT,
# PGUSER) and read access to its backends' /proc entries (root, or the server's user).
#   Usage: bench/memory_create.sh [N] [B]
set -euo pipefail
N=${1:-300000}
B=${2:-50000}
export PGOPTIONS="-c client_min_messages=warning"
DB=link_module_memory_create
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" <<SQL
CREATE EXTENSION link_module;
CREATE SCHEMA product; CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO product.product SELECT 'prod_01J' || lpad(i::text, 23, '0') FROM generate_series(1, $N) i;
INSERT INTO blog.post SELECT 'post_01J' || lpad(i::text, 23, '0') FROM generate_series(1, $N) i;
ANALYZE product.product, blog.post;
SELECT define_link('product.product', 'blog.post', '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') IS NULL;
CREATE TABLE payload AS SELECT jsonb_agg(jsonb_build_object(
  'product', jsonb_build_object('product_id', 'prod_01J' || lpad(i::text, 23, '0')),
  'blog', jsonb_build_object('post_id', 'post_01J' || lpad(i::text, 23, '0')),
  'data', jsonb_build_object('metadata', jsonb_build_object('k', i)))) p FROM generate_series(1, $N) i;
SQL
payload_mb=$(psql -X -q -At -d "$DB" -c "SELECT length(p::text) / 1048576 FROM payload")
mkfifo "$work/in"
psql -X -q -At -d "$DB" <"$work/in" >"$work/out" 2>&1 &
exec 3>"$work/in"
echo "SELECT pg_backend_pid();" >&3
until [ -s "$work/out" ]; do sleep 0.05; done
pid=$(head -1 "$work/out")
base=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status")
echo "SET link_module.notify = off; SET link_module.batch_size = $B; \\timing on
SELECT jsonb_array_length(link_create((SELECT p FROM payload))) AS links; \\timing off
SELECT 'done';" >&3
peak=0
while ! grep -q '^done' "$work/out"; do
	kb=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
	[ "${kb:-0}" -gt "$peak" ] && peak=$kb
	sleep 0.02
done
exec 3>&-
wait
links=$(sed -n 2p "$work/out")
ms=$(sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p' "$work/out" | head -1)
grep -q ERROR "$work/out" && grep ERROR "$work/out"
echo "link_create of $links links (payload $payload_mb MB as text), batch_size $B: ${ms} ms, peak $(( (peak - base) / 1024 )) MB above the backend's start"
psql -X -q -d postgres -c "DROP DATABASE $DB"
