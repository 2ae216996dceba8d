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

} // namespace link_module
