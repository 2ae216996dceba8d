# link_list of N pairs in one call vs the hand-written statement: the same JSON payload's pairs
# joined to the link table's active rows by its primary key, returned as jsonb in the order
# asked. Two shapes: N distinct pairs, and N pairs of one product that has N links (a record
# with many links asked with each of them).
fresh_database lm_bench_list
product_post bench "$N"
run -v n="$N" <<'SQL' >/dev/null
CREATE TABLE bench.payload (name text PRIMARY KEY, links jsonb);
INSERT INTO bench.payload SELECT 'distinct', jsonb_agg(jsonb_build_object('bench', jsonb_build_object(
  'product_id', 'prod_' || i, 'post_id', 'post_' || i))) FROM generate_series(1, :n) i;
INSERT INTO bench.payload SELECT 'one-product', jsonb_agg(jsonb_build_object('bench', jsonb_build_object(
  'product_id', 'prod_1', 'post_id', 'post_' || i))) FROM generate_series(1, :n) i;
SET link_module.notify = off;
SELECT jsonb_array_length(link_create(links)) FROM bench.payload;
VACUUM ANALYZE;
SQL
list_ours() { echo "SELECT jsonb_array_length(link_list(links)) FROM bench.payload WHERE name = '$1'"; }
list_sql() {
	cat <<SQL
SELECT jsonb_array_length(jsonb_agg(to_jsonb(t) ORDER BY x.ord))
FROM bench.payload, jsonb_array_elements(links) WITH ORDINALITY AS x(e, ord)
JOIN bench_product_bench_post t ON t.product_id = x.e->'bench'->>'product_id' AND t.post_id = x.e->'bench'->>'post_id'
WHERE name = '$1' AND t.deleted_at IS NULL
SQL
}
for name in distinct one-product; do
	for t in $(seq 1 "$TRIALS"); do
		sample "list-ours-$name" "$(time_ms "$(list_ours "$name")")"
		sample "list-sql-$name" "$(time_ms "$(list_sql "$name")")"
	done
	report "link_list $N pairs ($name) vs hand-written join" "list-ours-$name" "list-sql-$name"
done
drop_database
