/* DDL text for link tables (Medusa's exact layout plus our cardinality indexes) and the plan
 * that converges an existing link table to a new definition. Pure text: executing it is the
 * PostgreSQL layer's job. */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/definition.hpp"

namespace link_module {

struct IndexSpec {
	std::string name;
	std::string sql;
};

/* CREATE TABLE: keys, id, extra columns, timestamps, the primary key and enum CHECKs. */
std::string CreateTableSql(const LinkDefinition &def, const Quoter &quote);

/* Medusa's four indexes (IDX_id_, IDX_<key>_ x2, IDX_deleted_at_) and, for each side whose ids
 * must be unique, a partial unique index IDX_<key>_unique_<hash> WHERE deleted_at IS NULL. */
std::vector<IndexSpec> IndexSpecs(const LinkDefinition &def, const Quoter &quote);

/* The column definition of an extra column: name, type, NULL/NOT NULL and DEFAULT. */
std::string ExtraColumnSql(const ExtraColumn &column, const Quoter &quote);

/* ALTER TABLE ... ADD CONSTRAINT for an enum/enumArray column's CHECK. */
std::string AddEnumCheckSql(const LinkDefinition &def, const ExtraColumn &column, const Quoter &quote);

/* One step from an existing definition to a new one. */
struct Change {
	std::string description;
	bool unsafe = false;
	std::vector<std::string> sql;
	/* Set when the step creates a unique index: existing active rows must not repeat this key. */
	std::optional<std::string> unique_key;
};

/* What re-defining `old_def` as `new_def` changes, safe steps and unsafe ones. Throws when the
 * change cannot be made by define_link at all (another table, read-only flipped). */
std::vector<Change> PlanRedefinition(const LinkDefinition &old_def, const LinkDefinition &new_def,
                                     const Quoter &quote);

} // namespace link_module
