// The catalogue module: one model, product.
const { Module, MedusaService } = require("@medusajs/framework/utils")
const { Product } = require("./models/product")

class ProductModuleService extends MedusaService({ Product }) {}

module.exports = Module("product", { service: ProductModuleService })
