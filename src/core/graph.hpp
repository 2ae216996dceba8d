/* query_graph's compiler: a Medusa graph request ({entity, fields, filters, pagination,
 * withDeleted}) checked against the registry and turned into one SQL statement whose values are
 * all parameters. The statement text depends only on the request's shape, so its plan can be
 * cached by text. */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/definition.hpp"

namespace link_module::graph {

struct Column {
	std::string name;
	std::string type; /* format_type */
	/* No two rows a read sees share a value: a unique index on the column alone, partial at most
	 * to the table's live rows. An order by a field of a record linked through such keys is then
	 * a join, not a subquery per row. */
	bool unique = false;
};

/* A table an entity reads: a linkable's table or a link table. */
struct Table {
	std::string relation; /* schema-qualified, quoted */
	std::string primary_key;
	std::optional<std::string> soft_delete_column;
	std::vector<Column> columns;
	const Column *Find(const std::string &name) const;
};

/* A registered linkable; `table` is nullopt for a virtual one. */
struct Entity {
	std::string module;
	std::string model;
	std::optional<Table> table;
	/* Registered with a table that no longer exists: the name it had (table is then nullopt). */
	std::optional<std::string> dropped_table = std::nullopt;
};

/* What a request is checked against: the registry with each table's columns. */
struct Schema {
	std::vector<Entity> entities;
	std::vector<LinkDefinition> links;
	std::vector<std::optional<Table>> link_tables; /* per link; nullopt for read-only links */
	/* Some linkable's table is hash-distributed (Citus), which no statement may read in a subquery
	 * correlated with another such table: requests read in stages. Each record table a request
	 * reaches through links is first read in a CTE, restricted to the keys of the rows above it;
	 * filters through links become uncorrelated IN (subquery). */
	bool staged = false;
};

struct Limits {
	int max_depth = 5;
	long max_take = 1000;
	/* Whether an order by a linked record may join it through unique keys. Off where the rows
	 * are read with an older snapshot than the uniqueness (REPEATABLE READ): they may not hold
	 * to it. */
	bool join_unique = true;
};

/* A statement parameter: text, or text[] when `array`; the SQL casts it to `type` (the
 * field's), and `path` names the field for an error about the value. */
struct Param {
	bool array = false;
	std::string value;
	std::vector<std::string> items;
	std::string type = "text";
	std::string path;
};

struct Statement {
	std::string sql; /* one row, one jsonb column: {"data": [...], "metadata": {...}} */
	std::vector<Param> params;
	/* It joins through keys the schema says are unique: its result holds only if the schema
	 * did not change while it waited for its locks. */
	bool joins_unique = false;
};

/* Throws Error (with SQLSTATE) naming the entity, field path, alias, operator or value at fault. */
Statement Compile(const Json &request, const Schema &schema, const Quoter &quote, const Limits &limits);

} // namespace link_module::graph
