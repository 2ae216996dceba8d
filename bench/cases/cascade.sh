# Cascades over N products with three links each (a post, a tag, and a brand with
# deleteCascade; lib.sh's shape), each trial on freshly filled tables:
# - DELETE FROM product through link_module's triggers vs native FOREIGN KEY ... ON DELETE
#   CASCADE (join tables for posts and tags, brands referencing their product);
# - a two-level DELETE cascade (product -> brand -> logo, deleteCascade on both) vs foreign keys;
# - a soft delete (UPDATE product SET deleted_at = now()) through the triggers vs the
#   hand-written set-based UPDATEs of the same tables (a copy without link_module) in one statement.
fresh_database lm_bench_cascade
run -c "CREATE EXTENSION link_module" >/dev/null
cascade_schema
run <<'SQL' >/dev/null
CREATE SCHEMA lvl;
CREATE TABLE lvl.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE lvl.brand (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE lvl.logo (id text PRIMARY KEY, deleted_at timestamptz);
SELECT define_link('lvl.product', '{"linkable": "lvl.brand", "deleteCascade": true}') IS NOT NULL;
SELECT define_link('lvl.brand', '{"linkable": "lvl.logo", "deleteCascade": true}') IS NOT NULL;
CREATE SCHEMA fk2;
CREATE TABLE fk2.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE fk2.brand (id text PRIMARY KEY, product_id text UNIQUE REFERENCES fk2.product ON DELETE CASCADE, deleted_at timestamptz);
CREATE TABLE fk2.logo (id text PRIMARY KEY, brand_id text UNIQUE REFERENCES fk2.brand ON DELETE CASCADE, deleted_at timestamptz);
-- The soft-delete baseline's copy of the casc shape: the same tables and indexes, no link_module.
CREATE SCHEMA hand;
CREATE TABLE hand.item (LIKE casc.item INCLUDING ALL);
CREATE TABLE hand.maker (LIKE casc.maker INCLUDING ALL);
CREATE TABLE hand.item_article (LIKE casc_item_casc_article INCLUDING ALL);
CREATE TABLE hand.item_label (LIKE casc_item_casc_label INCLUDING ALL);
CREATE TABLE hand.item_maker (LIKE casc_item_casc_maker INCLUDING ALL);
SQL
refill() {
	run -c "TRUNCATE casc.item, casc.article, casc.label, casc.maker, casc_item_casc_article, casc_item_casc_label, casc_item_casc_maker" \
	    -c "TRUNCATE fk.product, fk.post, fk.tag, fk.brand, fk.product_post, fk.product_tag" \
	    -c "TRUNCATE lvl.product, lvl.brand, lvl.logo, lvl_product_lvl_brand, lvl_brand_lvl_logo, fk2.product, fk2.brand, fk2.logo" \
	    -c "TRUNCATE hand.item, hand.maker, hand.item_article, hand.item_label, hand.item_maker" >/dev/null
	cascade_fill "$N"
	run -v n="$N" <<'SQL' >/dev/null
INSERT INTO lvl.product SELECT 'p' || i FROM generate_series(1, :n) i;
INSERT INTO lvl.brand SELECT 'r' || i FROM generate_series(1, :n) i;
INSERT INTO lvl.logo SELECT 'g' || i FROM generate_series(1, :n) i;
INSERT INTO lvl_product_lvl_brand (product_id, brand_id, id) SELECT 'p' || i, 'r' || i, 'l' || i FROM generate_series(1, :n) i;
INSERT INTO lvl_brand_lvl_logo (brand_id, logo_id, id) SELECT 'r' || i, 'g' || i, 'l' || i FROM generate_series(1, :n) i;
INSERT INTO fk2.product SELECT 'p' || i FROM generate_series(1, :n) i;
INSERT INTO fk2.brand SELECT 'r' || i, 'p' || i FROM generate_series(1, :n) i;
INSERT INTO fk2.logo SELECT 'g' || i, 'r' || i FROM generate_series(1, :n) i;
INSERT INTO hand.item SELECT * FROM casc.item;
INSERT INTO hand.maker SELECT * FROM casc.maker;
INSERT INTO hand.item_article SELECT * FROM casc_item_casc_article;
INSERT INTO hand.item_label SELECT * FROM casc_item_casc_label;
INSERT INTO hand.item_maker SELECT * FROM casc_item_casc_maker;
VACUUM ANALYZE;
SQL
}
SOFT_HAND="WITH p AS (UPDATE hand.item SET deleted_at = now() WHERE deleted_at IS NULL RETURNING id),
  a AS (UPDATE hand.item_article t SET deleted_at = now(), updated_at = now() FROM p WHERE t.item_id = p.id AND t.deleted_at IS NULL),
  l AS (UPDATE hand.item_label t SET deleted_at = now(), updated_at = now() FROM p WHERE t.item_id = p.id AND t.deleted_at IS NULL),
  m AS (UPDATE hand.item_maker t SET deleted_at = now(), updated_at = now() FROM p WHERE t.item_id = p.id AND t.deleted_at IS NULL RETURNING t.maker_id),
  b AS (UPDATE hand.maker x SET deleted_at = now() FROM m WHERE x.id = m.maker_id AND x.deleted_at IS NULL)
SELECT count(*) FROM p"
for t in $(seq 1 "$TRIALS"); do
	refill
	sample delete-ours "$(time_ms "DELETE FROM casc.item")"
	sample delete-fk "$(time_ms "DELETE FROM fk.product")"
	sample delete2-ours "$(time_ms "DELETE FROM lvl.product")"
	sample delete2-fk "$(time_ms "DELETE FROM fk2.product")"
	refill
	sample soft-ours "$(time_ms "UPDATE casc.item SET deleted_at = now() WHERE deleted_at IS NULL")"
	sample soft-hand "$(time_ms "$SOFT_HAND")"
done
report "DELETE $N products, 3 links (1 deleteCascade) vs foreign keys" delete-ours delete-fk
report "DELETE $N products, product -> brand -> logo vs foreign keys" delete2-ours delete2-fk
report "soft delete $N products, 3 links vs hand-written UPDATEs" soft-ours soft-hand
drop_database
