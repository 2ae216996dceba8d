# link_create of N links in one call. Baselines, from the same JSON payload into the same table:
# "checked" joins each entry to both tables' live rows FOR KEY SHARE (the records exist, are
# live, and stay so until commit) and returns the written rows as jsonb, as link_create does;
# "plain" inserts the pairs and checks and returns nothing. A many-to-many link, and a
# one-to-one link with a jsonb column (extra unique indexes, the data read from the payload).
fresh_database lm_bench_create
product_post bench "$N"
run -v n="$N" <<'SQL' >/dev/null
CREATE TABLE bench.item (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE bench.note (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO bench.item SELECT 'item_' || i FROM generate_series(1, :n) i;
INSERT INTO bench.note SELECT 'note_' || i FROM generate_series(1, :n) i;
SELECT define_link('bench.item', 'bench.note', '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') IS NOT NULL;
CREATE TABLE bench.payload (name text PRIMARY KEY, links jsonb);
INSERT INTO bench.payload SELECT 'n-m', jsonb_agg(jsonb_build_object('bench', jsonb_build_object(
  'product_id', 'prod_' || i, 'post_id', 'post_' || (i * 7919 % :n + 1)))) FROM generate_series(1, :n) i;
INSERT INTO bench.payload SELECT '1-1', jsonb_agg(jsonb_build_object('bench', jsonb_build_object(
  'item_id', 'item_' || i, 'note_id', 'note_' || i), 'data', jsonb_build_object('metadata', jsonb_build_object('rank', i))))
FROM generate_series(1, :n) i;
VACUUM ANALYZE;
SQL
create_ours() { echo "SELECT jsonb_array_length(link_create(links)) FROM bench.payload WHERE name = '$1'"; }
# $1 payload, $2 table, $3 left key/table, $4 right key/table, $5 extra column ('' or metadata)
create_checked() {
	local extra_col="" extra_val="" extra_set=""
	[ -n "$5" ] && extra_col=", $5" extra_val=", e->'data'->'$5'" extra_set=", $5 = excluded.$5"
	cat <<SQL
WITH input AS (SELECT e->'bench'->>'${3}_id' AS l, e->'bench'->>'${4}_id' AS r, e, ord
               FROM bench.payload, jsonb_array_elements(links) WITH ORDINALITY AS x(e, ord) WHERE name = '$1'),
     lk AS (SELECT x.id FROM bench.$3 x WHERE x.id IN (SELECT l FROM input) AND x.deleted_at IS NULL FOR KEY SHARE),
     rk AS (SELECT x.id FROM bench.$4 x WHERE x.id IN (SELECT r FROM input) AND x.deleted_at IS NULL FOR KEY SHARE),
     w AS (INSERT INTO $2 AS t (${3}_id, ${4}_id, id$extra_col)
           SELECT i.l, i.r, 'link_' || md5(i.l || i.r)$extra_val FROM input i JOIN lk ON lk.id = i.l JOIN rk ON rk.id = i.r ORDER BY i.ord
           ON CONFLICT (${3}_id, ${4}_id) DO UPDATE SET deleted_at = NULL, updated_at = now()$extra_set RETURNING t.*)
SELECT jsonb_array_length(jsonb_agg(to_jsonb(w))) FROM w
SQL
}
create_plain() {
	local extra_col="" extra_val=""
	[ -n "$5" ] && extra_col=", $5" extra_val=", e->'data'->'$5'"
	echo "INSERT INTO $2 (${3}_id, ${4}_id, id$extra_col) SELECT e->'bench'->>'${3}_id', e->'bench'->>'${4}_id',
	      'link_' || md5((e->'bench'->>'${3}_id') || (e->'bench'->>'${4}_id'))$extra_val
	      FROM bench.payload, jsonb_array_elements(links) e WHERE name = '$1' ON CONFLICT DO NOTHING"
}
for shape in "n-m bench_product_bench_post product post" "1-1 bench_item_bench_note item note metadata"; do
	read -r name table left right extra <<<"$shape"
	reset="TRUNCATE $table"
	for t in $(seq 1 "$TRIALS"); do
		sample "create-ours-$name" "$(time_ms "$reset" "VACUUM $table" "$(create_ours "$name")")"
		sample "create-checked-$name" "$(time_ms "$reset" "VACUUM $table" "$(create_checked "$name" "$table" "$left" "$right" "${extra:-}")")"
		sample "create-plain-$name" "$(time_ms "$reset" "VACUUM $table" "$(create_plain "$name" "$table" "$left" "$right" "${extra:-}")")"
	done
	report "link_create $N $name links vs checked INSERT, rows returned" "create-ours-$name" "create-checked-$name"
	report "link_create $N $name links vs plain INSERT" "create-ours-$name" "create-plain-$name"
done
drop_database
