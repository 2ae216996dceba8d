// Medusa 2.21.2's own code (Link, the link modules, query, the modules' services) against a
// database whose link tables Medusa created and link_module then adopted: names, definitions,
// reads and writes must agree both ways, and Medusa's own operations must keep working with
// link_module's triggers in place. Needs a server with link_module installed:
// PGHOST (a socket directory or 127.0.0.1), PGPORT, PGUSER.
const test = require("node:test")
const assert = require("node:assert/strict")
const { Client } = require("pg")
const { boot, syncLinks, links } = require("./medusa")

const DATABASE = "lm_medusa_interop"
const port = process.env.PGPORT || "5432"
const user = process.env.PGUSER || "postgres"
const url = (database) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`

// The module tables as the modules' migrations create them (Medusa's DML: id text, timestamps).
const MODULE_TABLES = { product: "title", post: "title", tag: "value", author: "name", comment: "body" }
// link_module definitions of the links in links.js: the same sides and options.
const DEFINITIONS = {
  productPost: ["product.product", "blog.post", { database: { extraColumns: { metadata: { type: "json", nullable: true } } } }],
  productTag: ['{"linkable": "product.product", "isList": true}', '{"linkable": "blog.tag", "isList": true}', {}],
  productAuthor: ["product.product", '{"linkable": "blog.author", "deleteCascade": true}', {}],
  productComment: ["product.product", '{"linkable": "blog.comment", "isList": true}', {}],
}

let app, db
const ids = {}
const sql = async (text, params = []) => (await db.query(text, params)).rows
const one = async (text, params = []) => Object.values((await sql(text, params))[0])[0]

// JSON as both sides give it, comparable: timestamps as ISO UTC, lists in one order, keys
// Medusa sets to undefined (absent in JSON) dropped.
function normalize(value) {
  if (Array.isArray(value)) return value.map(normalize).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  if (value instanceof Date) return value.toISOString()
  if (value && typeof value === "object")
    return Object.fromEntries(Object.keys(value).filter((k) => value[k] !== undefined).sort().map((k) => [k, normalize(value[k])]))
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value))
    return new Date(value).toISOString()
  return value
}

test.before(async () => {
  const admin = new Client({ connectionString: url("postgres") })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`)
  await admin.query(`CREATE DATABASE ${DATABASE}`)
  await admin.end()
  db = new Client({ connectionString: url(DATABASE) })
  await db.connect()
  for (const [table, column] of Object.entries(MODULE_TABLES))
    await sql(`CREATE TABLE "${table}" ("id" text NOT NULL, "${column}" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(),
      "deleted_at" timestamptz NULL, CONSTRAINT "${table}_pkey" PRIMARY KEY ("id"))`)
  app = await boot(url(DATABASE))
  await app.runMigrations()
  ids.plan = await syncLinks(app)

  // Medusa's data, written by Medusa, before link_module is there.
  const product = app.modules.product
  const blog = app.modules.blog
  ids.products = (await product.createProducts(["Shoe", "Hat", "Sock", "Scarf"].map((title) => ({ title })))).map((p) => p.id)
  ids.posts = (await blog.createPosts(["About shoes", "About hats", "About socks", "Spare"].map((title) => ({ title })))).map((p) => p.id)
  ids.tags = (await blog.createTags(["red", "blue"].map((value) => ({ value })))).map((t) => t.id)
  ids.authors = (await blog.createAuthors(["Ann", "Bob"].map((name) => ({ name })))).map((a) => a.id)
  ids.comments = (await blog.createComments(["nice", "meh", "ok"].map((body) => ({ body })))).map((c) => c.id)
  const [P1, P2, P3] = ids.products
  const [B1, B2, B3] = ids.posts
  await app.link.create([
    { product: { product_id: P1 }, blog: { post_id: B1 }, data: { metadata: { k: 1 } } },
    { product: { product_id: P2 }, blog: { post_id: B2 }, data: { metadata: { k: 2 } } },
    { product: { product_id: P1 }, blog: { tag_id: ids.tags[0] } },
    { product: { product_id: P1 }, blog: { tag_id: ids.tags[1] } },
    { product: { product_id: P2 }, blog: { tag_id: ids.tags[0] } },
    { product: { product_id: P1 }, blog: { author_id: ids.authors[0] } },
    { product: { product_id: P2 }, blog: { author_id: ids.authors[1] } },
    { product: { product_id: P1 }, blog: { comment_id: ids.comments[0] } },
    { product: { product_id: P1 }, blog: { comment_id: ids.comments[1] } },
  ])
  // What Medusa's racy one-to-one check leaves behind: P3 with two active posts.
  await app.link.create({ product: { product_id: P3 }, blog: { post_id: B3 } })
  await sql(`INSERT INTO product_product_blog_post (product_id, post_id, id, created_at)
             VALUES ($1, $2, 'link_race', now() + interval '1 second')`, [P3, ids.posts[3]])

  await sql("CREATE EXTENSION link_module")
  for (const [module, model] of [["product", "product"], ["blog", "post"], ["blog", "tag"], ["blog", "author"], ["blog", "comment"]])
    await sql("SELECT register_linkable($1, $2, $3::regclass)", [module, model, `public.${model}`])
})

