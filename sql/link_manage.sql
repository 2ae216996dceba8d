-- link_dismiss, link_update and link_list.
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY);
CREATE TABLE blog.post (id text PRIMARY KEY);
CREATE TABLE blog.note (id text PRIMARY KEY);
INSERT INTO product.product SELECT 'p' || i FROM generate_series(1, 4) i;
INSERT INTO blog.post SELECT 'b' || i FROM generate_series(1, 4) i;
INSERT INTO blog.note SELECT 'n' || i FROM generate_series(1, 4) i;
SELECT define_link('product.product', 'blog.post', '{"database": {"extraColumns": {
  "metadata": {"type": "json", "nullable": true}, "rank": {"type": "integer", "defaultValue": 0}}}}') ->> 'entryPoint';
SELECT define_link('{"linkable": "product.product", "isList": true}', '{"linkable": "blog.note", "isList": true}') ->> 'entryPoint';
SELECT jsonb_array_length(link_create('[
  {"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"id": "l1", "metadata": {"k": 1}}},
  {"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}, "data": {"id": "l2", "rank": 2}},
  {"product": {"product_id": "p3"}, "blog": {"post_id": "b3"}, "data": {"id": "l3"}},
  {"product": {"product_id": "p1"}, "blog": {"note_id": "n1"}, "data": {"id": "ln1"}},
  {"product": {"product_id": "p1"}, "blog": {"note_id": "n2"}, "data": {"id": "ln2"}},
  {"product": {"product_id": "p2"}, "blog": {"note_id": "n1"}, "data": {"id": "ln3"}}]')) AS created;

-- link_dismiss soft-deletes and returns the rows it dismissed; data is ignored; either order.
SELECT r ->> 'id' AS id, r ->> 'deleted_at' IS NOT NULL AS dismissed, r -> 'updated_at' = r -> 'deleted_at' AS touched
FROM jsonb_array_elements(link_dismiss('[{"blog": {"post_id": "b1"}, "product": {"product_id": "p1"}, "data": {"x": 1}},
                                        {"product": {"product_id": "p1"}, "blog": {"note_id": "n2"}}]')) r;
-- Dismissing a missing or already dismissed pair returns [].
SELECT link_dismiss('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}}') AS again,
       link_dismiss('{"product": {"product_id": "p4"}, "blog": {"post_id": "b4"}}') AS missing;

-- link_update changes the given extra columns of active links only.
SELECT r ->> 'id' AS id, r -> 'metadata' AS metadata, r -> 'rank' AS rank
FROM jsonb_array_elements(link_update('[{"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}, "data": {"metadata": {"u": true}}},
                                       {"product": {"product_id": "p3"}, "blog": {"post_id": "b3"}, "data": {"rank": 30}}]')) r;
-- Any pair without an active link fails the whole call (Medusa's message, P0002).
SELECT link_update('[{"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}, "data": {"rank": 99}},
                     {"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"rank": 5}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT link_update('{"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}, "data": {"rank": "x"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT product_id, rank FROM product_product_blog_post WHERE product_id = 'p2';

-- link_list: rows of active links, or Medusa link definitions; ids may be arrays.
SELECT r ->> 'id' AS id, r ->> 'product_id' AS product_id, r ->> 'post_id' AS post_id
FROM jsonb_array_elements(link_list('{"product": {"product_id": ["p1", "p2", "p3"]}, "blog": {"post_id": ["b1", "b2", "b3"]}}')) r;
SELECT jsonb_pretty(link_list('[{"blog": {"post_id": "b2"}, "product": {"product_id": "p2"}}]', '{"asLinkDefinition": true}'));
SELECT link_list('{"product": {"product_id": "p1"}, "blog": {"note_id": ["n1", "n2"]}}', '{"asLinkDefinition": true}');
-- An empty id array lists nothing (as Medusa), in one entry of several too.
SELECT link_list('{"product": {"product_id": []}, "blog": {"post_id": ["b1", "b2"]}}') AS empty_left,
       link_list('{"product": {"product_id": ["p1"]}, "blog": {"post_id": []}}') AS empty_right;
SELECT jsonb_array_length(link_list('[{"product": {"product_id": []}, "blog": {"post_id": "b1"}},
                                      {"product": {"product_id": "p2"}, "blog": {"post_id": "b2"}}]')) AS second_entry_only;
SELECT r ->> 'id' AS id, r ->> 'deleted_at' IS NOT NULL AS dismissed
FROM jsonb_array_elements(link_list('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}}', '{"withDeleted": true}')) r;
SELECT link_list('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}}') AS hidden;
SELECT link_list('[]') AS empty;
SELECT link_list('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}}', '{"withDeleted": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_list('{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}}', '{"asDefinition": true}');
\echo :LAST_ERROR_SQLSTATE

-- A dismissed link is revived by link_create, and link_list sees it again.
SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"note_id": "n2"}}') -> 0 ->> 'id' AS revived;
SELECT count(*) AS notes_of_p1 FROM jsonb_array_elements(link_list('{"product": {"product_id": "p1"}, "blog": {"note_id": ["n1", "n2", "n3"]}}'));

-- link_list with one side's key alone lists every link of those records (of the link that key
-- belongs to; "link" chooses when several links use it), in the order asked, each row once.
SELECT string_agg((r ->> 'product_id') || '-' || coalesce(r ->> 'note_id', r ->> 'post_id'), ' ') AS all_notes_of_p1
FROM jsonb_array_elements(link_list('{"product": {"product_id": "p1"}, "link": "product_note"}')) r;
SELECT string_agg((r ->> 'product_id') || '-' || (r ->> 'note_id'), ' ') AS links_of_n1_n2
FROM jsonb_array_elements(link_list('[{"blog": {"note_id": ["n2", "n1"]}}, {"product": {"product_id": "p1"}, "blog": {"note_id": "n1"}}]')) r;
SELECT string_agg((r ->> 'product_id') || '-' || (r ->> 'post_id'), ' ') AS with_dismissed
FROM jsonb_array_elements(link_list('{"blog": {"post_id": ["b1", "b2"]}}', '{"withDeleted": true}')) r;
SELECT link_list('{"product": {"product_id": "p1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_list('{"product": {"nope_id": "p1"}}');
\echo :LAST_ERROR_SQLSTATE
-- Only link_list takes one side.
SELECT link_dismiss('{"blog": {"note_id": "n1"}}');
\echo :LAST_ERROR_SQLSTATE

SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA product, blog CASCADE;

-- Ids of numeric keys may be JSON numbers, as link rows return them: rows read back can be
-- fed back. Elsewhere ids are strings.
CREATE SCHEMA cms;
CREATE TABLE cms.article (id bigint PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE cms.tag (id text PRIMARY KEY);
INSERT INTO cms.article VALUES (1), (2), (3);
INSERT INTO cms.tag VALUES ('t1'), ('t2');
SELECT define_link('{"linkable": "cms.article", "isList": true}', '{"linkable": "cms.tag", "isList": true}') ->> 'entryPoint';
CREATE TEMP TABLE created AS
SELECT link_create('[{"cms": {"article_id": 1, "tag_id": "t1"}}, {"cms": {"article_id": "2", "tag_id": "t1"}},
                     {"cms": {"article_id": 3, "tag_id": "t2"}}]') AS r;
SELECT e -> 'article_id' AS article_id, e ->> 'tag_id' AS tag_id FROM created, jsonb_array_elements(r) e;
SELECT count(*) AS listed FROM jsonb_array_elements(link_list('{"cms": {"article_id": [1, 2, 3], "tag_id": ["t1", "t2"]}}'));
SELECT jsonb_array_length(link_dismiss((SELECT jsonb_agg(jsonb_build_object('cms', jsonb_build_object('article_id', e -> 'article_id', 'tag_id', e -> 'tag_id')))
                                        FROM created, jsonb_array_elements(r) e WHERE e ->> 'tag_id' = 't1'))) AS dismissed_as_read;
SELECT link_create('{"cms": {"article_id": 1, "tag_id": 1}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_create('{"cms": {"article_id": 1.5, "tag_id": "t1"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT link_delete('{"cms": {"article_id": [3]}}') AS deleted;
SELECT link_restore('{"cms": {"article_id": 3}}') AS restored;
SELECT link_delete('{"cms": {"tag_id": [1]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT drop_link(entry_point, true) FROM link_module.links;
DELETE FROM link_module.linkable_registry;
DROP SCHEMA cms CASCADE;
