/* The link model of the pure core: what define_link and register_linkable accept, validated
 * and normalized, and the JSON form the registry stores and the functions return. */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/naming.hpp"

namespace link_module {

/* Quoting comes from PostgreSQL (quote_identifier, quote_literal) at run time and from a
 * stand-in in unit tests, so the core builds SQL text without linking the server. */
struct Quoter {
	std::function<std::string(const std::string &)> ident;
	std::function<std::string(const std::string &)> literal;

	std::string Qualified(const std::string &schema, const std::string &name) const {
		return ident(schema) + "." + ident(name);
	}
};

/* A registered linkable: a module's model and the key links use for it. */
struct Linkable {
	std::string module;
	std::string model;
	std::optional<std::string> relation; /* schema-qualified table; nullopt: virtual */
	std::string primary_key;
	std::string key;
	std::string key_type; /* format_type of the primary key; varchar(255) when virtual */
	std::optional<std::string> soft_delete_column;
	std::string alias;
	bool validate = true;
	bool table_missing = false; /* registered with a table that no longer exists */
};

/* register_linkable's options, before the table is consulted for defaults. */
struct LinkableOptions {
	std::optional<std::string> primary_key;
	std::optional<std::string> key;
	bool soft_delete_given = false; /* softDeleteColumn present; null disables it */
	std::optional<std::string> soft_delete_column;
	std::optional<std::string> alias;
	std::optional<bool> validate;
};

LinkableOptions ParseLinkableOptions(const Json &options);
Json LinkableToJson(const Linkable &linkable);

/* One define_link side as the caller wrote it. */
struct SideSpec {
	std::string module;
	std::string model;
	std::optional<bool> is_list;
	std::optional<bool> delete_cascade;
	std::optional<std::string> alias;
	std::optional<std::string> field;
	std::optional<std::vector<std::string>> filterable;
};

/* Splits "module.model"; errors name the argument. */
std::pair<std::string, std::string> SplitLinkable(std::string_view text, std::string_view what);

/* A side is "module.model" or a JSON object in Medusa's InputOptions form. */
SideSpec ParseSide(std::string_view text, std::string_view what);

/* An extra column of a link table (Medusa's database.extraColumns entry). */
struct ExtraColumn {
	std::string name;
	std::string type;     /* Medusa's type name: json, string, enum, ... */
	std::string sql_type; /* the PostgreSQL type it maps to */
	bool nullable = false;
	std::optional<std::string> default_literal;  /* text for the type's input function */
	std::optional<std::string> default_function; /* now(), CURRENT_TIMESTAMP, gen_random_uuid() */
	std::vector<std::string> items;              /* enum and enumArray values */
	Json options = Json::object();               /* options as accepted: items, precision, ... */

	bool IsEnum() const { return type == "enum" || type == "enumArray"; }
	bool HasDefault() const { return default_literal || default_function; }
	bool operator==(const ExtraColumn &other) const;
};

/* Medusa's extra column type names, in the order the docs list them. */
const std::vector<std::string> &ColumnTypeNames();

/* Parses one extraColumns entry; throws naming the column on any bad field. */
ExtraColumn ParseExtraColumn(const std::string &name, const Json &spec);

/* The entry in input form ({type, nullable, defaultValue, options}), so a returned
 * definition can be passed to define_link again. */
Json ExtraColumnToJson(const ExtraColumn &column);

struct LinkOptions {
	std::optional<std::string> table;
	std::optional<std::string> schema;
	std::optional<std::string> id_prefix;
	std::vector<ExtraColumn> extra_columns;
	bool read_only = false;
	std::optional<bool> is_list;
	bool allow_unsafe = false;
	/* Adopting a table (or making a side unique) dismisses what the definition cannot hold:
	 * all but the newest active link of each id that may have only one, and active links to
	 * missing or soft-deleted records. */
	bool repair = false;
};

LinkOptions ParseLinkOptions(const Json &options);

/* Whether a key of this type (format_type) is a number: payloads may give its ids as JSON
 * numbers. */
bool IsNumericKeyType(const std::string &key_type);

/* A side of a link definition: the linkable and how this link uses it. */
struct LinkSide {
	std::string module;
	std::string model;
	std::string key;
	std::string key_type;
	std::string primary_key;
	std::string alias;
	bool is_list = false;
	bool delete_cascade = false;
	bool is_virtual = false;
	std::optional<std::string> field;
	std::optional<std::vector<std::string>> filterable;
};

struct LinkDefinition {
	LinkSide left;
	LinkSide right;
	naming::LinkNames names;
	std::string schema = "public";
	std::string id_prefix = "link";
	bool read_only = false;
	std::optional<bool> read_only_is_list;
	std::vector<ExtraColumn> extra_columns;
	/* Not stored: the column the link table is hash-distributed by (Citus), empty for none. On
	 * such a table statements find rows by their keys, never by tuple id, and probe it without
	 * fences Citus cannot plan. */
	std::string distributed_by;
	bool Distributed() const { return !distributed_by.empty(); }

	/* Medusa's rule: a side's ids are unique among active rows unless the other side isList. */
	bool LeftKeyUnique() const { return !right.is_list; }
	bool RightKeyUnique() const { return !left.is_list; }
	const ExtraColumn *FindColumn(const std::string &name) const;
};

/* Validates the sides against each other and the options, and derives every name. */
LinkDefinition BuildDefinition(const SideSpec &left_spec, const Linkable &left, const SideSpec &right_spec,
                               const Linkable &right, const LinkOptions &options);

Json DefinitionToJson(const LinkDefinition &definition, const Quoter &quote);
LinkDefinition DefinitionFromJson(const Json &json);

} // namespace link_module
