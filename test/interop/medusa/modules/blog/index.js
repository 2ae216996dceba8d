// The blog module: posts, tags, authors and comments.
const { Module, MedusaService } = require("@medusajs/framework/utils")
const { Post, Tag, Author, Comment } = require("./models/blog")

class BlogModuleService extends MedusaService({ Post, Tag, Author, Comment }) {}

module.exports = Module("blog", { service: BlogModuleService })
