#include "link_table.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/link_sql.hpp"
#include "pg/guard.hpp"
#include "pg/as_owner.hpp"
#include "pg/citus.hpp"
#include "pg/spi.hpp"
#include "registry.hpp"

extern "C" {
#include "utils/inval.h"
}

namespace link_module::link_table {

namespace {

std::string
QualifiedTable(const LinkDefinition &def) {
	return pg::PgQuoter().Qualified(def.schema, def.names.table);
}

Oid
TableOwner(const std::string &table) {
	return static_cast<Oid>(
	    std::stoul(*pg::QueryValue("SELECT relowner::text FROM pg_class WHERE oid = $1::regclass", {table})));
}

/* Before a unique index is built: name the ids that already have more than one active link. */
void
CheckNoDuplicates(const LinkDefinition &def, const std::string &key) {
	const Quoter &quote = pg::PgQuoter();
	auto rows = pg::Query("SELECT " + quote.ident(key) + "::text, count(*) FROM " + QualifiedTable(def) +
	                      " WHERE deleted_at IS NULL GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC, 1 LIMIT 5");
	if (rows.empty())
		return;
	std::string detail;
	for (const auto &row : rows)
		detail += (detail.empty() ? "" : "; ") + Quoted(key) + " '" + *row[0] + "' has " + *row[1] + " active links";
	const LinkSide &other = key == def.left.key ? def.right : def.left;
	throw Error(sqlstate::kUniqueViolation,
	            "cannot allow only one active link per " + Quoted(key) + " in link " + Quoted(def.names.service_name),
	            detail + ".",
	            "Pass options {\"repair\": true} to dismiss all but the newest active link of each, dismiss the "
	            "extra links first, or keep isList true on " + Quoted(other.alias) + ".");
}

/* Dismisses the rows `sql` (link_sql::RepairProblems) repairs and says how many, and why. */
void
DismissRepaired(const LinkDefinition &def, const std::string &sql) {
	std::map<std::string, int> problems;
	std::set<std::pair<std::string, std::string>> rows;
	for (const auto &row : pg::Query(sql)) {
		if (!row[0] || !row[1] || !row[2])
			continue;
		++problems[*row[0]];
		rows.emplace(*row[1], *row[2]);
	}
	if (rows.empty())
		return;
	std::string why;
	for (const auto &[problem, count] : problems)
		why += (why.empty() ? "" : ", ") + std::to_string(count) + " " + problem;
	pg::Notice("define_link repaired link " + Quoted(def.names.entry_point) + ": dismissed " +
	               std::to_string(rows.size()) + " active link" + (rows.size() == 1 ? "" : "s") + " (" + why + ")",
	           "The dismissed rows carry this transaction's time in deleted_at.");
}

/* Runs the steps; refuses them all, naming each unsafe one, unless allow_unsafe. */
void
Apply(const LinkDefinition &def, const std::vector<Change> &changes, bool allow_unsafe, const Repair *repair) {
	std::string unsafe;
	for (const auto &change : changes)
		if (change.unsafe)
			unsafe += (unsafe.empty() ? "" : "; ") + change.description;
	if (!unsafe.empty() && !allow_unsafe)
		throw Error(sqlstate::kObjectNotInPrerequisiteState,
		            "define_link refuses unsafe changes to link " + Quoted(def.names.service_name),
		            "Unsafe: " + unsafe + ".",
		            "Pass options {\"allowUnsafe\": true} to apply them (data may be lost or the change may fail).");
	if (repair && !TableExists(def))
		repair = nullptr; /* a new table holds nothing to repair */
	if (repair)
		CheckRecords(def, repair->left, repair->right, true);
	for (const auto &change : changes) {
		if (change.unique_key && repair) {
			pg::AsOwner as_owner(TableOwner(QualifiedTable(def)), true);
			DismissRepaired(def, link_sql::RepairProblems(def, nullptr, nullptr, pg::PgQuoter(),
			                                     {*change.unique_key == def.left.key, *change.unique_key != def.left.key}));
		}
		if (change.unique_key)
			CheckNoDuplicates(def, *change.unique_key);
		for (const auto &sql : change.sql)
			pg::Execute(sql);
	}
}

} // namespace

void
CheckDefaults(const LinkDefinition &def) {
	for (const auto &column : def.extra_columns) {
		if (!column.default_literal)
			continue;
		try {
			/* sql_type comes from the core's fixed type table, never from the caller. */
			pg::Query("SELECT $1::" + column.sql_type, {*column.default_literal});
		} catch (const pg::PgError &error) {
			throw Error(pg::SqlState(error.data()).c_str(),
			            "invalid defaultValue for extra column " + Quoted(column.name) + " of type " + column.type +
			                ": " + Quoted(*column.default_literal),
			            error.Utf8Message(),
			            "defaultValue is a literal of the column's type, or now(), CURRENT_TIMESTAMP, "
			            "gen_random_uuid().");
		}
	}
}

void
CheckSchema(const LinkDefinition &def) {
	if (def.read_only)
		return;
	if (!pg::QueryValue("SELECT 1 FROM pg_namespace WHERE nspname = $1", {def.schema}))
		throw Error(sqlstate::kInvalidSchemaName,
		            "schema " + Quoted(def.schema) + " of link " + Quoted(def.names.service_name) + " does not exist",
		            {}, "Create the schema first, or change options.database.schema.");
	/* A temporary table lives for one session: other sessions could not use the link. */
	if (pg::QueryValue("SELECT 1 FROM pg_namespace WHERE nspname = $1 AND (nspname LIKE 'pg\\_temp\\_%' OR "
	                   "nspname LIKE 'pg\\_toast%')",
	                   {def.schema}))
		throw Error(sqlstate::kInvalidSchemaName,
		            "schema " + Quoted(def.schema) + " of link " + Quoted(def.names.service_name) +
		                " is a temporary or system schema",
		            {}, "A link table is a permanent table: change options.database.schema.");
}

void
CheckReadOnlyField(const LinkDefinition &def, const Linkable &left) {
	if (!pg::QueryValue("SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 "
	                    "AND attnum > 0 AND NOT attisdropped",
	                    {*left.relation, *def.left.field}))
		throw Error(sqlstate::kUndefinedColumn,
		            "column " + Quoted(*def.left.field) + " of table " + *left.relation + " does not exist",
		            "It is the field of read-only link " + Quoted(def.names.service_name) + ".");
}

bool
TableExists(const LinkDefinition &def) {
	return pg::QueryValue("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	                      "WHERE n.nspname = $1 AND c.relname = $2",
	                      {def.schema, def.names.table})
	    .has_value();
}

void
CreateOrAdopt(const LinkDefinition &def, bool allow_unsafe, const Repair *repair) {
	const Quoter &quote = pg::PgQuoter();
	const std::string table = QualifiedTable(def);
	if (!TableExists(def)) {
		pg::Execute(CreateTableSql(def, quote));
		for (const auto &index : IndexSpecs(def, quote))
			pg::Execute(index.sql);
		return;
	}

	/* Adopt: only the table's owner may make it a link table (its rows would be changed by
	 * cascades run as that owner), and it must already look like one. */
	if (*pg::QueryValue("SELECT pg_has_role(c.relowner, 'USAGE')::text FROM pg_class c "
	                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
	                    {def.schema, def.names.table}) != "true")
		throw Error(sqlstate::kInsufficientPrivilege,
		            "cannot define link " + Quoted(def.names.service_name) + ": must be owner of table " + table,
		            "The table exists; define_link would adopt it as the link's table.",
		            "Set options.database.table to another name, or define the link as the table's owner.");
	auto rows = pg::Query("SELECT a.attname, format_type(a.atttypid, a.atttypmod), c.relkind::text "
	                      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	                      "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
	                      "WHERE n.nspname = $1 AND c.relname = $2",
	                      {def.schema, def.names.table});
	auto live_type = [&](const std::string &column) -> std::optional<std::string> {
		for (const auto &row : rows)
			if (row[0] && *row[0] == column)
				return row[1];
		return std::nullopt;
	};
	std::string missing;
	for (const auto &column : {def.left.key, def.right.key, std::string("id"), std::string("created_at"),
	                           std::string("updated_at"), std::string("deleted_at")})
		if (!live_type(column))
			missing += (missing.empty() ? "" : ", ") + Quoted(column);
	if (rows.empty() || *rows[0][2] != "r" || !missing.empty())
		throw Error(sqlstate::kDuplicateTable,
		            "relation " + table + " already exists and is not a link table",
		            missing.empty() ? "It is not an ordinary table." : "It lacks the link-table columns " + missing + ".",
		            "Set options.database.table to another name for link " + Quoted(def.names.service_name) + ".");
	/* What cardinality and every statement rely on: keys that are never NULL (Medusa's primary
	 * key makes them so), and indexes of link_module's names that are what those names say. */
	for (const std::string &key : {def.left.key, def.right.key})
		if (*pg::QueryValue("SELECT a.attnotnull::text FROM pg_attribute a WHERE a.attrelid = $1::regclass "
		                    "AND a.attname = $2",
		                    {table, key}) != "true")
			throw Error(sqlstate::kObjectNotInPrerequisiteState,
			            "cannot adopt " + table + " as the table of link " + Quoted(def.names.service_name) +
			                ": its key column " + Quoted(key) + " allows NULL",
			            {}, "ALTER TABLE " + table + " ALTER COLUMN " + quote.ident(key) + " SET NOT NULL (or add the "
			                "primary key on both keys, as Medusa's link tables have).");
	for (const std::string &key : {def.left.key, def.right.key}) {
		const std::string name = "IDX_" + key + "_unique_";
		for (const auto &index : IndexSpecs(def, quote)) {
			if (index.name.rfind(name, 0) != 0)
				continue;
			/* unique, on the key alone, partial (active rows) */
			if (auto fits = pg::QueryValue(
			        "SELECT (i.indisunique AND i.indnatts = 1 AND i.indpred IS NOT NULL AND i.indkey[0] = "
			        "(SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = $3))::text "
			        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass "
			        "AND c.relname = $2",
			        {table, index.name, key});
			    fits && *fits != "true")
				throw Error(sqlstate::kObjectNotInPrerequisiteState,
				            "cannot adopt " + table + " as the table of link " + Quoted(def.names.service_name) +
				                ": its index " + Quoted(index.name) + " is not a partial unique index on " + Quoted(key),
				            "The index of that name enforces the link's cardinality.",
				            "Drop the index; define_link creates it.");
		}
	}

	std::vector<Change> changes;
	for (const auto &column : def.extra_columns) {
		auto type = live_type(column.name);
		if (!type) {
			Change add{"column " + Quoted(column.name) + " is added", !column.nullable && !column.HasDefault(),
			           {"ALTER TABLE " + table + " ADD COLUMN " + ExtraColumnSql(column, quote)}, std::nullopt};
			if (column.IsEnum())
				add.sql.push_back(AddEnumCheckSql(def, column, quote));
			changes.push_back(add);
		} else if (*type != column.sql_type) {
			changes.push_back({"column " + Quoted(column.name) + " changes type from " + *type + " to " +
			                       column.sql_type,
			                   true,
			                   {"ALTER TABLE " + table + " ALTER COLUMN " + quote.ident(column.name) + " TYPE " +
			                    column.sql_type + " USING " + quote.ident(column.name) + "::" + column.sql_type},
			                   std::nullopt});
		}
	}
	auto existing = pg::Query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2",
	                          {def.schema, def.names.table});
	for (const auto &index : IndexSpecs(def, quote)) {
		bool present = std::any_of(existing.begin(), existing.end(),
		                           [&](const pg::Row &row) { return *row[0] == index.name; });
		if (present)
			continue;
		std::optional<std::string> unique_key;
		if (index.name.rfind("IDX_" + def.left.key + "_unique_", 0) == 0)
			unique_key = def.left.key;
		else if (index.name.rfind("IDX_" + def.right.key + "_unique_", 0) == 0)
			unique_key = def.right.key;
		changes.push_back({"index " + Quoted(index.name) + " is created", false, {index.sql}, unique_key});
	}
	Apply(def, changes, allow_unsafe, repair);
}

