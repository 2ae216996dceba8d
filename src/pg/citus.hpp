/* Citus at the edge: what Citus made of a table, and what link_module's plans and triggers must
 * do about it. A single server pays nothing: every check first asks whether Citus is installed
 * in the database, and runs only where a plan is prepared or a trigger fires on a table that
 * link_module does not know (a shard). */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pg/postgres.hpp"

namespace link_module::pg::citus {

/* Where a table's rows live. Reference and CoordinatorLocal tables (citus_add_local_table_to_metadata)
 * have a placement on the coordinator, whose triggers can run a cascade; a Distributed table's
 * shards sit on the workers, whose triggers cannot (the registry is the coordinator's, and a
 * trigger on a shard may not run distributed statements). */
enum class Placement { Local, Reference, CoordinatorLocal, Distributed };

bool Installed();
Placement PlacementOf(Oid relid);
const char *PlacementName(Placement placement);

/* Whether the coordinator holds a placement of the Citus table `relid` (a reference table has
 * one only once the coordinator is in the metadata: citus_set_coordinator_host). */
bool CoordinatorHasPlacement(Oid relid);

/* Whether any of `relations` is a Citus table: their statements need plans made with their
 * parameters' values (Citus plans no distributed statement from a generic plan). */
bool AnyCitusTable(const std::vector<Oid> &relations);

/* Whether Citus is rebuilding a table (undistribute_table, alter_distributed_table, a Citus
 * local table made or unmade for a foreign key): it creates a copy, drops the table and gives
 * the copy its name, triggers included. */
bool RebuildingTable();

/* The tables dropped while Citus rebuilds them, by identity (schema.name), kept until the copy
 * that takes the name is created: what named the old OID (registrations, notes) follows it. */
void NoteRebuildDrop(const std::string &identity, Oid relid);
std::optional<Oid> TakeRebuildDrop(const std::string &identity);

/* Whether a TRUNCATE of a Citus table on the coordinator stays there, its shards untouched
 * (truncate_local_data_after_distributing_table, or DDL propagation turned off). */
bool TruncateStaysLocal(Oid relid);

/* For a link_module trigger that fired on `relid`, a relation link_module does not know: the
 * table to act for, or nullopt to do nothing. A shard of a reference table fires on every
 * node; the coordinator's placement acts for its table and the workers' do nothing. TRUNCATE
 * runs on the coordinator's table itself, so its shards do nothing. A shard of a distributed
 * table cannot cascade, nor can the coordinator's placement changed over a connection from
 * another node or session (Citus runs no distributed statement there): errors, never a
 * silent skip. */
std::optional<Oid> TableActedFor(Oid relid, bool truncate);

/* Runs `ddl`, which creates link_module's triggers or distributes a table that has them: with
 * citus.enable_unsafe_triggers on where Citus is installed (Citus refuses triggers on its
 * tables without it; these are link_module's, which handles shards), set back afterwards. */
void WithTriggersAllowed(const std::function<void()> &ddl);

} // namespace link_module::pg::citus