test.after(async () => {
  if (app) await app.onApplicationShutdown().catch(() => {})
  if (db) await db.end()
})

const define = (name, options = {}) => {
  const [left, right, base] = DEFINITIONS[name]
  return one("SELECT define_link($1, $2, $3::jsonb)", [left, right, JSON.stringify({ ...base, ...options })])
}

test("adopting Medusa's tables: a cardinality race is refused, then repaired on request", async () => {
  await assert.rejects(define("productPost"), (e) => e.code === "23505" && /only one active link per "product_id"/.test(e.message))
  const notices = []
  db.on("notice", (n) => notices.push(n.message))
  await define("productPost", { repair: true })
  db.removeAllListeners("notice")
  assert.ok(notices.some((m) => /dismissed 1 active link \(1 cardinality\)/.test(m)), notices.join("\n"))
  // The newest of P3's two links stays.
  assert.deepEqual(await sql("SELECT post_id FROM product_product_blog_post WHERE product_id = $1 AND deleted_at IS NULL", [ids.products[2]]),
    [{ post_id: ids.posts[3] }])
  for (const name of ["productTag", "productAuthor", "productComment"]) await define(name)
  assert.deepEqual(await sql("SELECT * FROM link_check()"), [])
})

test("names and tables are Medusa's runtime definitions, field by field", async () => {
  for (const [name, link] of Object.entries(links)) {
    const [left, right] = DEFINITIONS[name]
    const def = await one("SELECT get_link_module('product', 'product_id', 'blog', $1)",
      [JSON.parse(right.startsWith("{") ? right : `{"linkable": "${right}"}`).linkable.split(".")[1] + "_id"])
    assert.ok(def, `${name} is defined`)
    assert.equal(def.serviceName, link.serviceName)
    assert.equal(def.entryPoint, link.entryPoint)
    assert.equal(def.entity, link.entity)
    const planned = ids.plan.find((step) => step.linkDescriptor && step.tableName === def.table.split(".")[1])
    assert.ok(planned, `Medusa's planner made ${def.table}`)
    assert.equal(planned.linkDescriptor.fromModule, def.left.module)
    assert.equal(planned.linkDescriptor.toModel, def.right.model)
  }
})

test("Medusa's migration planner sees nothing to do after adoption", async () => {
  const plan = await app.linkMigrationExecutionPlanner().createPlan()
  const ours = plan.filter((step) => step.tableName.startsWith("product_product_blog_"))
  assert.equal(ours.length, 4)
  for (const step of ours) assert.equal(step.action, "noop", `${step.tableName}: ${step.action} ${step.sql || ""}`)
})

test("Link.list equals link_list, rows and definitions", async () => {
  const payload = { product: { product_id: ids.products }, blog: { tag_id: ids.tags } }
  const medusa = await app.link.list(payload)
  const ours = await one("SELECT link_list($1::jsonb)", [JSON.stringify(payload)])
  assert.equal(ours.length, 3)
  assert.deepEqual(normalize(ours), normalize(medusa))
  const asDefinition = await app.link.list(payload, { asLinkDefinition: true })
  assert.deepEqual(normalize(await one("SELECT link_list($1::jsonb, '{\"asLinkDefinition\": true}')", [JSON.stringify(payload)])),
    normalize(asDefinition))
  assert.deepEqual(await one("SELECT link_list($1::jsonb)", [JSON.stringify({ product: { product_id: [] }, blog: { tag_id: ids.tags } })]),
    await app.link.list({ product: { product_id: [] }, blog: { tag_id: ids.tags } }))
})

