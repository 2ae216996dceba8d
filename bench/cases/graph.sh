# query_graph against the hand-written single statement that returns the same JSON (checked:
# "same JSON" below), over N products, each linked to a post (one-to-one, with link metadata),
# each post to an author (an author has many posts). Each figure is milliseconds per call of a
# PL/pgSQL loop of CALLS calls inside the server (plans cached on both sides).
fresh_database lm_bench_graph
run -v n="$N" <<'SQL' >/dev/null
CREATE EXTENSION link_module;
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, title text, price integer, created_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE INDEX ON product.product (created_at);
CREATE TABLE blog.post (id text PRIMARY KEY, title text, body text, deleted_at timestamptz);
CREATE TABLE blog.author (id text PRIMARY KEY, name text, deleted_at timestamptz);
INSERT INTO product.product SELECT 'prod_' || i, 'Product ' || i, i * 7919 % 100003, timestamptz '2026-01-01' + i * interval '1 second'
FROM generate_series(1, :n) i;
INSERT INTO blog.post SELECT 'post_' || i, 'Post ' || i, repeat('x', 200) FROM generate_series(1, :n) i;
INSERT INTO blog.author SELECT 'auth_' || i, 'Author ' || i FROM generate_series(1, greatest(:n / 100, 1)) i;
SELECT define_link('product.product', 'blog.post',
       '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}') IS NOT NULL;
SELECT define_link('blog.author', '{"linkable": "blog.post", "isList": true}') IS NOT NULL;
SET link_module.notify = off;
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object(
  'product', jsonb_build_object('product_id', 'prod_' || i), 'blog', jsonb_build_object('post_id', 'post_' || i),
  'data', jsonb_build_object('metadata', jsonb_build_object('rank', i)))) FROM generate_series(1, :n) i)));
SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object(
  'blog', jsonb_build_object('author_id', 'auth_' || (i % greatest(:n / 100, 1) + 1), 'post_id', 'post_' || i)))
  FROM generate_series(1, :n) i)));
VACUUM ANALYZE;
SQL
CALLS=${CALLS:-50}
# The hand-written statements read the link tables as Medusa's query would join them.
LINK="product_product_blog_post"
AUTHOR="blog_author_blog_post"
declare -A OURS HAND
OURS[page]='{"entity": "product", "fields": ["id", "title", "post.*", "post_link.metadata"], "pagination": {"skip": 5000, "take": 20, "order": {"price": "ASC"}}}'
HAND[page]="SELECT jsonb_build_object('data', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id, 'title', p.title)
    || coalesce((SELECT jsonb_build_object('post', to_jsonb(b), 'post_link', jsonb_build_object('product_id', l.product_id, 'post_id', l.post_id, 'metadata', l.metadata))
                 FROM $LINK l JOIN blog.post b ON b.id = l.post_id AND b.deleted_at IS NULL
                 WHERE l.product_id = p.id AND l.deleted_at IS NULL), '{}') ORDER BY p.price, p.id)
  FROM (SELECT id, title, price FROM product.product WHERE deleted_at IS NULL ORDER BY price, id OFFSET 5000 LIMIT 20) p), '[]'),
  'metadata', jsonb_build_object('skip', 5000, 'take', 20, 'count', (SELECT count(*) FROM product.product WHERE deleted_at IS NULL)))"
OURS[linked_filter]='{"entity": "product", "fields": ["id", "title", "post.title"], "filters": {"post": {"title": "Post 777"}}}'
HAND[linked_filter]="SELECT jsonb_build_object('data', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id, 'title', p.title, 'post', jsonb_build_object('id', b.id, 'title', b.title)))
  FROM product.product p JOIN $LINK l ON l.product_id = p.id AND l.deleted_at IS NULL
  JOIN blog.post b ON b.id = l.post_id AND b.deleted_at IS NULL AND b.title = 'Post 777' WHERE p.deleted_at IS NULL), '[]'))"
OURS[linked_order]='{"entity": "product", "fields": ["id", "post.title"], "pagination": {"take": 20, "order": {"post": {"title": "DESC"}}}}'
HAND[linked_order]="SELECT jsonb_build_object('data', coalesce((SELECT jsonb_agg(jsonb_build_object('id', x.id, 'post', jsonb_build_object('id', x.post_id, 'title', x.title)) ORDER BY x.title DESC, x.id)
  FROM (SELECT p.id, b.id AS post_id, b.title FROM product.product p LEFT JOIN ($LINK l
        JOIN blog.post b ON b.id = l.post_id AND b.deleted_at IS NULL) ON l.product_id = p.id AND l.deleted_at IS NULL
        WHERE p.deleted_at IS NULL ORDER BY b.title DESC NULLS FIRST, p.id LIMIT 20) x), '[]'),
  'metadata', jsonb_build_object('skip', 0, 'take', 20, 'count', (SELECT count(*) FROM product.product WHERE deleted_at IS NULL)))"
OURS[two_hop]='{"entity": "product", "fields": ["id", "post.title", "post.author.name"], "pagination": {"take": 20, "order": {"created_at": "DESC"}}}'
HAND[two_hop]="SELECT jsonb_build_object('data', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id)
    || coalesce((SELECT jsonb_build_object('post', jsonb_build_object('id', b.id, 'title', b.title)
                   || coalesce((SELECT jsonb_build_object('author', jsonb_build_object('id', a.id, 'name', a.name))
                                FROM $AUTHOR la JOIN blog.author a ON a.id = la.author_id AND a.deleted_at IS NULL
                                WHERE la.post_id = b.id AND la.deleted_at IS NULL), '{}'))
                 FROM $LINK l JOIN blog.post b ON b.id = l.post_id AND b.deleted_at IS NULL
                 WHERE l.product_id = p.id AND l.deleted_at IS NULL), '{}') ORDER BY p.created_at DESC, p.id)
  FROM (SELECT id, created_at FROM product.product WHERE deleted_at IS NULL ORDER BY created_at DESC, id LIMIT 20) p), '[]'),
  'metadata', jsonb_build_object('skip', 0, 'take', 20, 'count', (SELECT count(*) FROM product.product WHERE deleted_at IS NULL)))"
# Milliseconds per call of a statement run CALLS times in one DO block (after 3 warm-up calls).
per_call() {
	run -c "DO \$\$ DECLARE t timestamptz; BEGIN
	  FOR i IN 1..3 LOOP PERFORM ($1); END LOOP;
	  t := clock_timestamp();
	  FOR i IN 1..$CALLS LOOP PERFORM ($1); END LOOP;
	  RAISE WARNING '%', extract(epoch FROM clock_timestamp() - t) * 1000 / $CALLS;
	END \$\$" 2>&1 | sed -nE 's/^WARNING: +([0-9.]+).*/\1/p'
}
for name in page linked_filter linked_order two_hop; do
	ours="SELECT query_graph('${OURS[$name]}')"
	same=$(run -c "SELECT ($ours) = (${HAND[$name]})")
	for t in $(seq 1 "$TRIALS"); do
		sample "graph-ours-$name" "$(per_call "$ours")"
		sample "graph-hand-$name" "$(per_call "${HAND[$name]}")"
	done
	report "query_graph $name (same JSON: $same)" "graph-ours-$name" "graph-hand-$name"
done
drop_database
