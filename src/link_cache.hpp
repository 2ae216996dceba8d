/* The stored links as link operations need them, parsed once per backend and reloaded only
 * after an invalidation: a registry change (a statement trigger on the registry tables
 * broadcasts one) or DDL on a link table or linked table (relcache invalidation). */
#pragma once

#include <optional>
#include <vector>

#include "core/definition.hpp"
#include "core/link_sql.hpp"

struct TriggerData;

namespace link_module::link_cache {

/* Every stored link, and for each side its linkable's table (nullopt for a virtual one). */
struct StoredLinks {
	std::vector<LinkDefinition> links;
	std::vector<std::optional<link_sql::RecordTable>> left_tables;
	std::vector<std::optional<link_sql::RecordTable>> right_tables;
	std::vector<unsigned int> link_owners; /* owner of each link table (0: no table) */
	std::vector<unsigned int> link_table_oids;

	std::size_t IndexOf(const LinkDefinition *link) const { return static_cast<std::size_t>(link - links.data()); }
};

/* The stored links for the span of one link operation (needs an SPI connection). The cache
 * reloads only when no operation holds it, so a nested one (a trigger fired by an outer
 * operation's statements) never changes links under the outer one. */
class Use {
public:
	Use();
	~Use();
	Use(const Use &) = delete;
	Use &operator=(const Use &) = delete;
	const StoredLinks &links() const;

	/* Locks the tables of `links` (ROW EXCLUSIVE for writes, ACCESS SHARE for reads, as the
	 * statements will) before any statement
	 * is built from their definitions. Throws Changed when the wait for a lock brought news
	 * of DDL on them or the registry (a concurrent define_link or ALTER TABLE committed): the
	 * outermost operation then starts again with the definitions as they are now. */
	void LockTables(const std::vector<const LinkDefinition *> &links, bool write = true) const;
};

struct Changed {};

/* The table a link_module trigger that fired on `relid` acts for: `relid` itself when it is a
 * linked table or a link table, else the table whose Citus shard it is (pg/citus), or nullopt
 * when the trigger has nothing to do (a record trigger, `record_change`, on a distributed
 * table's shard journals the change for the coordinator). */
std::optional<unsigned int> TriggerTable(const StoredLinks &stored, unsigned int relid, bool truncate,
                                         TriggerData *record_change = nullptr);

} // namespace link_module::link_cache