void
Converge(const LinkDefinition &old_def, const LinkDefinition &def, bool allow_unsafe, const Repair *repair) {
	auto changes = PlanRedefinition(old_def, def, pg::PgQuoter());
	if (!def.read_only && !TableExists(def)) {
		/* The table was dropped behind our back: build it again as defined now. */
		CreateOrAdopt(def, allow_unsafe, repair);
		return;
	}
	Apply(def, changes, allow_unsafe, repair);
}

bool
RecordsCheckable(const link_sql::RecordTable &table) {
	return table.validate &&
	       *pg::QueryValue("SELECT (NOT c.relrowsecurity AND has_table_privilege(c.oid, 'SELECT'))::text "
	                       "FROM pg_class c WHERE c.oid = $1::regclass",
	                       {table.relation}, "check:records-checkable") == "true";
}

void
CheckRecords(const LinkDefinition &def, const Linkable &left, const Linkable &right, bool repair) {
	/* As the link table's owner, restricted (its triggers fire on a repair), as link_repair. */
	pg::AsOwner as_owner(TableOwner(QualifiedTable(def)), true);
	LinkDefinition live = def; /* keys typed as the (adopted) table has them */
	for (LinkSide *side : {&live.left, &live.right})
		side->key_type = pg::QueryValue("SELECT link_module.cast_type($1::regclass, $2)", {QualifiedTable(def), side->key})
		                     .value_or(side->key_type);
	const auto records = [](const Linkable &linkable) -> std::optional<link_sql::RecordTable> {
		if (!linkable.relation || linkable.table_missing)
			return std::nullopt;
		link_sql::RecordTable table{*linkable.relation, linkable.primary_key,
		                            *pg::QueryValue("SELECT link_module.cast_type($1::regclass, $2)",
		                                            {*linkable.relation, linkable.primary_key}),
		                            linkable.soft_delete_column, linkable.validate};
		return RecordsCheckable(table) ? std::optional(table) : std::nullopt;
	};
	const auto l = records(left), r = records(right);
	if (!l && !r)
		return;
	const Quoter &q = pg::PgQuoter();
	if (repair) {
		DismissRepaired(def, link_sql::RepairProblems(live, l ? &*l : nullptr, r ? &*r : nullptr, q, {false, false}));
		return;
	}
	auto count = pg::QueryValue("SELECT count(*)::text FROM (" +
	                            link_sql::Problems(live, l ? &*l : nullptr, r ? &*r : nullptr, q, {false, false}) + ") p");
	if (count && *count != "0")
		pg::Notice("link " + Quoted(def.names.entry_point) + " has " + *count +
		               " active link(s) to records that are missing or soft-deleted",
		           "SELECT * FROM link_check(" + q.literal(def.names.entry_point) + ") lists them; link_repair(" +
		               q.literal(def.names.entry_point) + ") dismisses them.");
}

