#include "removals.hpp"

#include "core/link_sql.hpp"
#include "pg/as_owner.hpp"
#include "pg/guard.hpp"
#include "pg/plan_cache.hpp"
#include "pg/spi.hpp"
#include "registry.hpp"

extern "C" {
#include "access/xact.h"
}

namespace link_module::removals {

void
NoteDismissals(const LinkDefinition &link, const std::vector<std::string> &left, const std::vector<std::string> &right) {
	if (left.empty())
		return;
	/* now(): the stamp link_dismiss and link_repair give the rows they dismiss. */
	const TimestampTz now = pg::PgCall(GetCurrentTransactionStartTimestamp);
	pg::AsOwner as_owner(registry::Owner());
	pg::ExecutePlan(pg::CachedPlan("notes:dismissed:" + link.names.service_name,
	                               link_sql::NoteRemovals(link, pg::PgQuoter(), std::nullopt),
	                               {TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID}),
	                {pg::TextArray(left), pg::TextArray(right), {TimestampTzGetDatum(now), false}});
}

} // namespace link_module::removals
