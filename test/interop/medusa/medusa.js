// Boots Medusa 2.21.2's module runtime (MedusaApp: the Link, the link modules and query) with the
// two modules and the links of links.js, against DATABASE_URL, the way Medusa's app loader does
// it minus Medusa's default modules, which links do not need.
const path = require("path")
const { MedusaApp, MedusaModule } = require("@medusajs/framework/modules-sdk")
const { Modules } = require("@medusajs/framework/utils")
const LinkModules = require("@medusajs/link-modules")
const links = require("./links")

const silent = () => {}
const logger = {
  info: silent, debug: silent, log: silent, activity: () => "", progress: silent, success: silent,
  failure: silent, shouldLog: () => false, setLogLevel: silent, unsetLogLevel: silent,
  warn: (...a) => console.warn("[medusa warn]", ...a),
  error: (...a) => console.error("[medusa error]", ...a),
  panic: (...a) => console.error("[medusa panic]", ...a),
}

function moduleConfig(key) {
  return {
    resolve: path.join(__dirname, "modules", key),
    definition: { key, label: key, isQueryable: true, dependencies: [], defaultModuleDeclaration: { scope: "internal" } },
  }
}

async function boot(databaseUrl) {
  const app = await MedusaApp({
    modulesConfig: {
      product: moduleConfig("product"),
      blog: moduleConfig("blog"),
      // MODULE_PACKAGE_NAMES[Modules.LINK] is a subpath of the whole @medusajs/medusa server;
      // MedusaApp also takes a module's exports (anything with initialize()).
      [Modules.LINK]: LinkModules,
    },
    sharedResourcesConfig: { database: { clientUrl: databaseUrl, debug: false } },
    injectedDependencies: { logger },
    cwd: __dirname,
  })
  return app
}

// What `medusa db:migrate` does for links: the planner's plan, executed.
async function syncLinks(app) {
  const planner = app.linkMigrationExecutionPlanner()
  const plan = await planner.createPlan()
  await planner.executePlan(plan)
  return plan
}

module.exports = { boot, syncLinks, links, MedusaModule, Modules }
