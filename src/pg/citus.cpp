/* The core's headers (nlohmann) before PostgreSQL's: see pg/postgres.hpp. */
#include "core/error.hpp"
#include "pg/spi.hpp"

#include "pg/citus.hpp"
#include "pg/compat.hpp"
#include "pg/guard.hpp"
#include "pg/as_owner.hpp"
#include "pg/plan_cache.hpp"

#include <dlfcn.h>
#include <map>

extern "C" {
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace link_module::pg::citus {

namespace {

/* One row of a catalog lookup with an oid parameter, its columns as text. Leaves SPI_tuptable
 * and SPI_processed as they were: it runs while a caller may still read its own statement's
 * rows (a plan being prepared), and while the registry cache loads (whose reads otherwise go
 * through cached plans, which would come back here). Never a query of pg_class: Citus hides
 * shards from those (citus.override_table_visibility). Read with the latest snapshot, as Citus
 * reads its metadata: a statement that waited for a lock while another session distributed a
 * table must see it distributed (its plans and the link cache would keep the old layout). */
std::optional<std::vector<std::optional<std::string>>>
LookupRow(const char *sql, std::vector<Oid> types, std::vector<Datum> values) {
	SPITupleTable *const saved_rows = SPI_tuptable;
	const uint64 saved_count = SPI_processed;
	const MemoryContext caller = CurrentMemoryContext;
	int rc;
	{
		ScopedSnapshot latest(ScopedSnapshot::Latest);
		rc = PgCall([](const char *q, int n, Oid *t, Datum *v) { return SPI_execute_with_args(q, n, t, v, nullptr, true, 1); },
		            sql, static_cast<int>(types.size()), types.data(), values.data());
	}
	MemoryContextSwitchTo(caller);
	std::optional<std::vector<std::optional<std::string>>> row;
	if (rc == SPI_OK_SELECT && SPI_processed > 0) {
		row.emplace();
		for (int i = 1; i <= SPI_tuptable->tupdesc->natts; ++i) {
			char *text = PgCall(SPI_getvalue, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i);
			row->push_back(text ? std::optional<std::string>(text) : std::nullopt);
		}
	}
	if (SPI_tuptable && SPI_tuptable != saved_rows)
		PgCall(SPI_freetuptable, SPI_tuptable);
	SPI_tuptable = saved_rows;
	SPI_processed = saved_count;
	if (rc < 0)
		throw Error(sqlstate::kInternalError, std::string("SPI_execute_with_args failed: ") + SPI_result_code_string(rc),
		            std::string("Query: ") + sql);
	return row;
}

Placement
PlacementFrom(const std::string &method, const std::string &replication, const std::string &colocation) {
	if (method == "n" && replication == "t")
		return Placement::Reference;
	if (method == "n" && colocation == "0")
		return Placement::CoordinatorLocal;
	return Placement::Distributed; /* hash-distributed, or a single-shard (schema-based) table */
}

std::string
RelationName(Oid relid) {
	auto row = LookupRow("SELECT $1::regclass::text", {OIDOID}, {ObjectIdGetDatum(relid)});
	return row && (*row)[0] ? *(*row)[0] : std::to_string(relid);
}

} // namespace

bool
Installed() {
	return OidIsValid(PgCall([] { return get_extension_oid("citus", true); }));
}

bool
Loaded() {
	/* Citus's own flag (RebuildingTable): present once citus.so is loaded, which it is from the
	 * postmaster on, or never. */
	static const bool loaded = dlsym(RTLD_DEFAULT, "InTableTypeConversionFunctionCall") != nullptr;
	return loaded;
}

bool
InternalConnection() {
	/* Citus names the connections it opens to a node's placements citus_internal... */
	const char *application = PgCall([] { return GetConfigOption("application_name", true, false); });
	return application && std::string(application).rfind("citus_internal", 0) == 0;
}

bool
InShardTask() {
	/* Citus's own state and test (exported by citus.so): the shard its local executor works on,
	 * and whether it is a distributed table's. A reference table's placement is no such task:
	 * Citus lets its triggers run distributed statements, whose end cascades here. */
	static const auto *shard = static_cast<const uint64 *>(dlsym(RTLD_DEFAULT, "LocalExecutorShardId"));
	using Test = bool (*)(uint64);
	static const auto distributed = reinterpret_cast<Test>(dlsym(RTLD_DEFAULT, "DistributedTableShardId"));
	if (!shard || *shard == 0)
		return false;
	return !distributed || PgCall(distributed, *shard);
}

Placement
PlacementOf(Oid relid) {
	if (!Installed())
		return Placement::Local;
	auto row = LookupRow("SELECT partmethod::text, repmodel::text, colocationid::text FROM pg_catalog.pg_dist_partition "
	                     "WHERE logicalrelid = $1",
	                     {OIDOID}, {ObjectIdGetDatum(relid)});
	return row ? PlacementFrom(*(*row)[0], *(*row)[1], *(*row)[2]) : Placement::Local;
}

const char *
PlacementName(Placement placement) {
	switch (placement) {
	case Placement::Local:
		return "local table";
	case Placement::Reference:
		return "reference table";
	case Placement::CoordinatorLocal:
		return "Citus local table";
	case Placement::Distributed:
		return "distributed table";
	}
	return "table";
}

bool
CoordinatorHasPlacement(Oid relid) {
	return LookupRow("SELECT 1 FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_placement p USING (shardid) "
	                 "WHERE s.logicalrelid = $1 AND p.groupid = 0",
	                 {OIDOID}, {ObjectIdGetDatum(relid)})
	    .has_value();
}

bool
AnyCitusTable(const std::vector<Oid> &relations) {
	if (relations.empty() || !Installed())
		return false;
	std::vector<Datum> oids;
	for (Oid relid : relations)
		oids.push_back(ObjectIdGetDatum(relid));
	ArrayType *array = PgCall([](Datum *d, int n) { return construct_array(d, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT); },
	                          oids.data(), static_cast<int>(oids.size()));
	return LookupRow("SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = ANY($1)", {OIDARRAYOID},
	                 {PointerGetDatum(array)})
	    .has_value();
}

namespace {

/* The journal shards this worker backend wrote in its transaction, with the tables they
 * journal: at commit each must be empty, the coordinator having taken its rows. */
std::vector<std::pair<std::string, std::string>> journaled;
LocalTransactionId journaled_in = InvalidLocalTransactionId;

std::string
JournalName(const std::string &colocation) {
	return "citus_journal_" + colocation;
}

/* The owner of the relation named `relation` (a journal's shard, qualified and quoted). */
Oid
OwnerOf(const std::string &relation) {
	const Oid relid =
	    PgCall([](const char *n) { return DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum(n))); },
	           relation.c_str());
	HeapTuple tuple = PgCall([](Oid r) { return SearchSysCache1(RELOID, ObjectIdGetDatum(r)); }, relid);
	if (!HeapTupleIsValid(tuple))
		throw Error(sqlstate::kInternalError, "cache lookup failed for relation " + relation);
	const Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* The epoch microseconds (or [-]infinity) of the soft-delete value `value` of a column of type
 * `type` (a timestamp without time zone holds UTC wall time: link_sql::StampOf). */
std::string
EpochOf(const std::string &value, Oid type) {
	const std::string stamp = type == TIMESTAMPOID ? "(" + value + " AT TIME ZONE 'UTC')" : "(" + value + ")::timestamptz";
	return "CASE WHEN isfinite(" + stamp + ") THEN (extract(epoch FROM " + stamp + ") * 1000000)::bigint::text ELSE " +
	       stamp + "::text END";
}

void
CheckJournalsTaken() {
	if (journaled_in != LocalTransaction())
		journaled.clear();
	/* At commit no statement runs, so none has pushed a snapshot to read the journal with. */
	ScopedSnapshot snapshot;
	SpiConnection spi;
	for (const auto &[shard, table] : journaled) {
		AsOwner as_owner(OwnerOf(shard));
		if (QueryValue("SELECT 1 FROM " + shard + " LIMIT 1"))
			throw Error(sqlstate::kObjectNotInPrerequisiteState,
			            "link_module did not cascade the changes to distributed table " + table,
			            "Their keys are still in its journal: the node that ran the statement did not take them "
			            "out after it.",
			            "Change linked distributed tables on the coordinator, with link_module in its "
			            "shared_preload_libraries (README, \"Scaling out with Citus\").");
	}
	spi.Finish();
	journaled.clear();
}

/* The rows a link table's trigger journals, `key` (the distribution column) and `other` (the
 * other side's key, the trigger's argument) of each: for link_rows_removed (OLD and NEW), those
 * the statement dismissed, with their stamp; for link_rows_written (NEW), the active rows it
 * wrote. Empty when the trigger has no argument (the table was distributed after define_link). */
std::string
LinkRowsJournaled(TriggerData *trigger, const std::string &key) {
	const std::string name = trigger->tg_trigger->tgname;
	if (trigger->tg_trigger->tgnargs < 1)
		return {};
	const std::string other = PgQuoter().ident(trigger->tg_trigger->tgargs[0]);
	if (name.rfind("link_module_rows_removed", 0) == 0)
		return "SELECT n." + key + ", $1::bigint, true, NULL, " + EpochOf("n.deleted_at", TIMESTAMPTZOID) + ", n." + other +
		       "::text FROM link_module_old o JOIN link_module_new n ON n." + key + " = o." + key + " AND n." + other +
		       " = o." + other + " WHERE o.deleted_at IS NULL AND n.deleted_at IS NOT NULL";
	/* One row tells the coordinator that active rows were written, which is all it checks. */
	return "SELECT n." + key + ", $1::bigint, false, NULL, NULL, n." + other +
	       "::text FROM link_module_new n WHERE n.deleted_at IS NULL LIMIT 1";
}

/* On a worker, from the record trigger of `shard` (shard `shardid` of hash-distributed `table`):
 * the keys the statement deleted, or whose soft-delete column (the trigger's argument) it set or
 * cleared, go into the journal shard co-located with it; from a link table's triggers, the link
 * rows of LinkRowsJournaled. False when the table has no journal. */
bool
JournalChange(const std::string &shardid, Oid table, TriggerData *trigger) {
	const TriggerEvent event = trigger->tg_event;
	const bool link_rows = std::string(trigger->tg_trigger->tgname).rfind("link_module_rows_", 0) == 0;
	if (!link_rows && !TRIGGER_FIRED_BY_DELETE(event) && !TRIGGER_FIRED_BY_UPDATE(event))
		return false;
	auto row = LookupRow("SELECT pg_catalog.column_to_column_name(p.logicalrelid, p.partkey), p.colocationid::text, j.shardid::text "
	                     "FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = s.logicalrelid "
	                     "JOIN pg_catalog.pg_dist_shard j ON j.logicalrelid = pg_catalog.to_regclass('link_module.citus_journal_' "
	                     "  || p.colocationid) AND j.shardminvalue = s.shardminvalue "
	                     "WHERE s.shardid = $1::bigint AND p.partmethod = 'h'",
	                     {TEXTOID}, {PgCall([](const char *n) { return PointerGetDatum(cstring_to_text(n)); }, shardid.c_str())});
	if (!row)
		return false;
	const Quoter &q = PgQuoter();
	const std::string key = q.ident(*(*row)[0]);
	const std::string journal = "link_module." + q.ident(JournalName(*(*row)[1]) + "_" + *(*row)[2]);
	std::string select;
	if (link_rows) {
		select = LinkRowsJournaled(trigger, key);
		if (select.empty())
			return false;
	} else if (TRIGGER_FIRED_BY_DELETE(event)) {
		select = "SELECT o." + key + ", $1::bigint, true, NULL, NULL FROM link_module_old o";
	} else {
		if (trigger->tg_trigger->tgnargs < 1)
			return false; /* define_link never prepared the table */
		if (trigger->tg_trigger->tgargs[0][0] == '\0')
			return true; /* no soft-delete column: an UPDATE has nothing to cascade */
		const std::string sd = q.ident(trigger->tg_trigger->tgargs[0]);
		const int attnum = PgCall(SPI_fnumber, RelationGetDescr(trigger->tg_relation), trigger->tg_trigger->tgargs[0]);
		if (attnum <= 0)
			throw Error(sqlstate::kUndefinedColumn,
			            "soft-delete column " + Quoted(trigger->tg_trigger->tgargs[0]) + " of distributed table " +
			                RelationName(table) + " does not exist",
			            {}, "Run define_link again for the links of the table.");
		const Oid type = TupleDescAttr(RelationGetDescr(trigger->tg_relation), attnum - 1)->atttypid;
		select = "SELECT n." + key + ", $1::bigint, false, " + EpochOf("o." + sd, type) + ", " + EpochOf("n." + sd, type) +
		         " FROM link_module_new n JOIN link_module_old o ON o." + key + " = n." + key + " WHERE (o." + sd +
		         " IS NULL) <> (n." + sd + " IS NULL)";
	}
	const Oid journal_owner = OwnerOf(journal);
	{
		/* As the journal's owner: nobody else may write it (its rows drive cascades). */
		AsOwner as_owner(journal_owner);
		/* A module table's rows leave `other` out: journals made before it was added still work. */
		Execute("INSERT INTO " + journal + " (key, shardid, deleted, old_stamp, new_stamp" + (link_rows ? ", other) " : ") ") +
		            select,
		        {shardid});
	}
	if (SPI_processed == 0)
		return true;
	if (journaled_in != LocalTransaction()) {
		journaled.clear();
		journaled_in = LocalTransaction();
	}
	static bool registered = false;
	if (!registered) {
		PgCall(RegisterXactCallback,
		       +[](XactEvent xact_event, void *) {
			       if (xact_event == XACT_EVENT_PRE_COMMIT || xact_event == XACT_EVENT_PRE_PREPARE) {
				       if (!journaled.empty())
					       GuardHook(CheckJournalsTaken);
			       } else if (xact_event != XACT_EVENT_PARALLEL_PRE_COMMIT) {
				       journaled.clear();
			       }
		       },
		       static_cast<void *>(nullptr));
		registered = true;
	}
	for (const auto &entry : journaled)
		if (entry.first == journal)
			return true;
	journaled.emplace_back(journal, RelationName(table));
	return true;
}

} // namespace

std::optional<Oid>
TableActedFor(Oid relid, bool truncate, TriggerData *record_change) {
	if (!Installed())
		return relid;
	/* A shard is named after its table, with _<shardid> appended (relation_is_a_known_shard
	 * checks the whole name). */
	const char *name = PgCall(get_rel_name, relid);
	if (!name)
		return relid;
	Datum name_text = PgCall([](const char *n) { return PointerGetDatum(cstring_to_text(n)); }, name);
	auto shard = LookupRow("SELECT s.logicalrelid::oid::text, p.partmethod::text, p.repmodel::text, p.colocationid::text, "
	                       "  EXISTS (SELECT 1 FROM pg_catalog.pg_dist_placement pl WHERE pl.shardid = s.shardid AND pl.groupid = 0), "
	                       "  (SELECT groupid = 0 FROM pg_catalog.pg_dist_local_group), s.shardid::text "
	                       "FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_partition p USING (logicalrelid) "
	                       "WHERE s.shardid::text = substring($2 from '_(\\d+)$') AND pg_catalog.relation_is_a_known_shard($1)",
	                       {OIDOID, TEXTOID}, {ObjectIdGetDatum(relid), name_text});
	if (!shard) {
		/* A table link_module's triggers are on, not a shard: on the coordinator, one link_module
		 * does not know (nothing to do); on a worker, the worker's copy of a linked Citus table,
		 * whose TRUNCATE fires them there (the coordinator's never hear of it). */
		if (PlacementOf(relid) != Placement::Local &&
		    !LookupRow("SELECT 1 FROM pg_catalog.pg_dist_local_group WHERE groupid = 0", {}, {}))
			throw Error(sqlstate::kFeatureNotSupported,
			            "link_module cannot cascade from " + RelationName(relid) + " on a worker",
			            "The links of its records are defined on the coordinator.",
			            "Run TRUNCATE of a linked table on the coordinator.");
		return relid;
	}
	const Oid table = static_cast<Oid>(std::stoul(*(*shard)[0]));
	const Placement placement = PlacementFrom(*(*shard)[1], *(*shard)[2], *(*shard)[3]);
	const bool coordinator_placement = *(*shard)[4] == "t", on_coordinator = (*shard)[5] && *(*shard)[5] == "t";
	if (truncate)
		return std::nullopt; /* the trigger on the coordinator's table did the work */
	if (placement == Placement::Distributed) {
		if (record_change && JournalChange(*(*shard)[6], table, record_change))
			return std::nullopt; /* the coordinator cascades it after the statement */
		if (record_change && std::string(record_change->tg_trigger->tgname).rfind("link_module_rows_", 0) == 0)
			throw Error(sqlstate::kFeatureNotSupported,
			            "link_module cannot check the rows of distributed link table " + RelationName(table),
			            "Its rows changed on shard " + RelationName(relid) +
			                ", whose triggers name no key to journal them by: the table was distributed after "
			                "define_link.",
			            "Run distribute_link for its link (README, \"Scaling out with Citus\").");
		throw Error(sqlstate::kFeatureNotSupported,
		            "link_module cannot cascade from distributed table " + RelationName(table),
		            "Its rows changed on shard " + RelationName(relid) +
		                ", on a worker, which holds no link definitions and may not run a cascade's distributed "
		                "statements; the table has no journal to hand them to the coordinator.",
		            "Run define_link again for its links (a table distributed, or distributed again, after "
		            "define_link has no journal); it must be hash-distributed by the linkable's key: see README, "
		            "\"Scaling out with Citus\".");
	}
	if (on_coordinator) {
		if (InternalConnection())
			throw Error(sqlstate::kFeatureNotSupported,
			            "link_module cannot cascade from " + RelationName(table) +
			                " over a connection between Citus nodes",
			            "The change reached the coordinator's placement from another node or session; its cascade "
			            "would run distributed statements there, which Citus refuses.",
			            "Change linked tables on the coordinator, with citus.enable_local_execution on (the default).");
		return table;
	}
	if (!coordinator_placement)
		throw Error(sqlstate::kFeatureNotSupported,
		            "link_module cannot cascade from " + std::string(PlacementName(placement)) + " " +
		                RelationName(table) + ": the coordinator holds no placement of it",
		            "A reference table's cascades run where the coordinator's placement changes.",
		            "Add the coordinator to the metadata: SELECT citus_set_coordinator_host('<host>', <port>).");
	return std::nullopt; /* a worker's placement: the coordinator's does the work */
}

bool
RebuildingTable() {
	if (!Installed())
		return false;
	/* Citus's own flag (an exported global of citus.so, which PostgreSQL loads RTLD_GLOBAL). */
	static const bool *rebuilding = static_cast<const bool *>(dlsym(RTLD_DEFAULT, "InTableTypeConversionFunctionCall"));
	return rebuilding && *rebuilding;
}

namespace {

/* Keyed by the transaction too: a rebuild that failed after its drop leaves its entry behind,
 * which no later transaction may take. */
std::map<std::pair<LocalTransactionId, std::string>, Oid> rebuild_drops;

} // namespace

void
NoteRebuildDrop(const std::string &identity, Oid relid) {
	rebuild_drops[{LocalTransaction(), identity}] = relid;
}

std::optional<Oid>
TakeRebuildDrop(const std::string &identity) {
	for (auto it = rebuild_drops.begin(); it != rebuild_drops.end();)
		it = it->first.first == LocalTransaction() ? std::next(it) : rebuild_drops.erase(it);
	auto it = rebuild_drops.find({LocalTransaction(), identity});
	if (it == rebuild_drops.end())
		return std::nullopt;
	const Oid relid = it->second;
	rebuild_drops.erase(it);
	return relid;
}

bool
TruncateStaysLocal(Oid relid) {
	if (PlacementOf(relid) == Placement::Local)
		return false;
	const char *propagation = PgCall([] { return GetConfigOption("citus.enable_ddl_propagation", true, false); });
	return propagation && std::string(propagation) == "off";
}

namespace {
bool preloaded = false;
}

void
SetPreloaded() {
	preloaded = true;
}

bool
Preloaded() {
	return preloaded;
}

std::optional<std::string>
DistributionColumn(Oid relid) {
	if (!Installed())
		return std::nullopt;
	auto row = LookupRow("SELECT pg_catalog.column_to_column_name(logicalrelid, partkey) FROM pg_catalog.pg_dist_partition "
	                     "WHERE logicalrelid = $1 AND partmethod = 'h'",
	                     {OIDOID}, {ObjectIdGetDatum(relid)});
	return row ? (*row)[0] : std::nullopt;
}

bool
Colocated(Oid a, Oid b) {
	return LookupRow("SELECT 1 FROM pg_catalog.pg_dist_partition x JOIN pg_catalog.pg_dist_partition y "
	                 "  ON y.colocationid = x.colocationid AND y.partmethod = 'h' "
	                 "WHERE x.logicalrelid = $1 AND y.logicalrelid = $2 AND x.partmethod = 'h'",
	                 {OIDOID, OIDOID}, {ObjectIdGetDatum(a), ObjectIdGetDatum(b)})
	    .has_value();
}

std::optional<std::string>
JournalOf(Oid relid) {
	if (!Installed())
		return std::nullopt;
	auto row = LookupRow("SELECT colocationid::text FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1 AND partmethod = 'h'",
	                     {OIDOID}, {ObjectIdGetDatum(relid)});
	return row ? std::optional("link_module." + PgQuoter().ident(JournalName(*(*row)[0]))) : std::nullopt;
}

std::optional<Oid>
TableOfShard(Oid relid) {
	const char *name = PgCall(get_rel_name, relid);
	if (!name || !Installed())
		return std::nullopt;
	Datum name_text = PgCall([](const char *n) { return PointerGetDatum(cstring_to_text(n)); }, name);
	auto row = LookupRow("SELECT s.logicalrelid::oid::text FROM pg_catalog.pg_dist_shard s "
	                     "WHERE s.shardid::text = substring($2 from '_(\\d+)$') AND pg_catalog.relation_is_a_known_shard($1)",
	                     {OIDOID, TEXTOID}, {ObjectIdGetDatum(relid), name_text});
	return row ? std::optional<Oid>(static_cast<Oid>(std::stoul(*(*row)[0]))) : std::nullopt;
}

bool
JournalExists(Oid relid) {
	const auto journal = JournalOf(relid);
	return journal && QueryValue("SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = pg_catalog.to_regclass($1)", {*journal});
}

void
PrepareJournal(Oid relid, const std::string &relation, const std::string &key_type, Oid reader,
               const std::optional<std::string> &soft_delete_column) {
	const auto journal = JournalOf(relid);
	if (!journal)
		throw Error(sqlstate::kInternalError, relation + " is not hash-distributed");
	if (!JournalExists(relid)) {
		Execute("CREATE TABLE IF NOT EXISTS " + *journal + " (key " + key_type +
		        ", shardid bigint NOT NULL, deleted boolean NOT NULL, old_stamp text, new_stamp text, other text)");
		Execute("SELECT pg_catalog.create_distributed_table($1::regclass, 'key', colocate_with => $2)", {*journal, relation});
	}
	/* other: a distributed link table's rows journal the key of their other side (0.2.0 made
	 * journals without it). */
	if (!QueryValue("SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = pg_catalog.to_regclass($1) AND attname = 'other'",
	                {*journal}))
		Execute("ALTER TABLE " + *journal + " ADD COLUMN other text");
	const char *role = PgCall(GetUserNameFromId, reader, false);
	Execute("GRANT SELECT, DELETE ON " + *journal + " TO " + PgQuoter().ident(role));
	/* The shards journal the soft-delete column named by their update trigger's argument ('': none). */
	const std::string argument = PgCall(quote_literal_cstr, soft_delete_column.value_or("").c_str());
	WithTriggersAllowed([&] {
		Execute("CREATE OR REPLACE TRIGGER link_module_update AFTER UPDATE ON " + relation +
		        " REFERENCING OLD TABLE AS link_module_old NEW TABLE AS link_module_new FOR EACH STATEMENT "
		        "EXECUTE FUNCTION link_module.record_changed(" + argument + ")");
	});
}

void
KeepChangesInTransaction() {
	/* Citus's own entry points (exported by citus.so). */
	using Function = void (*)();
	using GetStatus = int (*)();
	using SetStatus = void (*)(int);
	static const auto coordinate = reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, "UseCoordinatedTransaction"));
	static const auto get_status = reinterpret_cast<GetStatus>(dlsym(RTLD_DEFAULT, "GetCurrentLocalExecutionStatus"));
	static const auto set_status = reinterpret_cast<SetStatus>(dlsym(RTLD_DEFAULT, "SetLocalExecutionStatus"));
	if (!coordinate || !get_status || !set_status)
		throw Error(sqlstate::kFeatureNotSupported, "this Citus lacks the entry points link_module uses",
		            "link_module keeps a distributed table's changes in the transaction (UseCoordinatedTransaction, "
		            "SetLocalExecutionStatus).",
		            "Use Citus 13.2 (README, \"Scaling out with Citus\").");
	PgCall(coordinate);
	/* LOCAL_EXECUTION_OPTIONAL (1) -> LOCAL_EXECUTION_REQUIRED (0): this node's shards in this
	 * backend. Once connections reached them (LOCAL_EXECUTION_DISABLED), the transaction stays
	 * so; and with citus.enable_local_execution off, Citus uses connections only. */
	const char *local = PgCall([] { return GetConfigOption("citus.enable_local_execution", true, false); });
	if (local && std::string(local) == "on" && PgCall(get_status) == 1)
		PgCall(set_status, 0);
}

