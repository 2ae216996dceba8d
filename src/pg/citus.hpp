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
 * trigger on a shard may not run distributed statements): they journal (below). */
enum class Placement { Local, Reference, CoordinatorLocal, Distributed };

bool Installed();

/* Whether Citus is loaded in this process (shared_preload_libraries): a cheap test for hooks
 * that run for every statement. */
bool Loaded();
Placement PlacementOf(Oid relid);

/* Whether this backend serves a connection Citus opened from a node to run its statements' tasks
 * (a change run on a worker, or on the coordinator's own placements over a connection). */
bool InternalConnection();

/* Whether Citus's local executor is running a task on a distributed table's shard of this node.
 * A task is part of a statement, which may run no distributed statement of its own: the
 * statement's end does. */
bool InShardTask();
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
 * runs on the coordinator's table itself, so its shards do nothing. The record trigger
 * (`record_change`) of a hash-distributed table's shard journals the change (JournalChange), as
 * do the row triggers of a distributed link table's shard (their argument names the other key).
 * Any other shard of a distributed table cannot cascade, nor can the coordinator's placement
 * changed over a connection from another node or session (Citus runs no distributed statement
 * there): errors, never a silent skip. */
std::optional<Oid> TableActedFor(Oid relid, bool truncate, TriggerData *record_change = nullptr);

/* Distributed module tables, hash-distributed by the linkable's key. Their record triggers
 * fire on the shards, on the workers: there the keys a statement deleted, soft-deleted or
 * restored go into the module table's journal, a distributed table co-located with it
 * (link_module.citus_journal_<co-location id>), in the shard on the same node. On the
 * coordinator, after the statement, an executor hook (link_module in shared_preload_libraries)
 * takes them out through the same connections and cascades them. A journal row still there
 * when the worker's transaction commits is an error: a cascade is never skipped silently. */
struct JournalEntry {
	Oid table;                             /* the module table (the coordinator's OID) */
	bool deleted;                          /* DELETE, else an UPDATE of the soft-delete column */
	std::string key;                       /* the record's key, as text */
	std::optional<std::string> old_stamp;  /* UPDATE: the column before and after, as */
	std::optional<std::string> new_stamp;  /* epoch microseconds or [-]infinity */
	/* A distributed link table's row (key: its distribution column): the other side's key.
	 * deleted: the statement dismissed the row (new_stamp: its deleted_at), else it wrote it
	 * active. */
	std::optional<std::string> other;
};

/* Whether link_module was loaded by shared_preload_libraries (SetPreloaded, from _PG_init):
 * only then does every session run the hook that cascades a distributed table's journal. */
void SetPreloaded();
bool Preloaded();

/* The distribution column of a hash-distributed table, else nullopt. */
std::optional<std::string> DistributionColumn(Oid relid);

/* Whether hash-distributed tables `a` and `b` are co-located (their shards split the same
 * hash ranges over the same nodes). */
bool Colocated(Oid a, Oid b);

/* The journal of the hash-distributed table `relid` (its co-location group's), nullopt for
 * any other table. */
std::optional<std::string> JournalOf(Oid relid);

/* The table whose shard `relid` is, nullopt for any other relation. */
std::optional<Oid> TableOfShard(Oid relid);

/* Whether that journal exists (a distributed table's shards journal into it). */
bool JournalExists(Oid relid);

/* Creates the journal of `relid`'s co-location group if missing, its key of type `key_type`,
 * readable and emptiable by `reader` (the table's owner, whose statements take the journal
 * out); sets the trigger argument that names the soft-delete column the shards journal. */
void PrepareJournal(Oid relid, const std::string &relation, const std::string &key_type, Oid reader,
                    const std::optional<std::string> &soft_delete_column);

/* Keeps a statement's changes of shards where the coordinator's hook takes their journal out:
 * on the workers in transaction blocks committed with the coordinator's (Citus commits a lone
 * single-shard statement on its own otherwise, journal and all), and on this node in this
 * backend (Citus runs a statement over several of this node's shards over connections to itself
 * otherwise, and every later statement of the transaction then reaches this node's placements so,
 * the link tables' included, whose triggers there cannot tell link_module's own statements). */
void KeepChangesInTransaction();

/* Drops the journal of `relid`'s co-location group once no table of the group has link_module's
 * record triggers (their last link dropped). */
void DropJournalIfUnused(Oid relid);

/* Takes every row out of `journal` (the current role's statement, through the connections that
 * wrote it). */
std::vector<JournalEntry> TakeJournal(const std::string &journal);

/* The ids of the hash-distributed table `relid`, grouped by shard: Citus locks rows (FOR SHARE)
 * only in a statement that reaches one shard. Any other table: one group. */
std::vector<std::vector<std::string>> ByShard(Oid relid, const std::string &relation, const std::string &key_type,
                                             const std::vector<std::string> &ids);

/* Runs `ddl`, which creates link_module's triggers or distributes a table that has them: with
 * citus.enable_unsafe_triggers on where Citus is installed (Citus refuses triggers on its
 * tables without it; these are link_module's, which handles shards), set back afterwards. */
void WithTriggersAllowed(const std::function<void()> &ddl);

} // namespace link_module::pg::citus
