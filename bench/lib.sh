# Shared by the benchmark scripts: a fresh database, psql into it, timing, medians, and the
# results (bench/results.json). A script that sets DB before sourcing gets that database fresh.
export PGOPTIONS="-c client_min_messages=warning"
run() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
fresh_database() { DB=$1; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"; }
drop_database() { psql -X -q -d postgres -c "DROP DATABASE $DB"; }
[ -n "${DB:-}" ] && fresh_database "$DB"

declare -A best
# keep NAME VALUE: best[NAME] becomes the smallest VALUE seen.
keep() { local k=$1 v=$2; if [ -z "${best[$k]:-}" ] || awk "BEGIN{exit !($v < ${best[$k]})}"; then best[$k]=$v; fi; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }

# Milliseconds of one statement (psql's \timing), after the setup statements given before it.
time_ms() {
	local args=()
	while [ $# -gt 1 ]; do args+=(-c "$1"); shift; done
	run -c "SET link_module.notify = off" "${args[@]}" -c '\timing on' -c "$1" | sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p' | tail -1
}

# sample NAME VALUE: one more run of NAME; median NAME: the median of its runs.
declare -A samples
sample() { samples[$1]="${samples[$1]:-} $2"; }
median() { tr ' ' '\n' <<<"${samples[$1]}" | grep . | sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
runs() { tr ' ' '\n' <<<"${samples[$1]}" | grep -c .; }

# report CASE OURS BASELINE: prints the medians of the samples OURS and BASELINE and keeps the row.
RESULTS=()
report() {
	local o b n
	o=$(median "$2"); b=$(median "$3"); n=$(runs "$2")
	printf '%-66s %10.2f %10.2f %6sx\n' "$1" "$o" "$b" "$(ratio "$o" "$b")"
	RESULTS+=("$(printf '{"case": "%s", "ours_ms": %s, "baseline_ms": %s, "ratio": %s, "runs": %s}' "$1" "$o" "$b" "$(ratio "$o" "$b")" "$n")")
}
write_results() {
	local IFS=,
	printf '[%s]\n' "${RESULTS[*]}" | sed 's/},{/},\n {/g' >"$1"
}

# The cascade benchmarks' shape: N products with three links each (to a post, a tag and a
# brand, the brand with deleteCascade) under link_module (schema casc), and the same shape with
# native FOREIGN KEY ... ON DELETE CASCADE (schema fk: join tables for posts and tags, brands
# referencing their product).
cascade_schema() {
	run <<'SQL' >/dev/null
CREATE SCHEMA casc;
CREATE TABLE casc.item (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE casc.article (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE casc.label (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE casc.maker (id text PRIMARY KEY, deleted_at timestamptz);
SELECT define_link('casc.item', '{"linkable": "casc.article", "isList": true}') IS NOT NULL;
SELECT define_link('casc.item', '{"linkable": "casc.label", "isList": true}') IS NOT NULL;
SELECT define_link('casc.item', '{"linkable": "casc.maker", "deleteCascade": true}') IS NOT NULL;
CREATE SCHEMA fk;
CREATE TABLE fk.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE fk.post (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE fk.tag (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE fk.brand (id text PRIMARY KEY, product_id text UNIQUE REFERENCES fk.product ON DELETE CASCADE, deleted_at timestamptz);
CREATE TABLE fk.product_post (product_id text REFERENCES fk.product ON DELETE CASCADE, post_id text REFERENCES fk.post, PRIMARY KEY (product_id, post_id));
CREATE TABLE fk.product_tag (product_id text REFERENCES fk.product ON DELETE CASCADE, tag_id text REFERENCES fk.tag, PRIMARY KEY (product_id, tag_id));
SQL
}
# Fills both shapes with N products (empty tables expected).
cascade_fill() {
	run -v n="$1" <<'SQL' >/dev/null
INSERT INTO casc.item SELECT 'p' || i FROM generate_series(1, :n) i;
INSERT INTO casc.article SELECT 'b' || i FROM generate_series(1, :n) i;
INSERT INTO casc.label SELECT 't' || i FROM generate_series(1, :n) i;
INSERT INTO casc.maker SELECT 'r' || i FROM generate_series(1, :n) i;
INSERT INTO casc_item_casc_article (item_id, article_id, id) SELECT 'p' || i, 'b' || i, 'l' || i FROM generate_series(1, :n) i;
INSERT INTO casc_item_casc_label (item_id, label_id, id) SELECT 'p' || i, 't' || i, 'l' || i FROM generate_series(1, :n) i;
INSERT INTO casc_item_casc_maker (item_id, maker_id, id) SELECT 'p' || i, 'r' || i, 'l' || i FROM generate_series(1, :n) i;
INSERT INTO fk.product SELECT 'p' || i FROM generate_series(1, :n) i;
INSERT INTO fk.post SELECT 'b' || i FROM generate_series(1, :n) i;
INSERT INTO fk.tag SELECT 't' || i FROM generate_series(1, :n) i;
INSERT INTO fk.brand SELECT 'r' || i, 'p' || i FROM generate_series(1, :n) i;
INSERT INTO fk.product_post SELECT 'p' || i, 'b' || i FROM generate_series(1, :n) i;
INSERT INTO fk.product_tag SELECT 'p' || i, 't' || i FROM generate_series(1, :n) i;
VACUUM ANALYZE;
SQL
}

# product_post SCHEMA N: link_module in the database, two modules' tables SCHEMA.product and
# SCHEMA.post of N rows each (ids prod_i, post_i), and a many-to-many link between them: the
# shape of the link_create, link_list and single-call cases.
product_post() {
	run -v s="$1" -v n="$2" <<'SQL' >/dev/null
CREATE EXTENSION link_module;
CREATE SCHEMA :"s";
CREATE TABLE :"s".product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE :"s".post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO :"s".product SELECT 'prod_' || i FROM generate_series(1, :n) i;
INSERT INTO :"s".post SELECT 'post_' || i FROM generate_series(1, :n) i;
SELECT define_link(jsonb_build_object('linkable', :'s' || '.product', 'isList', true)::text,
                   jsonb_build_object('linkable', :'s' || '.post', 'isList', true)::text) IS NOT NULL;
SQL
}