namespace {

using pg::citus::Placement;

/* The placements of a link's module tables (virtual sides and missing tables have none). */
std::vector<std::pair<std::string, Placement>>
SidePlacements(const Linkable &left, const Linkable &right) {
	std::vector<std::pair<std::string, Placement>> sides;
	for (const Linkable *side : {&left, &right})
		if (side->relation && !side->table_missing)
			sides.emplace_back(*side->relation, pg::citus::PlacementOf(registry::RelationOid(*side->relation)));
	return sides;
}

/* Re-points what names `from` (a linkable's registration, a link, the notes) to `to`. */
void
Repoint(Oid from, Oid to) {
	const std::vector<pg::Value> oids{std::to_string(from), std::to_string(to)};
	pg::AsOwner as_owner(registry::Owner());
	if (pg::QueryValue("SELECT 1 FROM link_module.linkable_registry WHERE relation = $1::oid", {oids[0]}))
		pg::Execute("UPDATE link_module.linkable_registry SET relation = $2::oid WHERE relation = $1::oid", oids);
	if (pg::QueryValue("SELECT 1 FROM link_module.link_registry WHERE link_table = $1::oid", {oids[0]}))
		pg::Execute("UPDATE link_module.link_registry SET link_table = $2::oid WHERE link_table = $1::oid", oids);
	pg::Execute("UPDATE link_module.removals SET link_table = $2::oid WHERE link_table = $1::oid", oids);
}

/* A distributed link table: hash-distributed by one side's key (`column`) and co-located with
 * that side's table, itself distributed by the linkable's key, so that each shard holds the link
 * rows of its records. Citus keeps a unique index only where it contains the distribution column:
 * a side with one active link per record (the other side's isList false) must be the
 * distribution column, and a one-to-one link (two such indexes) stays a reference table.
 * `colocated`: whether the link table is co-located with that side's table (nullopt: not yet
 * distributed, distribute_link checks before it distributes). */
void
CheckDistributedLinkTable(const LinkDefinition &def, const Linkable &left, const Linkable &right,
                          const std::string &relation, const std::optional<std::string> &column,
                          std::optional<bool> colocated) {
	const std::string allowed =
	    def.LeftKeyUnique() && def.RightKeyUnique()
	        ? std::string("A one-to-one link table may be a reference table only.")
	        : "Distribute it by " +
	              (def.LeftKeyUnique()    ? Quoted(def.left.key)
	               : def.RightKeyUnique() ? Quoted(def.right.key)
	                                      : Quoted(def.left.key) + " or " + Quoted(def.right.key)) +
	              ", co-located with that side's table: SELECT distribute_link(" +
	              pg::PgQuoter().literal(def.names.entry_point) +
	              ", '<column>'); or leave it a reference table (README, \"Scaling out with Citus\").";
	auto refuse = [&](const std::string &why, const std::string &detail) {
		return Error(sqlstate::kFeatureNotSupported,
		             "link " + Quoted(def.names.service_name) + " cannot use distributed link table " + relation + why,
		             detail, allowed);
	};
	if (def.LeftKeyUnique() && def.RightKeyUnique())
		throw refuse("", "Citus keeps no unique index without the distribution column, and a one-to-one link has "
		                 "two: one per side.");
	if (!column || (*column != def.left.key && *column != def.right.key))
		throw refuse(column ? ", distributed by " + Quoted(*column) : ": it is not hash-distributed",
		             "A link table is distributed by the key of one of its sides.");
	const bool by_left = *column == def.left.key;
	if ((def.LeftKeyUnique() && !by_left) || (def.RightKeyUnique() && by_left))
		throw refuse(", distributed by " + Quoted(*column),
		             "Each " + Quoted(by_left ? def.right.key : def.left.key) +
		                 " may have one active link: Citus keeps that unique index only on the distribution column.");
	const Linkable &side = by_left ? left : right;
	const Oid side_oid = side.relation && !side.table_missing ? registry::RelationOid(*side.relation) : InvalidOid;
	if (!OidIsValid(side_oid) || pg::citus::DistributionColumn(side_oid) != side.primary_key ||
	    (colocated && !*colocated))
		throw refuse(", distributed by " + Quoted(*column) + ", not co-located with the table of " +
		                 Quoted(side.module + "." + side.model),
		             "Its shards hold the link rows of the records in the shards of that table, distributed by "
		             "the linkable's key " + Quoted(side.primary_key) + ", on the same node.");
	if (!pg::citus::Preloaded())
		throw refuse(": link_module is not in shared_preload_libraries",
		             "The coordinator takes what its shards' triggers journal after each statement, in every "
		             "session, from a hook that only a preloaded link_module installs.");
}

} // namespace

