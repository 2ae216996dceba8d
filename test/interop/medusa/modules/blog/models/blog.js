const { model } = require("@medusajs/framework/utils")

// One model per kind of link (Medusa links a pair of models once).
const Post = model.define("post", { id: model.id({ prefix: "post" }).primaryKey(), title: model.text() })
const Tag = model.define("tag", { id: model.id({ prefix: "tag" }).primaryKey(), value: model.text() })
const Author = model.define("author", { id: model.id({ prefix: "auth" }).primaryKey(), name: model.text() })
const Comment = model.define("comment", { id: model.id({ prefix: "com" }).primaryKey(), body: model.text() })

module.exports = { Post, Tag, Author, Comment }
