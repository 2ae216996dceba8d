// The app's links (a Medusa app's src/links): defineLink registers each on global.MedusaModule.
require("@medusajs/framework/modules-sdk")
const { defineLink } = require("@medusajs/framework/utils")
const Product = require("./modules/product")
const Blog = require("./modules/blog")

module.exports = {
  // one-to-one, with an extra column
  productPost: defineLink(Product.linkable.product, Blog.linkable.post, {
    database: { extraColumns: { metadata: { type: "json", nullable: true } } },
  }),
  // many-to-many
  productTag: defineLink({ linkable: Product.linkable.product, isList: true }, { linkable: Blog.linkable.tag, isList: true }),
  // one-to-one, deleting a product's link deletes its author
  productAuthor: defineLink(Product.linkable.product, { linkable: Blog.linkable.author, deleteCascade: true }),
  // one-to-many: a product has many comments
  productComment: defineLink(Product.linkable.product, { linkable: Blog.linkable.comment, isList: true }),
}
