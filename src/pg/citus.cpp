/* The core's headers (nlohmann) before PostgreSQL's: see pg/postgres.hpp. */
#include "core/error.hpp"
#include "pg/spi.hpp"

#include "pg/citus.hpp"
#include "pg/compat.hpp"
#include "pg/guard.hpp"

#include <dlfcn.h>
#include <map>

extern "C" {
#include "commands/extension.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

namespace link_module::pg::citus {

namespace {

/* One row of a catalog lookup with an oid parameter, its columns as text. Leaves SPI_tuptable
 * and SPI_processed as they were: it runs while a caller may still read its own statement's
 * rows (a plan being prepared), and while the registry cache loads (whose reads otherwise go
 * through cached plans, which would come back here). Never a query of pg_class: Citus hides
 * shards from those (citus.override_table_visibility). */
std::optional<std::vector<std::optional<std::string>>>
LookupRow(const char *sql, std::vector<Oid> types, std::vector<Datum> values) {
	SPITupleTable *const saved_rows = SPI_tuptable;
	const uint64 saved_count = SPI_processed;
	const MemoryContext caller = CurrentMemoryContext;
	const int rc = PgCall([](const char *q, int n, Oid *t, Datum *v) { return SPI_execute_with_args(q, n, t, v, nullptr, true, 1); },
	                      sql, static_cast<int>(types.size()), types.data(), values.data());
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

std::optional<Oid>
TableActedFor(Oid relid, bool truncate) {
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
	                       "  (SELECT groupid = 0 FROM pg_catalog.pg_dist_local_group) "
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
	if (placement == Placement::Distributed)
		throw Error(sqlstate::kFeatureNotSupported,
		            "link_module cannot cascade from distributed table " + RelationName(table),
		            "Its rows changed on shard " + RelationName(relid) +
		                ", on a worker, which holds no link definitions and may not run a cascade's distributed statements.",
		            "Links need module tables that are local, reference or Citus local tables: undistribute_table() "
		            "then create_reference_table(), or drop the links that name the table.");
	if (on_coordinator) {
		/* Citus's connections to a node's placements are named citus_internal (a change run on a
		 * worker, or on the coordinator with citus.enable_local_execution off). */
		const char *application = PgCall([] { return GetConfigOption("application_name", true, false); });
		if (application && std::string(application).rfind("citus_internal", 0) == 0)
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