void
CheckLayout(const LinkDefinition &def, const Linkable &left, const Linkable &right) {
	if (def.read_only || !pg::citus::Installed())
		return;
	const std::string what = "link " + Quoted(def.names.service_name);
	const std::string layouts = "Links need module tables that are all local tables, or all Citus tables: reference "
	                            "(create_reference_table), Citus local, or hash-distributed by the linkable's key; "
	                            "a link table local, a reference table, or distributed by a side's key (distribute_link): see README, "
	                            "\"Scaling out with Citus\".";
	const auto sides = SidePlacements(left, right);
	std::vector<std::pair<std::string, Placement>> tables = sides;
	if (TableExists(def))
		tables.emplace_back(QualifiedTable(def), pg::citus::PlacementOf(registry::RelationOid(QualifiedTable(def))));
	for (std::size_t i = 0; i < tables.size(); ++i) {
		const auto &[relation, placement] = tables[i];
		const Oid oid = registry::RelationOid(relation);
		if (placement == Placement::Distributed) {
			if (i == sides.size()) {
				const auto column = pg::citus::DistributionColumn(oid);
				const Linkable &side = column == def.left.key ? left : right;
				CheckDistributedLinkTable(def, left, right, relation, column,
				                          side.relation && !side.table_missing &&
				                              pg::citus::Colocated(oid, registry::RelationOid(*side.relation)));
				continue;
			}
			const Linkable &side = relation == left.relation ? left : right;
			const auto column = pg::citus::DistributionColumn(oid);
			if (column != side.primary_key)
				throw Error(sqlstate::kFeatureNotSupported,
				            what + " cannot use distributed table " + relation + (column ? ", distributed by " + Quoted(*column) : ""),
				            "Its shards journal the keys of the records a statement changes, by linkable " +
				                Quoted(side.module + "." + side.model) + "'s key " + Quoted(side.primary_key) +
				                ", for the coordinator to cascade.",
				            "Distribute it by the key: SELECT alter_distributed_table('" + relation +
				                "', distribution_column => '" + side.primary_key + "').");
			if (!pg::citus::Preloaded())
				throw Error(sqlstate::kFeatureNotSupported,
				            what + " cannot use distributed table " + relation +
				                ": link_module is not in shared_preload_libraries",
				            "The coordinator cascades a distributed table's changes after each statement, in every "
				            "session, from a hook that only a preloaded link_module installs.",
				            "Set shared_preload_libraries = 'citus,link_module' on the coordinator and restart it.");
			continue;
		}
		if (placement != Placement::Local && !pg::citus::CoordinatorHasPlacement(oid))
			throw Error(sqlstate::kFeatureNotSupported,
			            what + " cannot use " + pg::citus::PlacementName(placement) + " " + relation +
			                ": the coordinator holds no placement of it",
			            "Its cascades run in the triggers of the coordinator's placement.",
			            "Add the coordinator to the metadata: SELECT citus_set_coordinator_host('<host>', <port>).");
	}
	/* Citus plans no statement that joins a table it manages with one it does not: a link's
	 * module tables are all Citus tables or none, and so is its link table (PlaceLinkTable
	 * moves a local one). */
	const auto on_citus = [](const auto &table) { return table.second != Placement::Local; };
	const auto citus_side = std::find_if(sides.begin(), sides.end(), on_citus);
	const auto local_side = std::find_if_not(sides.begin(), sides.end(), on_citus);
	const auto mixed = [&](const std::pair<std::string, Placement> &local, const std::pair<std::string, Placement> &managed) {
		return Error(sqlstate::kFeatureNotSupported,
		             what + " cannot join local table " + local.first + " with " + pg::citus::PlacementName(managed.second) +
		                 " " + managed.first,
		             "Citus plans no statement that joins a table it manages with one it does not.", layouts);
	};
	if (citus_side != sides.end() && local_side != sides.end())
		throw mixed(*local_side, *citus_side);
	if (tables.size() > sides.size() && on_citus(tables.back()) && citus_side == sides.end() && !sides.empty())
		throw mixed(sides.front(), tables.back());
}

