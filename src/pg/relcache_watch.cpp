#include <algorithm>

#include "pg/spi.hpp" /* C++ headers (nlohmann) before PostgreSQL's: port.h redefines snprintf */
#include "pg/guard.hpp"
#include "pg/plan_cache.hpp"
#include "pg/relcache_watch.hpp"

extern "C" {
#include "utils/inval.h"
}

namespace link_module::pg {

/* Relcache invalidation: flips the flag and notes the relation (no allocation, no catalog
 * access). */
void
RelcacheWatch::Callback(Datum watch, Oid relid) {
	auto *self = reinterpret_cast<RelcacheWatch *>(DatumGetPointer(watch));
	/* The first load knows no relation yet: anything it hears of may be what it reads. */
	const bool unknown = self->loading_ && self->watched_.empty();
	if (relid != InvalidOid && !unknown && !std::binary_search(self->watched_.begin(), self->watched_.end(), relid))
		return;
	self->stale_ = true;
	++self->invalidations_;
	if (relid == InvalidOid || unknown || self->noted_count_ == kMaxNoted)
		self->noted_all_ = true;
	else
		self->noted_[self->noted_count_++] = relid;
}

bool
RelcacheWatch::Invalidated(const std::vector<Oid> &relations) const {
	if (noted_all_)
		return true;
	for (int i = 0; i < noted_count_; ++i)
		if (std::find(relations.begin(), relations.end(), noted_[i]) != relations.end() ||
		    std::find(registry_.begin(), registry_.end(), noted_[i]) != registry_.end())
			return true;
	return false;
}

void
RelcacheWatch::Refresh(const std::function<std::vector<Oid>()> &load) {
	if (!registered_) {
		PgCall([](RelcacheWatch *self) { CacheRegisterRelcacheCallback(Callback, PointerGetDatum(self)); }, this);
		registered_ = true;
	}
	if (!stale_)
		return;
	/* Cleared first: an invalidation arriving during the load marks it stale again. */
	stale_ = false;
	noted_count_ = 0;
	noted_all_ = false;
	loading_ = true;
	try {
		LatestSnapshotReads latest;
		std::vector<Oid> relations = load();
		auto registry = Query("SELECT 'link_module.link_registry'::regclass::oid::text, "
		                      "'link_module.linkable_registry'::regclass::oid::text",
		                      {}, "registry:oids");
		registry_.clear();
		for (const auto &value : registry.at(0))
			registry_.push_back(static_cast<Oid>(std::stoul(*value)));
		relations.insert(relations.end(), registry_.begin(), registry_.end());
		std::sort(relations.begin(), relations.end());
		relations.erase(std::unique(relations.begin(), relations.end()), relations.end());
		watched_.swap(relations);
		loading_ = false;
	} catch (...) {
		loading_ = false;
		stale_ = true;
		throw;
	}
}

} // namespace link_module::pg