test("writes cross both ways", async () => {
  const [, , P3, P4] = ids.products
  await one("SELECT link_create($1::jsonb)", [JSON.stringify({ product: { product_id: P4 }, blog: { tag_id: ids.tags[1] } })])
  const medusa = await app.link.list({ product: { product_id: P4 }, blog: { tag_id: ids.tags[1] } })
  assert.equal(medusa.length, 1)
  await app.link.create({ product: { product_id: P3 }, blog: { comment_id: ids.comments[2] } })
  const ours = await one("SELECT link_list($1::jsonb)", [JSON.stringify({ product: { product_id: P3 }, blog: { comment_id: ids.comments[2] } })])
  assert.equal(ours.length, 1)
  assert.match(ours[0].id, /^link_/)
})

const GRAPHS = [
  { entity: "product", fields: ["id", "title", "post.*", "post_link.metadata", "tags.*", "author.name", "comments.body"] },
  { entity: "product", fields: ["id", "post.title"], filters: { title: ["Shoe", "Sock"] } },
  { entity: "product", fields: ["id", "title"], pagination: { skip: 1, take: 2, order: { title: "ASC" } } },
  { entity: "product_tag", fields: ["product_id", "tag_id", "product.title", "tag.value"] },
  { entity: "post", fields: ["id", "title", "product.title"] },
]

test("query.graph equals query_graph", async () => {
  for (const query of GRAPHS) {
    const medusa = await app.query.graph(query)
    const ours = await one("SELECT query_graph($1::jsonb)", [JSON.stringify(query)])
    assert.deepEqual(normalize(ours.data), normalize(medusa.data), JSON.stringify(query))
    if (query.pagination) {
      assert.deepEqual(ours.data.map((r) => r.id), medusa.data.map((r) => r.id), "page order")
      assert.deepEqual(ours.metadata, { skip: medusa.metadata.skip, take: medusa.metadata.take, count: medusa.metadata.count })
    }
  }
})

test("withDeleted shows soft-deleted roots only, as Medusa", async () => {
  const P4 = ids.products[3]
  await app.modules.product.softDeleteProducts([P4])
  for (const withDeleted of [false, true]) {
    const query = { entity: "product", fields: ["id", "tags.id"], withDeleted }
    const medusa = await app.query.graph(query)
    const ours = await one("SELECT query_graph($1::jsonb)", [JSON.stringify(query)])
    assert.deepEqual(normalize(ours.data), normalize(medusa.data), JSON.stringify(query))
    assert.equal(ours.data.some((r) => r.id === P4), withDeleted)
  }
  await app.modules.product.restoreProducts([P4])
})

test("a module's soft delete and restore cascade through the triggers", async () => {
  const P2 = ids.products[1]
  await app.modules.product.softDeleteProducts([P2])
  assert.equal(await one("SELECT count(*)::int FROM product_product_blog_post WHERE product_id = $1 AND deleted_at IS NULL", [P2]), 0)
  assert.equal(await one("SELECT deleted_at IS NOT NULL FROM author WHERE id = $1", [ids.authors[1]]), true)
  assert.deepEqual(await sql("SELECT * FROM link_check()"), [])
  await app.modules.product.restoreProducts([P2])
  assert.equal(await one("SELECT count(*)::int FROM product_product_blog_post WHERE product_id = $1 AND deleted_at IS NULL", [P2]), 1)
  assert.equal(await one("SELECT deleted_at IS NULL FROM author WHERE id = $1", [ids.authors[1]]), true)
  const graph = await app.query.graph({ entity: "product", fields: ["id", "author.id"], filters: { id: P2 } })
  assert.equal(graph.data[0].author.id, ids.authors[1])
})

test("Medusa's dismiss, delete and restore keep working on adopted tables", async () => {
  const P1 = ids.products[0]
  await app.link.dismiss({ product: { product_id: P1 }, blog: { tag_id: ids.tags[1] } })
  assert.equal((await one("SELECT link_list($1::jsonb)", [JSON.stringify({ product: { product_id: P1 }, blog: { tag_id: ids.tags } })])).length, 1)
  await app.link.delete({ product: { product_id: P1 } })
  assert.equal(await one("SELECT deleted_at IS NOT NULL FROM author WHERE id = $1", [ids.authors[0]]), true)
  assert.deepEqual(await sql("SELECT * FROM link_check()"), [])
  await app.link.restore({ product: { product_id: P1 } })
  assert.equal(await one("SELECT deleted_at IS NULL FROM author WHERE id = $1", [ids.authors[0]]), true)
  assert.equal((await app.link.list({ product: { product_id: P1 }, blog: { post_id: ids.posts[0] } })).length, 1)
})