void
PlaceLinkTable(const LinkDefinition &def, const Linkable &left, const Linkable &right) {
	if (def.read_only || !pg::citus::Installed())
		return;
	bool reference = false, coordinator_local = false;
	for (const Linkable *side : {&left, &right}) {
		if (!side->relation || side->table_missing)
			continue;
		const Oid oid = registry::RelationOid(*side->relation);
		const Placement placement = pg::citus::PlacementOf(oid);
		reference = reference || placement == Placement::Reference || placement == Placement::Distributed;
		coordinator_local = coordinator_local || placement == Placement::CoordinatorLocal;
		if (placement == Placement::Distributed) {
			const auto owner = pg::QueryValue("SELECT relowner::text FROM pg_catalog.pg_class WHERE oid = $1::oid",
			                                  {std::to_string(oid)});
			pg::AsOwner as_owner(registry::Owner()); /* link_module.record_changed() is not PUBLIC's */
			pg::citus::PrepareJournal(oid, *side->relation, side->key_type, static_cast<Oid>(std::stoul(*owner)),
			                          side->soft_delete_column);
		}
	}
	const std::string table = QualifiedTable(def);
	const Oid oid = registry::RelationOid(table);
	const Placement current = pg::citus::PlacementOf(oid);
	if (current != Placement::Local && current != Placement::CoordinatorLocal)
		return;
	if (reference) {
		pg::citus::WithTriggersAllowed(
		    [&] { pg::Execute("SELECT pg_catalog.create_reference_table($1::regclass)", {table}); });
	} else if (coordinator_local && current == Placement::Local) {
		/* Citus keeps the table as its coordinator shard and puts a new table (a new OID) under
		 * its name: the link and its notes follow the name. */
		pg::citus::WithTriggersAllowed(
		    [&] { pg::Execute("SELECT pg_catalog.citus_add_local_table_to_metadata($1::regclass)", {table}); });
		Repoint(oid, registry::RelationOid(table));
	}
}

