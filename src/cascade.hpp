/* What the rest of the extension asks of the cascades (cascade.cpp). */
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "nodes/plannodes.h"
}

namespace link_module {

/* From the executor hook, before each statement: on a Citus cluster, a statement that changes
 * linked tables keeps its changes of shards in the transaction, where the journals (below) stay
 * readable until the coordinator commits (pg::citus::KeepChangesInTransaction). */
void BeforeDistributedChanges(const PlannedStmt *statement);

/* From the executor hook, after each statement: on a Citus coordinator, cascades what the shards
 * of the hash-distributed linked tables the statement changed journaled (pg/citus), as the
 * record triggers do on one server. Anything else returns at once. */
void CascadeDistributedChanges(const PlannedStmt *statement);

namespace link_cache {
struct StoredLinks;
}

/* Writing active rows of link `i` takes the rights a delete through them would use on its
 * deleteCascade sides' tables (link_ops.cpp): checked for the rows of the statement trigger's
 * transition table link_module_new, or, `journaled`, for active rows a distributed link table's
 * shards journaled (row security is then refused: the shards cannot be checked). */
void RequireCascadeRights(const link_cache::StoredLinks &stored, std::size_t i, bool journaled);

} // namespace link_module
