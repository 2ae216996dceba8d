#include <algorithm>

#include "pg/spi.hpp" /* C++ headers (nlohmann) before PostgreSQL's: port.h redefines snprintf */
#include "pg/guard.hpp"
#include "pg/relcache_watch.hpp"

extern "C" {
#include "utils/inval.h"
}

namespace link_module::pg {

/* Relcache invalidation: only flips the flag (no allocation, no catalog access). */
void
RelcacheWatch::Invalidated(Datum watch, Oid relid) {
	auto *self = reinterpret_cast<RelcacheWatch *>(DatumGetPointer(watch));
	if (relid == InvalidOid || std::binary_search(self->watched_.begin(), self->watched_.end(), relid))
		self->stale_ = true;
}

void
RelcacheWatch::Refresh(const std::function<std::vector<Oid>()> &load) {
	if (!registered_) {
		PgCall([](RelcacheWatch *self) { CacheRegisterRelcacheCallback(Invalidated, PointerGetDatum(self)); }, this);
		registered_ = true;
	}
	if (!stale_)
		return;
	/* Cleared first: an invalidation arriving during the load marks it stale again. */
	stale_ = false;
	try {
		std::vector<Oid> relations = load();
		auto registry = Query("SELECT 'link_module.links'::regclass::oid::text, "
		                      "'link_module.linkables'::regclass::oid::text",
		                      {}, "registry:oids");
		for (const auto &value : registry.at(0))
			relations.push_back(static_cast<Oid>(std::stoul(*value)));
		std::sort(relations.begin(), relations.end());
		relations.erase(std::unique(relations.begin(), relations.end()), relations.end());
		watched_.swap(relations);
	} catch (...) {
		stale_ = true;
		throw;
	}
}

} // namespace link_module::pg