namespace {
Oid rebuilding_link_table = InvalidOid;
}

bool
RebuildAllowed(Oid relid) {
	return OidIsValid(rebuilding_link_table) && relid == rebuilding_link_table;
}

void
DistributeLinkTable(const LinkDefinition &def, const Linkable &left, const Linkable &right, const std::string &column) {
	const std::string table = QualifiedTable(def);
	CheckDistributedLinkTable(def, left, right, table, column, std::nullopt);
	const Linkable &side = column == def.left.key ? left : right;
	const Oid oid = registry::RelationOid(table);
	if (pg::citus::DistributionColumn(oid) != column || !pg::citus::Colocated(oid, registry::RelationOid(*side.relation))) {
		/* Citus copies the rows into the new table (and into the shards), firing the triggers of
		 * the rows written: they are dropped meanwhile, and made again, for the shards, below. */
		SyncWriteTriggers(def, false);
		if (pg::citus::PlacementOf(oid) != Placement::Local) {
			/* Citus rebuilds the table under its name (a new OID): the link and its notes follow
			 * it (FollowCitusTables), as they may for this rebuild only. */
			struct Allow {
				explicit Allow(Oid relid) { rebuilding_link_table = relid; }
				~Allow() { rebuilding_link_table = InvalidOid; }
			} allow(oid);
			pg::citus::WithTriggersAllowed(
			    [&] { pg::Execute("SELECT pg_catalog.undistribute_table($1::regclass)", {table}); });
		}
		pg::citus::WithTriggersAllowed([&] {
			pg::Execute("SELECT pg_catalog.create_distributed_table($1::regclass, $2, colocate_with => $3)",
			            {table, column, *side.relation});
		});
	}
	/* The catalog lookups (read-only, with the statement's snapshot) read Citus's new metadata. */
	pg::ScopedSnapshot own_changes(pg::ScopedSnapshot::OwnChanges);
	SyncWriteTriggers(def);
	CheckLayout(def, left, right);
	PlaceLinkTable(def, left, right); /* the journals its shards write into, as they are now */
}