test("link_restore undoes Medusa's link.delete; Medusa's dismissals stay dismissed", async () => {
  const P1 = ids.products[0]
  const payload = JSON.stringify({ product: { product_id: [P1] } })
  await app.link.dismiss({ product: { product_id: P1 }, blog: { tag_id: ids.tags[1] } })
  const before = await app.query.graph({ entity: "product", fields: ["id", "post.id", "tags.id", "author.id", "comments.id"], filters: { id: P1 } })
  await app.link.delete({ product: { product_id: P1 } })
  assert.equal(await one("SELECT deleted_at IS NOT NULL FROM author WHERE id = $1", [ids.authors[0]]), true)
  const restored = await one("SELECT link_restore($1::jsonb)", [payload])
  assert.deepEqual(restored.blog, { author_id: [ids.authors[0]] })
  assert.deepEqual(restored.ProductProductBlogTagLink, { product_id: [P1], tag_id: [ids.tags[0]] })
  for (const link of ["ProductProductBlogPostLink", "ProductProductBlogAuthorLink", "ProductProductBlogCommentLink"])
    assert.ok(restored[link], `${link} restored: ${JSON.stringify(restored)}`)
  // Medusa sees what it saw before its delete; nothing is left dangling.
  const after = await app.query.graph({ entity: "product", fields: ["id", "post.id", "tags.id", "author.id", "comments.id"], filters: { id: P1 } })
  assert.deepEqual(normalize(after.data), normalize(before.data))
  assert.equal(after.data[0].tags.length, 1)
  assert.deepEqual(await sql("SELECT * FROM link_check()"), [])
  assert.deepEqual(await one("SELECT link_restore($1::jsonb)", [payload]), {})
})

test("link_restore undoes Medusa's link.delete followed by the module's soft delete of the record", async () => {
  const P2 = ids.products[1]
  const query = { entity: "product", fields: ["id", "post.id", "tags.id", "author.id"], filters: { id: P2 } }
  const before = await app.query.graph(query)
  await app.link.delete({ product: { product_id: P2 } })
  await app.modules.product.softDeleteProducts([P2])
  assert.equal(await one("SELECT deleted_at IS NOT NULL FROM author WHERE id = $1", [ids.authors[1]]), true)
  const restored = await one("SELECT link_restore($1::jsonb)", [JSON.stringify({ product: { product_id: [P2] } })])
  assert.deepEqual(restored.product, { product_id: [P2] })
  assert.deepEqual(restored.blog, { author_id: [ids.authors[1]] })
  assert.deepEqual(normalize((await app.query.graph(query)).data), normalize(before.data))
  assert.deepEqual(await sql("SELECT * FROM link_check()"), [])
})

test("concurrent one-to-one creates: the database refuses the second, Medusa reports it", async () => {
  const P4 = ids.products[3]
  const [, , , spare] = ids.posts
  await app.link.dismiss({ product: { product_id: ids.products[2] }, blog: { post_id: spare } })
  const results = await Promise.allSettled([
    app.link.create({ product: { product_id: P4 }, blog: { post_id: spare } }),
    one("SELECT link_create($1::jsonb)", [JSON.stringify({ product: { product_id: P4 }, blog: { post_id: ids.posts[2] } })]),
  ])
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, JSON.stringify(results.map((r) => r.reason?.message)))
  assert.equal(await one("SELECT count(*)::int FROM product_product_blog_post WHERE product_id = $1 AND deleted_at IS NULL", [P4]), 1)
})

test("link_restore undoes a Medusa link.delete that its ORM writes in several statements (300 rows each)", async () => {
  const products = (await app.modules.product.createProducts(Array.from({ length: 700 }, (_, i) => ({ title: `Bulk ${i}` })))).map((p) => p.id)
  const [tag] = (await app.modules.blog.createTags([{ value: "bulk" }])).map((t) => t.id)
  await app.link.create(products.map((id) => ({ product: { product_id: id }, blog: { tag_id: tag } })))
  await app.link.delete({ blog: { tag_id: tag } })
  assert.equal(await one("SELECT count(*)::int FROM product_product_blog_tag WHERE tag_id = $1 AND deleted_at IS NULL", [tag]), 0)
  const restored = await one("SELECT link_restore($1::jsonb)", [JSON.stringify({ blog: { tag_id: [tag] } })])
  assert.equal(restored.ProductProductBlogTagLink.product_id.length, 700)
  assert.equal((await app.link.list({ product: { product_id: products }, blog: { tag_id: tag } })).length, 700)
})
