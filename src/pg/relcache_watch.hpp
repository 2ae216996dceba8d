/* The validity of a per-backend cache built from the registry and some tables: stale until
 * loaded, and stale again when PostgreSQL invalidates any of those relations (DDL on them, or a
 * registry change, whose statement trigger invalidates the registry tables). */
#pragma once

#include <functional>
#include <vector>

#include "pg/postgres.hpp"

namespace link_module::pg {

class RelcacheWatch {
public:
	bool stale() const { return stale_; }

	/* Makes the next Refresh load again (for a cache that depends on something no relcache
	 * invalidation announces, such as a table that does not exist yet). */
	void Invalidate() { stale_ = true; }

	/* When stale, runs `load`, which fills the cache and returns the relations it read; the
	 * registry tables are watched as well. A failed load leaves the cache stale. `load` reads
	 * the latest committed rows whatever the isolation level (LatestSnapshotReads), as the
	 * catalogs are read. */
	void Refresh(const std::function<std::vector<Oid>()> &load);

	/* Whether an invalidation since the last load named the registry or one of `relations`
	 * (or may have: too many to note, a full reset, or any invalidation during a first load,
	 * which may have read what it announces as it was before). */
	bool Invalidated(const std::vector<Oid> &relations) const;

	/* How many invalidations of the watched relations this backend has heard of: a caller that
	 * compares it before and after a statement knows whether the cache changed meanwhile. */
	uint64 Invalidations() const { return invalidations_; }

private:
	static void Callback(Datum watch, Oid relid);

	bool registered_ = false;
	bool stale_ = true;
	bool loading_ = false;
	uint64 invalidations_ = 0;
	std::vector<Oid> watched_;  /* sorted; only read by the callback, replaced whole by a load */
	std::vector<Oid> registry_; /* the registry tables' OIDs */
	/* The watched relations invalidated since the last load; the callback may not allocate. */
	static constexpr int kMaxNoted = 32;
	Oid noted_[kMaxNoted] = {};
	int noted_count_ = 0;
	bool noted_all_ = false;
};

} // namespace link_module::pg
