# One link_create per transaction from 1 and from 8 clients (pgbench, prepared, SECONDS each),
# many-to-many links between random pairs of N products and N posts, against a prepared
# single-row INSERT ... ON CONFLICT into a join table with real foreign keys to the same tables.
# Reported as milliseconds per transaction over all clients (1000 / tps): ours / baseline is
# the inverse of the throughput ratio. link_module.notify is off (NOTIFY serializes commits;
# its cost is the events', reported by the last row).
PGBENCH=${PGBENCH:-$(command -v pgbench || echo /usr/lib/postgresql/15/bin/pgbench)}
SECONDS_EACH=${SECONDS_EACH:-10}
fresh_database lm_bench_single
product_post s "$N"
run -v n="$N" <<'SQL' >/dev/null
CREATE TABLE s.fk_link (product_id text NOT NULL REFERENCES s.product, post_id text NOT NULL REFERENCES s.post,
  id text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz, PRIMARY KEY (product_id, post_id));
VACUUM ANALYZE;
SQL
work=$(mktemp -d)
cat >"$work/ours.sql" <<EOF2
\set a random(1, $N)
\set b random(1, $N)
SELECT link_create(jsonb_build_object('s', jsonb_build_object('product_id', 'prod_' || :a, 'post_id', 'post_' || :b)));
EOF2
cat >"$work/base.sql" <<EOF2
\set a random(1, $N)
\set b random(1, $N)
INSERT INTO s.fk_link (product_id, post_id, id) VALUES ('prod_' || :a, 'post_' || :b, 'link_' || :a || '_' || :b)
ON CONFLICT (product_id, post_id) DO UPDATE SET deleted_at = NULL, updated_at = now();
EOF2
# Milliseconds per transaction over all clients of a pgbench run.
per_txn() {
	local clients=$1 script=$2 notify=${3:-off} tps
	tps=$(PGOPTIONS="$PGOPTIONS -c link_module.notify=$notify" "$PGBENCH" -n -M prepared -c "$clients" -j "$clients" \
	      -T "$SECONDS_EACH" -f "$script" "$DB" 2>&1 | sed -nE 's/^tps = ([0-9.]+).*/\1/p')
	awk "BEGIN{printf \"%.4f\", 1000 / $tps}"
}
for t in $(seq 1 "$TRIALS"); do
	for c in 1 8; do
		sample "single-base-$c" "$(per_txn "$c" "$work/base.sql")"
		sample "single-ours-$c" "$(per_txn "$c" "$work/ours.sql")"
	done
	sample "single-notify-8" "$(per_txn 8 "$work/ours.sql" on)"
done
report "one link_create per transaction, 1 client vs FK INSERT" single-ours-1 single-base-1
report "one link_create per transaction, 8 clients vs FK INSERT" single-ours-8 single-base-8
report "one link_create per transaction, 8 clients, notify on vs off" single-notify-8 single-ours-8
rm -rf "$work"
drop_database