namespace {

const char *kTriggerNames[] = {"link_module_update", "link_module_delete", "link_module_truncate"};

} // namespace

bool
InstallRecordTriggers(const std::string &relation) {
	if (pg::QueryValue("SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = 'link_module_delete'",
	                   {relation}))
		return false;
	/* As the extension's owner: link_module.record_changed() is not executable by PUBLIC (it
	 * is a trigger, nobody calls it); the callers' TRIGGER on the table was checked. relation is
	 * regclass output: already quoted and qualified. */
	pg::AsOwner as_owner(registry::Owner());
	pg::citus::WithTriggersAllowed([&] {
		pg::Execute("CREATE TRIGGER link_module_update AFTER UPDATE ON " + relation +
		            " REFERENCING OLD TABLE AS link_module_old NEW TABLE AS link_module_new FOR EACH STATEMENT "
		            "EXECUTE FUNCTION link_module.record_changed()");
		pg::Execute("CREATE TRIGGER link_module_delete AFTER DELETE ON " + relation +
		            " REFERENCING OLD TABLE AS link_module_old FOR EACH STATEMENT "
		            "EXECUTE FUNCTION link_module.record_changed()");
		pg::Execute("CREATE TRIGGER link_module_truncate AFTER TRUNCATE ON " + relation +
		            " FOR EACH STATEMENT EXECUTE FUNCTION link_module.record_changed()");
	});
	return true;
}

bool
AdoptTable(const std::string &relation, const std::string &module, const std::string &model) {
	const bool installed = InstallRecordTriggers(relation);
	registry::PinRelation(module, model, relation);
	return installed;
}

void
SyncWriteTriggers(const LinkDefinition &def, bool defined) {
	const std::string table = QualifiedTable(def);
	const bool cascades = defined && (def.left.delete_cascade || def.right.delete_cascade);
	struct Trigger {
		const char *name, *event, *transitions, *function;
		bool wanted;
	};
	const Trigger triggers[] = {
	    {"link_module_rows_inserted", "INSERT", "NEW TABLE AS link_module_new", "link_rows_written", cascades},
	    {"link_module_rows_updated", "UPDATE", "NEW TABLE AS link_module_new", "link_rows_written", cascades},
	    {"link_module_rows_removed", "UPDATE", "OLD TABLE AS link_module_old NEW TABLE AS link_module_new",
	     "link_rows_removed", defined},
	};
	/* A distributed link table's shards journal their rows for the coordinator, by the
	 * distribution column and the other side's key, which their triggers' argument names. */
	const auto column = pg::citus::DistributionColumn(registry::RelationOid(table));
	const std::string argument =
	    column ? pg::PgQuoter().literal(*column == def.left.key ? def.right.key : def.left.key) : "";
	pg::AsOwner as_owner(registry::Owner()); /* the trigger functions are not PUBLIC's */
	for (const Trigger &trigger : triggers) {
		const bool present = pg::QueryValue("SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2",
		                                    {table, trigger.name})
		                         .has_value();
		if (trigger.wanted && (!present || column))
			pg::citus::WithTriggersAllowed([&] {
				pg::Execute(std::string(column ? "CREATE OR REPLACE TRIGGER " : "CREATE TRIGGER ") + trigger.name +
				            " AFTER " + trigger.event + " ON " + table + " REFERENCING " + trigger.transitions +
				            " FOR EACH STATEMENT EXECUTE FUNCTION link_module." + trigger.function + "(" + argument + ")");
			});
		else if (!trigger.wanted && present)
			pg::citus::WithTriggersAllowed([&] { pg::Execute(std::string("DROP TRIGGER ") + trigger.name + " ON " + table); });
	}
}

