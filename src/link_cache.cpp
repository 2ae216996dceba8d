#include "link_cache.hpp"
#include "registry.hpp"

#include "core/error.hpp"
#include "pg/citus.hpp"
#include "pg/guard.hpp"
#include "pg/relcache_watch.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "storage/lmgr.h"
#include "utils/inval.h"
}

namespace link_module::link_cache {

namespace {

StoredLinks cached;
int users = 0; /* link operations holding `cached` (more than one when nested) */
/* Stale after DDL on a link table or linked table, or a registry change. */
pg::RelcacheWatch watch;

unsigned int
OidOf(const pg::Value &value) {
	return value ? static_cast<unsigned int>(std::stoul(*value)) : 0;
}

std::optional<link_sql::RecordTable>
RecordTableOf(const pg::Row &row, std::size_t first, std::size_t oid, std::size_t owner, std::size_t local) {
	if (!row[first])
		return std::nullopt;
	return link_sql::RecordTable{*row[first],           *row[first + 1], row[first + 2].value_or("text"), row[first + 3],
	                             *row[first + 4] == "t", OidOf(row[oid]),  OidOf(row[owner]),
	                             row[local] == std::optional<std::string>("t")};
}

/* Loads `cached`; returns the relations it was built from. */
std::vector<Oid>
Reload() {
	/* Nothing read from the registry becomes SQL text: tables' names come from the catalog (a
	 * table that is gone, as one quoted identifier that names nothing), key types from the live
	 * columns (the records' key column, the link table's key columns: columns 21, 22), as ids
	 * are cast to them: a domain's base type, without a type modifier. A link
	 * whose table is gone (dropped while the extension's event trigger was disabled) counts as
	 * removed: it has no rows to cascade through, list or create. */
	static const char *sql =
	    "SELECT l.definition::text, "
	    "  coalesce(link_module.current_relation(ll.relation, ll.relation_name)::text, quote_ident(ll.relation_name)), "
	    "  ll.primary_key, link_module.cast_type(link_module.current_relation(ll.relation, ll.relation_name), "
	    "                                          ll.primary_key), ll.soft_delete_column, ll.validate, "
	    "  coalesce(link_module.current_relation(rl.relation, rl.relation_name)::text, quote_ident(rl.relation_name)), "
	    "  rl.primary_key, link_module.cast_type(link_module.current_relation(rl.relation, rl.relation_name), "
	    "                                          rl.primary_key), rl.soft_delete_column, rl.validate, "
	    "  l.link_table::oid::text, link_module.current_relation(ll.relation, ll.relation_name)::oid::text, "
	    "  link_module.current_relation(rl.relation, rl.relation_name)::oid::text, "
	    "  'link_module.link_registry'::regclass::oid::text, 'link_module.linkable_registry'::regclass::oid::text, "
	    "  n.nspname, c.relname, c.relowner::text, "
	    "  (SELECT relowner::text FROM pg_class WHERE oid = link_module.current_relation(ll.relation, ll.relation_name)), "
	    "  (SELECT relowner::text FROM pg_class WHERE oid = link_module.current_relation(rl.relation, rl.relation_name)), "
	    "  link_module.cast_type(l.link_table, l.left_key), link_module.cast_type(l.link_table, l.right_key), "
	    "  link_module.column_type(link_module.current_relation(ll.relation, ll.relation_name), ll.soft_delete_column) "
	    "    = 'timestamp without time zone', "
	    "  link_module.column_type(link_module.current_relation(rl.relation, rl.relation_name), rl.soft_delete_column) "
	    "    = 'timestamp without time zone' "
	    "FROM link_module.link_registry l "
	    "LEFT JOIN pg_class c ON c.oid = l.link_table LEFT JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "JOIN link_module.linkable_registry ll ON ll.module = l.left_module AND ll.model = l.left_model "
	    "JOIN link_module.linkable_registry rl ON rl.module = l.right_module AND rl.model = l.right_model "
	    "WHERE NOT l.read_only AND c.oid IS NOT NULL ORDER BY l.service_name";
	StoredLinks fresh;
	std::vector<Oid> relations;
	registry::Owner(); /* a clear error while the SQL objects are older than the library */
	const bool citus = pg::citus::Installed();
	for (const auto &row : pg::Query(sql, {}, "registry:links")) {
		LinkDefinition link = DefinitionFromJson(ParseJson(*row[0], "stored link definition"));
		/* The link table where it is now: the registry's regclass follows a rename. */
		if (row[16] && row[17]) {
			link.schema = *row[16];
			link.names.table = *row[17];
		}
		link.left.key_type = row[21].value_or("text");
		link.right.key_type = row[22].value_or("text");
		if (citus)
			link.distributed_by = pg::citus::DistributionColumn(OidOf(row[11])).value_or("");
		fresh.links.push_back(std::move(link));
		fresh.left_tables.push_back(RecordTableOf(row, 1, 12, 19, 23));
		fresh.right_tables.push_back(RecordTableOf(row, 6, 13, 20, 24));
		fresh.link_owners.push_back(OidOf(row[18]));
		fresh.link_table_oids.push_back(OidOf(row[11]));
		for (std::size_t column = 11; column <= 15; ++column)
			if (row[column])
				relations.push_back(static_cast<Oid>(std::stoul(*row[column])));
	}
	cached = std::move(fresh);
	return relations;
}

} // namespace

Use::Use() {
	if (users == 0)
		watch.Refresh(Reload);
	++users;
}

Use::~Use() {
	--users;
}

void
Use::LockTables(const std::vector<const LinkDefinition *> &links, bool write) const {
	const LOCKMODE mode = write ? RowExclusiveLock : AccessShareLock;
	std::vector<Oid> tables;
	for (const LinkDefinition *link : links)
		if (Oid oid = cached.link_table_oids[cached.IndexOf(link)]) {
			pg::PgCall([](Oid relation, LOCKMODE m) { LockRelationOid(relation, m); }, oid, mode);
			tables.push_back(oid);
		}
	/* A nested operation keeps the definitions its outer one holds. */
	if (!watch.Invalidated(tables) || users != 1)
		return;
	/* Under REPEATABLE READ the transaction's snapshot does not see what the change wrote (the
	 * rows a define_link repair dismissed, say); starting again would not help. */
	if (IsolationUsesXactSnapshot())
		throw Error(sqlstate::kSerializationFailure,
		            "the definition or table of a link changed after this transaction's snapshot was taken", "",
		            "Retry the transaction.");
	throw Changed{};
}

const StoredLinks &
Use::links() const {
	return cached;
}

std::optional<unsigned int>
TriggerTable(const StoredLinks &stored, unsigned int relid, bool truncate, TriggerData *record_change) {
	for (std::size_t i = 0; i < stored.links.size(); ++i)
		if (stored.link_table_oids[i] == relid || (stored.left_tables[i] && stored.left_tables[i]->oid == relid) ||
		    (stored.right_tables[i] && stored.right_tables[i]->oid == relid))
			return truncate && pg::citus::TruncateStaysLocal(relid) ? std::nullopt : std::optional(relid);
	return pg::citus::TableActedFor(relid, truncate, record_change);
}

} // namespace link_module::link_cache

using namespace link_module;

/* The registry tables' statement trigger: tell every backend (this one included, and this one
 * again if the transaction rolls back) that the stored links changed. */
LM_FUNCTION(link_module_registry_changed) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		throw Error(sqlstate::kTriggerProtocolViolated, "link_module_registry_changed() must be called as a trigger");
	auto *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
	Oid relid = RelationGetRelid(trigger->tg_relation);
	pg::PgCall(CacheInvalidateRelcacheByRelid, relid);
	return PointerGetDatum(nullptr);
}