void
DropJournalIfUnused(Oid relid) {
	if (!JournalExists(relid) ||
	    QueryValue("SELECT 1 FROM pg_catalog.pg_dist_partition p JOIN pg_catalog.pg_trigger t ON t.tgrelid = p.logicalrelid "
	               "  AND t.tgname = 'link_module_delete' "
	               "WHERE p.colocationid = (SELECT colocationid FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1::oid)",
	               {std::to_string(relid)}))
		return;
	Execute("DROP TABLE " + *JournalOf(relid));
}

std::vector<JournalEntry>
TakeJournal(const std::string &journal) {
	auto rows = Query("DELETE FROM " + journal + " RETURNING shardid::text, deleted::text, key::text, old_stamp, new_stamp, other");
	std::map<std::string, Oid> tables; /* shard id -> its table */
	for (const auto &row : rows)
		tables.emplace(*row[0], InvalidOid);
	if (!tables.empty()) {
		std::string shards;
		for (const auto &entry : tables)
			shards += (shards.empty() ? "{" : ",") + entry.first;
		for (const auto &row : Query("SELECT shardid::text, logicalrelid::oid::text FROM pg_catalog.pg_dist_shard "
		                             "WHERE shardid = ANY ($1::bigint[])",
		                             {shards + "}"}))
			tables[*row[0]] = static_cast<Oid>(std::stoul(*row[1]));
	}
	std::vector<JournalEntry> entries;
	entries.reserve(rows.size());
	for (auto &row : rows) {
		if (entries.size() % 4096 == 4095)
			CheckForInterrupts();
		entries.push_back({tables[*row[0]], *row[1] == "true", std::move(*row[2]), std::move(row[3]), std::move(row[4]),
		                   std::move(row[5])});
	}
	return entries;
}