void
RemoveRecordTriggersIfUnused(const std::string &relation) {
	if (!pg::QueryValue("SELECT 1 FROM pg_class WHERE oid = to_regclass($1)", {relation}))
		return;
	if (pg::QueryValue("SELECT 1 FROM link_module.link_registry l JOIN link_module.linkable_registry k ON "
	                   "  (k.module, k.model) IN ((l.left_module, l.left_model), (l.right_module, l.right_model)) "
	                   "WHERE NOT l.read_only AND link_module.current_relation(k.relation, k.relation_name) = "
	                   "  to_regclass($1)",
	                   {relation}))
		return;
	/* As the table's owner: the link's owner may have put them there with TRIGGER alone, and
	 * only an owner may drop a trigger. They are link_module's, and nothing uses them now. */
	pg::AsOwner as_owner(static_cast<Oid>(
	    std::stoul(*pg::QueryValue("SELECT relowner::text FROM pg_class WHERE oid = to_regclass($1)", {relation}))));
	for (const char *name : kTriggerNames)
		if (pg::QueryValue("SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2", {relation, name}))
			pg::citus::WithTriggersAllowed([&] { pg::Execute("DROP TRIGGER " + std::string(name) + " ON " + relation); });
	pg::AsOwner as_extension_owner(registry::Owner()); /* the journal's */
	pg::citus::DropJournalIfUnused(registry::RelationOid(relation));
}

void
FollowCitusTables() {
	/* A table Citus rebuilt (undistribute_table, ...), now under the dropped one's name. */
	for (const auto &row : pg::Query("SELECT DISTINCT c.object_identity, c.objid::text FROM pg_event_trigger_ddl_commands() c "
	                                 "WHERE c.classid = 'pg_class'::regclass AND c.objsubid = 0"))
		if (auto dropped = pg::citus::TakeRebuildDrop(*row[0]))
			Repoint(*dropped, static_cast<Oid>(std::stoul(*row[1])));
	/* A table Citus made a Citus local table (citus_add_local_table_to_metadata, or for a
	 * foreign key to a reference table): its OID is now its coordinator shard's, and its name
	 * has a new one. */
	for (const auto &row : pg::Query(
	         "SELECT o.oid::text, s.logicalrelid::oid::text FROM (SELECT relation::oid AS oid FROM link_module.linkable_registry "
	         "  UNION SELECT link_table::oid FROM link_module.link_registry) o "
	         "JOIN pg_catalog.pg_dist_shard s ON s.shardid::text = substring(o.oid::regclass::text from '_(\\d+)\"?$') "
	         "WHERE o.oid <> 0 AND pg_catalog.relation_is_a_known_shard(o.oid)"))
		Repoint(static_cast<Oid>(std::stoul(*row[0])), static_cast<Oid>(std::stoul(*row[1])));
}

} // namespace link_module::link_table

using namespace link_module;

/* ddl_command_end event trigger: a table that has become a linkable's table again (created
 * under the name of a dropped one, or renamed to it) gets the record triggers of the links
 * that use it, as define_link gave the table before. */
LM_FUNCTION(link_module_table_created) {
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		throw Error(sqlstate::kTriggerProtocolViolated, "link_module.table_created() must be called as an event trigger");
	pg::SpiConnection spi;
	if (!registry::CatalogIsCurrent()) {
		spi.Finish();
		return PointerGetDatum(nullptr);
	}
	if (pg::citus::Installed())
		link_table::FollowCitusTables();
	if (pg::citus::RebuildingTable()) {
		spi.Finish(); /* Citus itself puts the triggers of the table it replaces on the copy */
		return PointerGetDatum(nullptr);
	}
	bool installed = false;
	for (const auto &row : pg::Query(
	         "SELECT DISTINCT c.objid::regclass::text, k.module, k.model FROM pg_event_trigger_ddl_commands() c "
	         "JOIN link_module.linkable_registry k ON link_module.current_relation(k.relation, k.relation_name) = c.objid "
	         /* only a table that took the place of a dropped one: pg_restore's own ALTER TABLEs,
	          * run before it creates the dumped triggers, must not add them */
	         "  AND NOT EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = k.relation) "
	         "  AND (k.relation_owner::oid, 'r') = (SELECT relowner, relkind FROM pg_class WHERE oid = c.objid) "
	         "JOIN link_module.link_registry l ON NOT l.read_only AND "
	         "  (k.module, k.model) IN ((l.left_module, l.left_model), (l.right_module, l.right_model)) "
	         "WHERE c.classid = 'pg_class'::regclass AND c.objsubid = 0"))
		/* The registration now names the table by OID: a later table created under its name
		 * (Citus's shell of a Citus local table) is not taken for a replacement too. */
		installed = link_table::AdoptTable(*row[0], *row[1], *row[2]) || installed;
	/* The backends' link caches know the linkable's table by its old OID: as for any registry
	 * change, invalidate them (at commit, everywhere). */
	if (installed)
		pg::PgCall(CacheInvalidateRelcacheByRelid,
		           static_cast<Oid>(std::stoul(*pg::QueryValue("SELECT 'link_module.linkable_registry'::regclass::oid::text"))));
	spi.Finish();
	return PointerGetDatum(nullptr);
}
