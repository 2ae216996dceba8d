const { model } = require("@medusajs/framework/utils")

// A catalogue product (Medusa finds a module's DML models in its models folder).
const Product = model.define("product", {
  id: model.id({ prefix: "prod" }).primaryKey(),
  title: model.text(),
})

module.exports = { Product }