std::vector<std::vector<std::string>>
ByShard(Oid relid, const std::string &relation, const std::string &key_type, const std::vector<std::string> &ids) {
	if (ids.size() < 2 || !DistributionColumn(relid))
		return {ids};
	SPIPlanPtr plan = CachedPlan("citus:shards:" + key_type,
	                             "SELECT pg_catalog.get_shard_id_for_distribution_column($1::regclass, u.k::" + key_type +
	                                 ")::text FROM unnest($2::text[]) WITH ORDINALITY AS u(k, n) ORDER BY u.n",
	                             {TEXTOID, TEXTARRAYOID});
	const uint64 count = ExecutePlan(plan, {Text(relation), TextArray(ids)});
	std::map<std::string, std::vector<std::string>> groups;
	for (uint64 i = 0; i < count; ++i)
		groups[*ResultText(i, 1)].push_back(ids[i]);
	std::vector<std::vector<std::string>> shards;
	for (auto &group : groups)
		shards.push_back(std::move(group.second));
	return shards;
}

void
WithTriggersAllowed(const std::function<void()> &ddl) {
	if (!Installed()) {
		ddl();
		return;
	}
	auto previous = QueryValue("SELECT current_setting('citus.enable_unsafe_triggers')");
	Execute("SELECT set_config('citus.enable_unsafe_triggers', 'on', true)");
	ddl();
	Execute("SELECT set_config('citus.enable_unsafe_triggers', $1, true)", {previous});
}

} // namespace link_module::pg::citus
