#include "core/definition.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "core/cpp_only.hpp"

namespace link_module {

namespace {

std::string
JoinQuoted(const std::vector<std::string> &names) {
	std::string out;
	for (const auto &name : names)
		out += (out.empty() ? "" : ", ") + name;
	return out;
}

/* Rejects keys of `object` outside `allowed`, naming the first unknown one and the allowed ones. */
void
CheckKeys(const Json &object, const std::vector<std::string> &allowed, std::string_view where) {
	for (const auto &item : object.items()) {
		if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
			throw Error(sqlstate::kInvalidParameterValue,
			            "unknown key " + Quoted(item.key()) + " in " + std::string(where),
			            {}, "Valid keys are: " + JoinQuoted(allowed) + ".");
	}
}

/* Extra columns in jsonb's key order (shorter names first, then bytewise), the order in which
 * they have always been created; Json objects iterate bytewise. */
void
SortColumnsLikeJsonb(std::vector<ExtraColumn> &columns) {
	std::sort(columns.begin(), columns.end(), [](const ExtraColumn &a, const ExtraColumn &b) {
		return a.name.size() != b.name.size() ? a.name.size() < b.name.size() : a.name < b.name;
	});
}

const Json *
Member(const Json &object, const char *key) {
	auto it = object.find(key);
	return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<bool>
OptionalBool(const Json &object, const char *key, std::string_view where) {
	const Json *value = Member(object, key);
	if (!value)
		return std::nullopt;
	if (!value->is_boolean())
		throw Error(sqlstate::kInvalidParameterValue,
		            Quoted(key) + " in " + std::string(where) + " must be a boolean, not " + Excerpt(*value));
	return value->get<bool>();
}

std::optional<std::string>
OptionalString(const Json &object, const char *key, std::string_view where) {
	const Json *value = Member(object, key);
	if (!value)
		return std::nullopt;
	if (!value->is_string())
		throw Error(sqlstate::kInvalidParameterValue,
		            Quoted(key) + " in " + std::string(where) + " must be a string, not " + Excerpt(*value));
	return value->get<std::string>();
}

const Json &
RequireObject(const Json &value, std::string_view what) {
	if (!value.is_object())
		throw Error(sqlstate::kInvalidParameterValue,
		            std::string(what) + " must be a JSON object, not " + Excerpt(value));
	return value;
}

/* Names that become SQL identifiers must be plain ASCII identifiers. */
std::string
CheckIdentifier(const std::string &name, std::string_view what, std::string_view where = {}) {
	if (!naming::IsValidIdentifier(name))
		throw Error(sqlstate::kInvalidName,
		            "invalid " + std::string(what) + " " + Quoted(name) + (where.empty() ? "" : " in " + std::string(where)),
		            "Names must match [A-Za-z_][A-Za-z0-9_]* and be at most 63 bytes long.");
	return name;
}

std::optional<std::string>
OptionalIdentifier(const Json &object, const char *key, std::string_view where, std::string_view what) {
	auto value = OptionalString(object, key, where);
	if (value)
		CheckIdentifier(*value, what, where);
	return value;
}

std::optional<std::vector<std::string>>
OptionalStringArray(const Json &object, const char *key, std::string_view where) {
	const Json *value = Member(object, key);
	if (!value)
		return std::nullopt;
	std::vector<std::string> out;
	bool ok = value->is_array();
	if (ok)
		for (const auto &item : *value) {
			if (!item.is_string()) {
				ok = false;
				break;
			}
			out.push_back(item.get<std::string>());
		}
	if (!ok)
		throw Error(sqlstate::kInvalidParameterValue,
		            Quoted(key) + " in " + std::string(where) + " must be an array of strings, not " + Excerpt(*value));
	return out;
}

/* Medusa's extraColumns types and the PostgreSQL types they become (MikroORM 6 mapping;
 * mediumint, invalid in PostgreSQL, maps to integer). Spelled as format_type prints them,
 * so a live table can be compared with a definition. */
struct ColumnTypeMapping {
	const char *name;
	const char *sql_type;
};

const std::vector<ColumnTypeMapping> &
ColumnTypes() {
	static const std::vector<ColumnTypeMapping> types = {
	    {"string", "character varying(255)"},
	    {"text", "text"},
	    {"integer", "integer"},
	    {"boolean", "boolean"},
	    {"date", "date"},
	    {"time", "time(0) without time zone"},
	    {"datetime", "timestamp with time zone"},
	    {"json", "jsonb"},
	    {"array", "text[]"},
	    {"enum", "text"},
	    {"enumArray", "text[]"},
	    {"float", "real"},
	    {"double", "double precision"},
	    {"decimal", "numeric(10,0)"},
	    {"bigint", "bigint"},
	    {"smallint", "smallint"},
	    {"tinyint", "smallint"},
	    {"mediumint", "integer"},
	    {"blob", "bytea"},
	    {"uint8array", "bytea"},
	    {"uuid", "uuid"},
	};
	return types;
}

bool
IsTimeType(const std::string &type) {
	return type == "date" || type == "time" || type == "datetime";
}

bool
IsArrayType(const std::string &type) {
	return type == "array" || type == "enumArray";
}

/* Array literal text ({"a","b"}) for text[], each element quoted and escaped. */
std::string
ArrayLiteral(const std::vector<std::string> &items) {
	std::string out = "{";
	for (std::size_t i = 0; i < items.size(); ++i) {
		if (i)
			out += ",";
		out += "\"";
		for (char ch : items[i]) {
			if (ch == '"' || ch == '\\')
				out += '\\';
			out += ch;
		}
		out += "\"";
	}
	return out + "}";
}

/* Medusa emits defaultValue as raw SQL, so its users write strings as 'abc'. We accept that
 * spelling as a quoted literal and unquote it; anything else is the literal itself. */
std::string
UnquoteSqlString(const std::string &text) {
	if (text.size() < 2 || text.front() != '\'' || text.back() != '\'')
		return text;
	std::string inner;
	for (std::size_t i = 1; i + 1 < text.size(); ++i) {
		inner += text[i];
		if (text[i] == '\'' && i + 2 < text.size() && text[i + 1] == '\'')
			++i;
	}
	return inner;
}

void
ParseDefault(ExtraColumn &column, const Json &value) {
	const std::string where = "defaultValue of extra column " + Quoted(column.name);
	auto mismatch = [&]() {
		return Error(sqlstate::kDatatypeMismatch,
		             "invalid " + where + ": " + Excerpt(value) + " is not a valid " + column.type + " value");
	};

	if (value.is_string()) {
		std::string text = value.get<std::string>();
		std::string upper = text;
		std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
		if (upper == "NOW()" || upper == "CURRENT_TIMESTAMP") {
			if (!IsTimeType(column.type))
				throw Error(sqlstate::kDatatypeMismatch,
				            "invalid " + where + ": " + text + " needs a date, time or datetime column, not " +
				                column.type);
			column.default_function = upper == "NOW()" ? "now()" : "CURRENT_TIMESTAMP";
			return;
		}
		if (upper == "GEN_RANDOM_UUID()") {
			if (column.type != "uuid" && column.type != "string" && column.type != "text")
				throw Error(sqlstate::kDatatypeMismatch,
				            "invalid " + where + ": gen_random_uuid() needs a uuid, string or text column, not " +
				                column.type);
			column.default_function = "gen_random_uuid()";
			return;
		}
		/* For array types a string is an array literal ({a,b}); a JSON array is easier. */
		column.default_literal = UnquoteSqlString(text);
	} else if (value.is_boolean()) {
		if (column.type != "boolean" && column.type != "json")
			throw mismatch();
		column.default_literal = value.get<bool>() ? "true" : "false";
	} else if (value.is_number()) {
		if (column.type == "boolean" || IsTimeType(column.type) || IsArrayType(column.type) ||
		    column.type == "uuid" || column.type == "blob" || column.type == "uint8array" || column.IsEnum())
			throw mismatch();
		column.default_literal = value.dump();
	} else if (value.is_array()) {
		if (column.type == "json") {
			column.default_literal = value.dump();
			return;
		}
		if (!IsArrayType(column.type))
			throw mismatch();
		std::vector<std::string> items;
		for (const auto &item : value) {
			if (!item.is_string())
				throw Error(sqlstate::kDatatypeMismatch,
				            "invalid " + where + ": array elements must be strings, not " + Excerpt(item));
			items.push_back(item.get<std::string>());
		}
		column.default_literal = ArrayLiteral(items);
	} else if (value.is_object()) {
		if (column.type != "json")
			throw mismatch();
		column.default_literal = value.dump();
	}

	/* Enum defaults must be among the items; the CHECK would reject every insert otherwise. */
	if (column.type == "enum" && column.default_literal &&
	    std::find(column.items.begin(), column.items.end(), *column.default_literal) == column.items.end())
		throw Error(sqlstate::kInvalidParameterValue,
		            "invalid " + where + ": " + Quoted(*column.default_literal) + " is not one of its items",
		            "Items are: " + JoinQuoted(column.items) + ".");
	if (column.type == "enumArray" && value.is_array())
		for (const auto &item : value)
			if (std::find(column.items.begin(), column.items.end(), item.get<std::string>()) == column.items.end())
				throw Error(sqlstate::kInvalidParameterValue,
				            "invalid " + where + ": " + Quoted(item.get<std::string>()) +
				                " is not one of its items",
				            "Items are: " + JoinQuoted(column.items) + ".");
}

/* The link table's own columns, which extra columns may not reuse. */
const std::vector<std::string> &
ReservedColumns() {
	static const std::vector<std::string> names = {"id", "created_at", "updated_at", "deleted_at"};
	return names;
}

LinkSide
MakeSide(const SideSpec &spec, const Linkable &linkable) {
	LinkSide side;
	side.module = linkable.module;
	side.model = linkable.model;
	side.key = linkable.key;
	side.key_type = linkable.key_type;
	side.primary_key = linkable.primary_key;
	side.alias = spec.alias.value_or(linkable.alias);
	side.is_list = spec.is_list.value_or(false);
	side.delete_cascade = spec.delete_cascade.value_or(false);
	side.is_virtual = !linkable.relation.has_value();
	side.field = spec.field;
	side.filterable = spec.filterable;
	return side;
}

Json
SideToJson(const LinkSide &side) {
	Json json = {{"module", side.module},     {"model", side.model},
	             {"key", side.key},           {"keyType", side.key_type},
	             {"primaryKey", side.primary_key}, {"alias", side.alias},
	             {"isList", side.is_list},    {"deleteCascade", side.delete_cascade},
	             {"virtual", side.is_virtual}};
	if (side.field)
		json["field"] = *side.field;
	if (side.filterable)
		json["filterable"] = *side.filterable;
	return json;
}

LinkSide
SideFromJson(const Json &json) {
	LinkSide side;
	side.module = json.at("module").get<std::string>();
	side.model = json.at("model").get<std::string>();
	side.key = json.at("key").get<std::string>();
	side.key_type = json.at("keyType").get<std::string>();
	side.primary_key = json.at("primaryKey").get<std::string>();
	side.alias = json.at("alias").get<std::string>();
	side.is_list = json.at("isList").get<bool>();
	side.delete_cascade = json.at("deleteCascade").get<bool>();
	side.is_virtual = json.value("virtual", false);
	if (json.contains("field"))
		side.field = json.at("field").get<std::string>();
	if (json.contains("filterable"))
		side.filterable = json.at("filterable").get<std::vector<std::string>>();
	return side;
}

} // namespace

bool
ExtraColumn::operator==(const ExtraColumn &other) const {
	return name == other.name && type == other.type && sql_type == other.sql_type && nullable == other.nullable &&
	       default_literal == other.default_literal && default_function == other.default_function &&
	       items == other.items;
}

const std::vector<std::string> &
ColumnTypeNames() {
	static const std::vector<std::string> names = [] {
		std::vector<std::string> out;
		for (const auto &type : ColumnTypes())
			out.emplace_back(type.name);
		return out;
	}();
	return names;
}

ExtraColumn
ParseExtraColumn(const std::string &name, const Json &spec) {
	const std::string where = "extra column " + Quoted(name);
	CheckIdentifier(name, "extra column name");
	RequireObject(spec, where);
	CheckKeys(spec, {"type", "defaultValue", "nullable", "options"}, where);

	ExtraColumn column;
	column.name = name;
	auto type = OptionalString(spec, "type", where);
	if (!type)
		throw Error(sqlstate::kInvalidParameterValue, where + " has no \"type\"",
		            {}, "Valid types are: " + JoinQuoted(ColumnTypeNames()) + ".");
	auto mapping = std::find_if(ColumnTypes().begin(), ColumnTypes().end(),
	                            [&](const ColumnTypeMapping &m) { return *type == m.name; });
	if (mapping == ColumnTypes().end())
		throw Error(sqlstate::kUndefinedObject, "unknown type " + Quoted(*type) + " for " + where,
		            {}, "Valid types are: " + JoinQuoted(ColumnTypeNames()) + ".");
	column.type = mapping->name;
	column.sql_type = mapping->sql_type;
	column.nullable = OptionalBool(spec, "nullable", where).value_or(false);

	const Json *options = Member(spec, "options");
	if (options) {
		RequireObject(*options, "\"options\" of " + where);
		if (column.IsEnum()) {
			CheckKeys(*options, {"items"}, "\"options\" of " + where);
		} else if (column.type == "decimal") {
			CheckKeys(*options, {"precision", "scale", "columnType"}, "\"options\" of " + where);
			auto column_type = OptionalString(*options, "columnType", where);
			const Json *precision = Member(*options, "precision");
			const Json *scale = Member(*options, "scale");
			if (column_type && *column_type != "numeric")
				throw Error(sqlstate::kInvalidParameterValue,
				            "unsupported columnType " + Quoted(*column_type) + " for " + where, {},
				            "Only \"numeric\" is accepted; use precision and scale for numeric(p,s).");
			if (column_type)
				column.sql_type = "numeric";
			if (precision || scale) {
				auto valid = [](const Json *v, int lo) {
					/* get<int64_t>: get<int> would wrap 4294967297 to 1 */
					return !v || (v->is_number_integer() && v->get<std::int64_t>() >= lo && v->get<std::int64_t>() <= 1000);
				};
				if (!precision || !valid(precision, 1) || !valid(scale, 0) ||
				    (scale && scale->get<int>() > precision->get<int>()))
					throw Error(sqlstate::kInvalidParameterValue,
					            "invalid precision or scale for " + where, {},
					            "precision is an integer from 1 to 1000 and scale one from 0 to precision.");
				column.sql_type = "numeric(" + std::to_string(precision->get<int>()) + "," +
				                  std::to_string(scale ? scale->get<int>() : 0) + ")";
			}
		} else if (!options->empty()) {
			throw Error(sqlstate::kInvalidParameterValue,
			            "\"options\" are not supported for " + where + " of type " + column.type, {},
			            "Only enum and enumArray (items) and decimal (precision, scale) take options.");
		}
	}
	if (column.IsEnum()) {
		auto items = options ? OptionalStringArray(*options, "items", "\"options\" of " + where) : std::nullopt;
		if (!items || items->empty())
			throw Error(sqlstate::kInvalidParameterValue, where + " of type " + column.type +
			                                                  " needs options.items, a non-empty array of strings");
		std::set<std::string> seen;
		for (const auto &item : *items)
			if (seen.insert(item).second)
				column.items.push_back(item);
		column.options = {{"items", column.items}};
	} else if (options) {
		column.options = *options;
	}

	const Json *default_value = Member(spec, "defaultValue");
	if (default_value)
		ParseDefault(column, *default_value);
	return column;
}

LinkableOptions
ParseLinkableOptions(const Json &options) {
	const std::string where = "register_linkable options";
	RequireObject(options, where);
	CheckKeys(options, {"primaryKey", "key", "softDeleteColumn", "alias", "validate"}, where);
	LinkableOptions out;
	out.primary_key = OptionalIdentifier(options, "primaryKey", where, "primaryKey");
	out.key = OptionalIdentifier(options, "key", where, "key");
	out.soft_delete_given = options.contains("softDeleteColumn");
	out.soft_delete_column = OptionalIdentifier(options, "softDeleteColumn", where, "softDeleteColumn");
	out.alias = OptionalIdentifier(options, "alias", where, "alias");
	out.validate = OptionalBool(options, "validate", where);
	return out;
}

Json
LinkableToJson(const Linkable &linkable) {
	return Json{{"module", linkable.module},
	            {"model", linkable.model},
	            {"relation", linkable.relation ? Json(*linkable.relation) : Json(nullptr)},
	            {"primaryKey", linkable.primary_key},
	            {"key", linkable.key},
	            {"keyType", linkable.key_type},
	            {"softDeleteColumn",
	             linkable.soft_delete_column ? Json(*linkable.soft_delete_column) : Json(nullptr)},
	            {"alias", linkable.alias},
	            {"validate", linkable.validate},
	            {"virtual", !linkable.relation.has_value()}};
}

std::pair<std::string, std::string>
SplitLinkable(std::string_view text, std::string_view what) {
	auto dot = text.find('.');
	if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size() ||
	    text.find('.', dot + 1) != std::string_view::npos)
		throw Error(sqlstate::kInvalidParameterValue,
		            "invalid " + std::string(what) + " " + Quoted(text) + ": expected \"module.model\"", {},
		            "Write a side as 'module.model' (or 'schema.table' for a table to register implicitly), "
		            "or as a JSON object {\"linkable\": \"module.model\", ...}.");
	std::string module(text.substr(0, dot));
	std::string model(text.substr(dot + 1));
	CheckIdentifier(module, "module name");
	CheckIdentifier(model, "model name");
	return {module, model};
}

SideSpec
ParseSide(std::string_view text, std::string_view what) {
	auto first = text.find_first_not_of(" \t\r\n");
	if (first == std::string_view::npos || text[first] != '{') {
		SideSpec spec;
		std::tie(spec.module, spec.model) = SplitLinkable(text, what);
		return spec;
	}
	Json json = ParseJson(text, what);
	RequireObject(json, what);
	CheckKeys(json, {"linkable", "isList", "deleteCascade", "alias", "field", "filterable"}, what);
	auto linkable = OptionalString(json, "linkable", what);
	if (!linkable)
		throw Error(sqlstate::kInvalidParameterValue, std::string(what) + " has no \"linkable\"", {},
		            "Write {\"linkable\": \"module.model\", ...}.");
	SideSpec spec;
	std::tie(spec.module, spec.model) = SplitLinkable(*linkable, what);
	spec.is_list = OptionalBool(json, "isList", what);
	spec.delete_cascade = OptionalBool(json, "deleteCascade", what);
	spec.alias = OptionalIdentifier(json, "alias", what, "alias");
	spec.field = OptionalIdentifier(json, "field", what, "field");
	spec.filterable = OptionalStringArray(json, "filterable", what);
	return spec;
}

LinkOptions
ParseLinkOptions(const Json &options) {
	const std::string where = "define_link options";
	RequireObject(options, where);
	CheckKeys(options, {"database", "readOnly", "isList", "allowUnsafe", "repair"}, where);
	LinkOptions out;
	out.read_only = OptionalBool(options, "readOnly", where).value_or(false);
	out.is_list = OptionalBool(options, "isList", where);
	out.allow_unsafe = OptionalBool(options, "allowUnsafe", where).value_or(false);
	out.repair = OptionalBool(options, "repair", where).value_or(false);

	const Json *database = Member(options, "database");
	if (!database)
		return out;
	const std::string db_where = "define_link options.database";
	RequireObject(*database, db_where);
	CheckKeys(*database, {"table", "schema", "idPrefix", "extraColumns"}, db_where);
	out.table = OptionalString(*database, "table", db_where);
	if (out.table && (out.table->empty() || out.table->size() > 255 ||
	                  !naming::IsValidIdentifier(naming::CompressName(*out.table))))
		throw Error(sqlstate::kInvalidName, "invalid table name " + Quoted(*out.table) + " in " + db_where,
		            "Table names are made of letters, digits and underscores.");
	out.schema = OptionalIdentifier(*database, "schema", db_where, "schema name");
	out.id_prefix = OptionalString(*database, "idPrefix", db_where);
	if (out.id_prefix && (out.id_prefix->empty() || out.id_prefix->size() > 64))
		throw Error(sqlstate::kInvalidParameterValue,
		            "invalid idPrefix " + Quoted(*out.id_prefix) + " in " + db_where,
		            "idPrefix is a non-empty string of at most 64 characters.");
	const Json *extra = Member(*database, "extraColumns");
	if (extra) {
		RequireObject(*extra, db_where + ".extraColumns");
		for (const auto &item : extra->items())
			out.extra_columns.push_back(ParseExtraColumn(item.key(), item.value()));
		SortColumnsLikeJsonb(out.extra_columns);
	}
	return out;
}

const ExtraColumn *
LinkDefinition::FindColumn(const std::string &name) const {
	for (const auto &column : extra_columns)
		if (column.name == name)
			return &column;
	return nullptr;
}

LinkDefinition
BuildDefinition(const SideSpec &left_spec, const Linkable &left, const SideSpec &right_spec, const Linkable &right,
                const LinkOptions &options) {
	LinkDefinition def;
	def.left = MakeSide(left_spec, left);
	def.right = MakeSide(right_spec, right);
	def.read_only = options.read_only;
	def.schema = options.schema.value_or("public");
	def.id_prefix = options.id_prefix.value_or("link");
	def.extra_columns = options.extra_columns;

	if (options.read_only) {
		if (!left_spec.field)
			throw Error(sqlstate::kInvalidParameterValue,
			            "ReadOnly link requires \"linkable\" and \"field\" to be defined for the left service.", {},
			            "Write the left side as {\"linkable\": \"" + left.module + "." + left.model +
			                "\", \"field\": \"<column holding the " + right.model + " key>\"}.");
		if (left_spec.filterable || right_spec.filterable)
			throw Error(sqlstate::kInvalidParameterValue, "ReadOnly link does not support filterable fields.");
		if (options.table || options.schema || options.id_prefix || !options.extra_columns.empty())
			throw Error(sqlstate::kInvalidParameterValue,
			            "a read-only link has no table, so options.database does not apply");
		if (!left.relation)
			throw Error(sqlstate::kInvalidParameterValue,
			            "the left side of a read-only link must be backed by a table",
			            "Linkable " + Quoted(left.module + "." + left.model) + " is virtual.");
		def.read_only_is_list = options.is_list;
	} else {
		if (options.is_list)
			throw Error(sqlstate::kInvalidParameterValue, "options.isList applies to read-only links only", {},
			            "Set isList on a side instead: {\"linkable\": \"module.model\", \"isList\": true}.");
		if (left_spec.field || right_spec.field)
			throw Error(sqlstate::kInvalidParameterValue, "\"field\" applies to the left side of a read-only link",
			            {}, "Pass options {\"readOnly\": true} for a read-only link.");
	}

	if (!options.read_only && def.left.key == def.right.key)
		throw Error(sqlstate::kDuplicateColumn,
		            "both sides of the link between " + Quoted(left.module + "." + left.model) + " and " +
		                Quoted(right.module + "." + right.model) + " use the key " + Quoted(def.left.key),
		            {}, "Register one of them with another key: register_linkable(..., options => '{\"key\": \"...\"}').");
	for (const auto &column : def.extra_columns) {
		const auto &reserved = ReservedColumns();
		if (column.name == def.left.key || column.name == def.right.key ||
		    std::find(reserved.begin(), reserved.end(), column.name) != reserved.end())
			throw Error(sqlstate::kDuplicateColumn,
			            "extra column " + Quoted(column.name) + " collides with a column every link table has",
			            "Link tables have the key columns " + Quoted(def.left.key) + " and " + Quoted(def.right.key) +
			                ", \"id\", \"created_at\", \"updated_at\" and \"deleted_at\".");
	}

	def.names = naming::ComposeLinkNames({def.left.module, def.left.alias, def.left.key},
	                                     {def.right.module, def.right.alias, def.right.key},
	                                     options.table.value_or(""));
	return def;
}

Json
ExtraColumnToJson(const ExtraColumn &column) {
	Json json = {{"type", column.type}, {"nullable", column.nullable}};
	if (column.default_function) {
		json["defaultValue"] = *column.default_function;
	} else if (column.default_literal) {
		/* Quote a literal that would read back as a function or as a quoted SQL string. */
		std::string literal = *column.default_literal;
		std::string upper = literal;
		std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
		bool ambiguous = upper == "NOW()" || upper == "CURRENT_TIMESTAMP" || upper == "GEN_RANDOM_UUID()" ||
		                 (literal.size() >= 2 && literal.front() == '\'' && literal.back() == '\'');
		if (ambiguous) {
			std::string quoted = "'";
			for (char ch : literal)
				quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
			literal = quoted + "'";
		}
		json["defaultValue"] = literal;
	}
	if (!column.options.empty())
		json["options"] = column.options;
	return json;
}

Json
DefinitionToJson(const LinkDefinition &def, const Quoter &quote) {
	Json json = {{"serviceName", def.names.service_name},
	             {"entryPoint", def.names.entry_point},
	             {"entity", def.names.entity},
	             {"table", def.read_only ? Json(nullptr) : Json(quote.Qualified(def.schema, def.names.table))},
	             {"left", SideToJson(def.left)},
	             {"right", SideToJson(def.right)},
	             {"readOnly", def.read_only}};
	if (def.read_only) {
		if (def.read_only_is_list)
			json["isList"] = *def.read_only_is_list;
		return json;
	}
	Json columns = Json::object();
	for (const auto &column : def.extra_columns)
		columns[column.name] = ExtraColumnToJson(column);
	json["schema"] = def.schema;
	json["tableName"] = def.names.table;
	json["logicalTableName"] = def.names.logical_table;
	json["idPrefix"] = def.id_prefix;
	json["extraColumns"] = columns;
	return json;
}

LinkDefinition
DefinitionFromJson(const Json &json) {
	LinkDefinition def;
	def.left = SideFromJson(json.at("left"));
	def.right = SideFromJson(json.at("right"));
	def.read_only = json.at("readOnly").get<bool>();
	def.names.service_name = json.at("serviceName").get<std::string>();
	def.names.entry_point = json.at("entryPoint").get<std::string>();
	def.names.entity = json.at("entity").get<std::string>();
	if (def.read_only) {
		if (json.contains("isList"))
			def.read_only_is_list = json.at("isList").get<bool>();
		return def;
	}
	def.schema = json.at("schema").get<std::string>();
	def.id_prefix = json.at("idPrefix").get<std::string>();
	def.names.logical_table = json.at("logicalTableName").get<std::string>();
	def.names.table = json.at("tableName").get<std::string>();
	def.names.hash = naming::SimpleHash(def.names.logical_table);
	for (const auto &item : json.at("extraColumns").items())
		def.extra_columns.push_back(ParseExtraColumn(item.key(), item.value()));
	SortColumnsLikeJsonb(def.extra_columns);
	return def;
}

bool
IsNumericKeyType(const std::string &key_type) {
	return key_type == "smallint" || key_type == "integer" || key_type == "bigint" || key_type == "real" ||
	       key_type == "double precision" || key_type == "oid" || key_type.rfind("numeric", 0) == 0;
}

} // namespace link_module
