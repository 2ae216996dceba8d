# Shared by the benchmark scripts: a fresh database $DB (set before sourcing), psql into it,
# and the best-of-trials bookkeeping.
export PGOPTIONS="-c client_min_messages=warning"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
run() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
drop_database() { psql -X -q -d postgres -c "DROP DATABASE $DB"; }

declare -A best
# keep NAME VALUE: best[NAME] becomes the smallest VALUE seen.
keep() { local k=$1 v=$2; if [ -z "${best[$k]:-}" ] || awk "BEGIN{exit !($v < ${best[$k]})}"; then best[$k]=$v; fi; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }

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
