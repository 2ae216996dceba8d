#include "core/ddl.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/cpp_only.hpp"

namespace link_module {

namespace {

std::string
TableName(const LinkDefinition &def, const Quoter &quote) {
	return quote.Qualified(def.schema, def.names.table);
}

std::string
IndexName(const std::string &column, const std::string &hash, const char *infix = "") {
	return naming::TruncateIdentifier("IDX_" + column + "_" + infix + hash);
}

std::string
EnumCheckName(const LinkDefinition &def, const ExtraColumn &column) {
	return naming::TruncateIdentifier(def.names.table + "_" + column.name + "_check");
}

std::string
DefaultSql(const ExtraColumn &column, const Quoter &quote) {
	if (column.default_function)
		return *column.default_function;
	return quote.literal(*column.default_literal) + "::" + column.sql_type;
}

std::string
EnumCheckExpression(const ExtraColumn &column, const Quoter &quote) {
	std::string items;
	for (const auto &item : column.items)
		items += (items.empty() ? "" : ", ") + quote.literal(item);
	const char *op = column.type == "enum" ? " = ANY (ARRAY[" : " <@ (ARRAY[";
	return "CHECK (" + quote.ident(column.name) + op + items + "]::text[]))";
}

std::string
UniqueIndexSql(const LinkDefinition &def, const std::string &key, const Quoter &quote) {
	return "CREATE UNIQUE INDEX " + quote.ident(IndexName(key, def.names.hash, "unique_")) + " ON " +
	       TableName(def, quote) + " (" + quote.ident(key) + ") WHERE deleted_at IS NULL";
}

std::string
DropIndexSql(const LinkDefinition &def, const std::string &name, const Quoter &quote) {
	return "DROP INDEX IF EXISTS " + quote.Qualified(def.schema, name);
}

/* Steps that turn an existing extra column into its new definition. */
void
PlanColumnChange(const LinkDefinition &def, const ExtraColumn &from, const ExtraColumn &to, const Quoter &quote,
                 std::vector<Change> &changes) {
	const std::string alter = "ALTER TABLE " + TableName(def, quote) + " ";
	const std::string column = quote.ident(to.name);
	const std::string what = "column " + Quoted(to.name);

	bool type_changed = from.sql_type != to.sql_type;
	bool check_changed = from.IsEnum() != to.IsEnum() || from.items != to.items || from.type != to.type;
	if (from.IsEnum() && (check_changed || type_changed))
		changes.push_back({what + " drops its CHECK on enum items", false,
		                   {alter + "DROP CONSTRAINT IF EXISTS " + quote.ident(EnumCheckName(def, from))},
		                   std::nullopt});
	if (type_changed)
		changes.push_back({what + " changes type from " + from.sql_type + " to " + to.sql_type, true,
		                   {alter + "ALTER COLUMN " + column + " TYPE " + to.sql_type + " USING " + column +
		                    "::" + to.sql_type},
		                   std::nullopt});
	if (from.nullable && !to.nullable)
		changes.push_back({what + " becomes NOT NULL", true, {alter + "ALTER COLUMN " + column + " SET NOT NULL"},
		                   std::nullopt});
	if (!from.nullable && to.nullable)
		changes.push_back({what + " becomes nullable", false, {alter + "ALTER COLUMN " + column + " DROP NOT NULL"},
		                   std::nullopt});
	if (from.default_literal != to.default_literal || from.default_function != to.default_function)
		changes.push_back({what + (to.HasDefault() ? " gets a new default" : " loses its default"), false,
		                   {alter + "ALTER COLUMN " + column +
		                    (to.HasDefault() ? " SET DEFAULT " + DefaultSql(to, quote) : " DROP DEFAULT")},
		                   std::nullopt});
	if (to.IsEnum() && (check_changed || type_changed)) {
		/* Adding items is safe; removing one may reject rows that hold it. */
		bool removes = from.IsEnum() && std::any_of(from.items.begin(), from.items.end(), [&](const std::string &i) {
			               return std::find(to.items.begin(), to.items.end(), i) == to.items.end();
		               });
		bool restricts = removes || !from.IsEnum();
		changes.push_back({what + (restricts ? " is restricted to the items " : " accepts the items ") +
		                       [&] {
			                       std::string items;
			                       for (const auto &i : to.items)
				                       items += (items.empty() ? "" : ", ") + Quoted(i);
			                       return items;
		                       }(),
		                   restricts, {AddEnumCheckSql(def, to, quote)}, std::nullopt});
	}
}

} // namespace

std::string
ExtraColumnSql(const ExtraColumn &column, const Quoter &quote) {
	std::string sql = quote.ident(column.name) + " " + column.sql_type + (column.nullable ? " NULL" : " NOT NULL");
	if (column.HasDefault())
		sql += " DEFAULT " + DefaultSql(column, quote);
	return sql;
}

std::string
AddEnumCheckSql(const LinkDefinition &def, const ExtraColumn &column, const Quoter &quote) {
	return "ALTER TABLE " + TableName(def, quote) + " ADD CONSTRAINT " + quote.ident(EnumCheckName(def, column)) +
	       " " + EnumCheckExpression(column, quote);
}

std::string
CreateTableSql(const LinkDefinition &def, const Quoter &quote) {
	std::string sql = "CREATE TABLE " + TableName(def, quote) + " (";
	sql += quote.ident(def.left.key) + " " + def.left.key_type + " NOT NULL, ";
	sql += quote.ident(def.right.key) + " " + def.right.key_type + " NOT NULL, ";
	sql += quote.ident("id") + " character varying(255) NOT NULL, ";
	for (const auto &column : def.extra_columns)
		sql += ExtraColumnSql(column, quote) + ", ";
	sql += "created_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP, ";
	sql += "updated_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP, ";
	sql += "deleted_at timestamp with time zone NULL, ";
	sql += "CONSTRAINT " + quote.ident(naming::TruncateIdentifier(def.names.table + "_pkey")) + " PRIMARY KEY (" +
	       quote.ident(def.left.key) + ", " + quote.ident(def.right.key) + ")";
	for (const auto &column : def.extra_columns)
		if (column.IsEnum())
			sql += ", CONSTRAINT " + quote.ident(EnumCheckName(def, column)) + " " + EnumCheckExpression(column, quote);
	return sql + ")";
}

std::vector<IndexSpec>
IndexSpecs(const LinkDefinition &def, const Quoter &quote) {
	const std::string table = TableName(def, quote);
	const std::string &hash = def.names.hash;
	auto active_index = [&](const std::string &key) {
		std::string name = IndexName(key, hash);
		return IndexSpec{name, "CREATE INDEX " + quote.ident(name) + " ON " + table + " (" + quote.ident(key) +
		                           ") WHERE deleted_at IS NULL"};
	};
	std::vector<IndexSpec> specs;
	std::string id_index = IndexName("id", hash);
	specs.push_back({id_index, "CREATE INDEX " + quote.ident(id_index) + " ON " + table + " (id)"});
	specs.push_back(active_index(def.left.key));
	specs.push_back(active_index(def.right.key));
	std::string deleted_index = IndexName("deleted_at", hash);
	specs.push_back({deleted_index, "CREATE INDEX " + quote.ident(deleted_index) + " ON " + table + " (deleted_at)"});
	if (def.LeftKeyUnique())
		specs.push_back({IndexName(def.left.key, hash, "unique_"), UniqueIndexSql(def, def.left.key, quote)});
	if (def.RightKeyUnique())
		specs.push_back({IndexName(def.right.key, hash, "unique_"), UniqueIndexSql(def, def.right.key, quote)});
	return specs;
}

std::vector<Change>
PlanRedefinition(const LinkDefinition &old_def, const LinkDefinition &def, const Quoter &quote) {
	const std::string &service = def.names.service_name;
	if (old_def.read_only != def.read_only)
		throw Error(sqlstate::kObjectNotInPrerequisiteState,
		            "link " + Quoted(service) + " cannot switch between read-only and stored", {},
		            "Call drop_link('" + def.names.entry_point + "') first, then define it again.");
	if (!def.read_only && (old_def.schema != def.schema || old_def.names.table != def.names.table))
		throw Error(sqlstate::kDuplicateObject,
		            "link " + Quoted(service) + " is already defined with table " +
		                quote.Qualified(old_def.schema, old_def.names.table) + ", not " +
		                quote.Qualified(def.schema, def.names.table),
		            {},
		            "Keep database.table and database.schema as they were, or drop_link('" +
		                def.names.entry_point + "') first.");

	std::vector<Change> changes;
	auto note = [&](bool differs, const std::string &text) {
		if (differs)
			changes.push_back({text, false, {}, std::nullopt});
	};
	note(old_def.left.delete_cascade != def.left.delete_cascade,
	     "deleteCascade of " + Quoted(def.left.alias) + " becomes " + (def.left.delete_cascade ? "true" : "false"));
	note(old_def.right.delete_cascade != def.right.delete_cascade,
	     "deleteCascade of " + Quoted(def.right.alias) + " becomes " + (def.right.delete_cascade ? "true" : "false"));
	note(old_def.id_prefix != def.id_prefix, "idPrefix becomes " + Quoted(def.id_prefix));
	note(old_def.left.field != def.left.field, "field of " + Quoted(def.left.alias) + " changes");
	note(old_def.read_only_is_list != def.read_only_is_list, "isList of the read-only link changes");
	note(old_def.left.filterable != def.left.filterable || old_def.right.filterable != def.right.filterable,
	     "filterable fields change");
	if (def.read_only) {
		note(old_def.left.is_list != def.left.is_list || old_def.right.is_list != def.right.is_list,
		     "isList of a side changes");
		return changes;
	}

	/* Cardinality: a side's unique index follows the other side's isList. */
	auto cardinality = [&](bool was_unique, bool unique, const LinkSide &side, const LinkSide &other) {
		if (was_unique == unique)
			return;
		if (unique)
			changes.push_back({"each " + Quoted(side.key) + " may have one active link (" + Quoted(other.alias) +
			                       " isList becomes false)",
			                   false, {UniqueIndexSql(def, side.key, quote)}, side.key});
		else
			changes.push_back({Quoted(side.key) + " may repeat (" + Quoted(other.alias) + " isList becomes true)",
			                   false,
			                   {DropIndexSql(def, IndexName(side.key, def.names.hash, "unique_"), quote)},
			                   std::nullopt});
	};
	cardinality(old_def.LeftKeyUnique(), def.LeftKeyUnique(), def.left, def.right);
	cardinality(old_def.RightKeyUnique(), def.RightKeyUnique(), def.right, def.left);

	const std::string alter = "ALTER TABLE " + TableName(def, quote) + " ";
	for (const auto &column : def.extra_columns) {
		const ExtraColumn *existing = old_def.FindColumn(column.name);
		if (!existing) {
			Change add{"column " + Quoted(column.name) + " is added", !column.nullable && !column.HasDefault(),
			           {alter + "ADD COLUMN " + ExtraColumnSql(column, quote)}, std::nullopt};
			if (add.unsafe)
				add.description += " as NOT NULL without a default (fails if the table has rows)";
			if (column.IsEnum())
				add.sql.push_back(AddEnumCheckSql(def, column, quote));
			changes.push_back(add);
		} else if (!(*existing == column)) {
			PlanColumnChange(def, *existing, column, quote, changes);
		}
	}
	for (const auto &column : old_def.extra_columns)
		if (!def.FindColumn(column.name))
			changes.push_back({"column " + Quoted(column.name) + " is dropped", true,
			                   {alter + "DROP COLUMN " + quote.ident(column.name)}, std::nullopt});
	return changes;
}

} // namespace link_module
