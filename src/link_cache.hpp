/* The stored links as link operations need them, parsed once per backend and reloaded only
 * after an invalidation: a registry change (a statement trigger on the registry tables
 * broadcasts one) or DDL on a link table or linked table (relcache invalidation). */
#pragma once

#include <optional>
#include <vector>

#include "core/definition.hpp"
#include "core/link_sql.hpp"

namespace link_module::link_cache {

/* Every stored link, and for each side the table that existence checks lock (nullopt for a
 * virtual linkable or one registered with validate false). */
struct StoredLinks {
	std::vector<LinkDefinition> links;
	std::vector<std::optional<link_sql::RecordTable>> left_tables;
	std::vector<std::optional<link_sql::RecordTable>> right_tables;

	std::size_t IndexOf(const LinkDefinition *link) const { return static_cast<std::size_t>(link - links.data()); }
};

/* The current stored links; valid until the next call of Current(). Needs an SPI connection. */
const StoredLinks &Current();

/* Registers the invalidation callback; called once from _PG_init. */
void RegisterInvalidation();

} // namespace link_module::link_cache
