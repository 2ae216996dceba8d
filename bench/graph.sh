#!/usr/bin/env bash
# query_graph against the best hand-written single statement for the same JSON, in the same
# run, default server settings: a page of 20 products (newest first) with their post and the
# link metadata, out of N products (each linked to one post). Each figure is the best of
# TRIALS loops of CALLS calls inside the server (plans cached on both sides).
# Needs a server with link_module installed (PGHOST/PGPORT/PGUSER).
# Usage: bench/graph.sh [N] [TRIALS] [CALLS]
set -euo pipefail
N=${1:-200000}
TRIALS=${2:-5}
CALLS=${3:-200}
DB=link_module_bench_graph
source "$(dirname "$0")/lib.sh"

run -v n="$N" <<'SQL' >/dev/null
CREATE EXTENSION link_module;
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, title text, created_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE INDEX ON product.product (created_at);
CREATE TABLE blog.post (id text PRIMARY KEY, title text, body text, deleted_at timestamptz);
INSERT INTO product.product SELECT 'prod_' || i, 'Product ' || i, timestamptz '2026-01-01' + i * interval '1 second'
FROM generate_series(1, :n) i;
INSERT INTO blog.post SELECT 'post_' || i, 'Post ' || i, repeat('x', 200) FROM generate_series(1, :n) i;
SELECT define_link('product.product', 'blog.post',
       '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') IS NOT NULL;
SET link_module.notify = off;
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object(
  'product', jsonb_build_object('product_id', 'prod_' || i), 'blog', jsonb_build_object('post_id', 'post_' || i),
  'data', jsonb_build_object('metadata', jsonb_build_object('rank', i)))) FROM generate_series(1, :n) i)));
VACUUM ANALYZE;
SQL

OURS="PERFORM query_graph('{\"entity\": \"product\", \"fields\": [\"id\", \"title\", \"post.*\", \"post_link.metadata\"],
  \"pagination\": {\"skip\": 0, \"take\": 20, \"order\": {\"created_at\": \"DESC\"}}}')"
HAND="PERFORM jsonb_build_object('data', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id, 'title', p.title)
    || coalesce((SELECT jsonb_build_object('post', to_jsonb(b), 'post_link', jsonb_build_object('metadata', l.metadata))
                 FROM product_product_blog_post l JOIN blog.post b ON b.id = l.post_id AND b.deleted_at IS NULL
                 WHERE l.product_id = p.id AND l.deleted_at IS NULL), '{}')
    ORDER BY p.created_at DESC, p.id)
  FROM (SELECT id, title, created_at FROM product.product WHERE deleted_at IS NULL
        ORDER BY created_at DESC, id LIMIT 20) p), '[]'),
  'metadata', jsonb_build_object('skip', 0, 'take', 20,
                                 'count', (SELECT count(*) FROM product.product WHERE deleted_at IS NULL)))"

# Milliseconds per call of a PL/pgSQL statement run CALLS times in one DO block.
per_call() {
	run -c "DO \$\$ DECLARE t timestamptz; BEGIN
	  FOR i IN 1..3 LOOP $1; END LOOP;
	  t := clock_timestamp();
	  FOR i IN 1..$CALLS LOOP $1; END LOOP;
	  RAISE WARNING '%', extract(epoch FROM clock_timestamp() - t) * 1000 / $CALLS;
	END \$\$" 2>&1 | sed -nE 's/^WARNING: +([0-9.]+).*/\1/p'
}
# The same check both ways: the two statements give the same JSON.
same=$(run -c "SELECT query_graph('{\"entity\": \"product\", \"fields\": [\"id\", \"title\", \"post.*\", \"post_link.metadata\"],
  \"pagination\": {\"skip\": 0, \"take\": 20, \"order\": {\"created_at\": \"DESC\"}}}') = ${HAND#PERFORM }")

for t in $(seq 1 "$TRIALS"); do
	keep ours "$(per_call "$OURS")"
	keep hand "$(per_call "$HAND")"
done
echo "query_graph page of 20 products (post.*, post_link.metadata, count) out of $N vs hand-written statement (best of $TRIALS x $CALLS calls, ms per call; same JSON: $same)"
printf '%-46s %10s %10s %7s\n' case link_module hand-written ratio
printf '%-46s %10.3f %10.3f %7s\n' "page of 20 + count" "${best[ours]}" "${best[hand]}" \
	"$(ratio "${best[ours]}" "${best[hand]}")x"
drop_database
