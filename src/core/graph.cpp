#include "core/graph.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/error.hpp"
#include "core/naming.hpp"
#include "core/cpp_only.hpp"

namespace link_module::graph {

const Column *
Table::Find(const std::string &name) const {
	for (const auto &column : columns)
		if (column.name == name)
			return &column;
	return nullptr;
}

namespace {


/* What a path reaches: a linkable's records (entity set) or a link's rows. */
struct Node {
	const Entity *entity = nullptr;
	std::size_t link = 0;
};

/* How a relation joins its node to the target:
 *  LinkRows:    the link rows naming the node (`post_link`);
 *  ThroughLink: the records at the other end of those rows (`post`, `posts`);
 *  LinkSide:    from a link row to the record of one side (entry point entities);
 *  ReadOnly:    from a record to the one its `field` column names (read-only links). */
enum class Via { LinkRows, ThroughLink, LinkSide, ReadOnly };

struct Relation {
	std::string name;
	bool list = false;
	Via via = Via::LinkRows;
	std::size_t link = 0;
	bool left = true; /* LinkRows, ThroughLink: the node is the left side; LinkSide: the target is */
	Node target;
};

/* The requested fields as a tree: columns of each node and the relations below it. Its
 * depth is bounded (ParseFields checks paths first), so its recursive destructor is too. */
struct FieldTree {
	bool star = false;
	std::vector<std::string> columns;
	std::map<std::string, FieldTree> children;
};

std::string
Join(const std::vector<std::string> &parts, const std::string &separator) {
	std::string out;
	for (const auto &part : parts)
		out += (out.empty() ? "" : separator) + part;
	return out;
}

std::string
ScalarText(const Json &value) {
	if (value.is_string())
		return value.get<std::string>();
	return value.dump();
}

bool
IsJsonType(const std::string &type) {
	return type == "jsonb" || type == "json";
}

class Compiler {
public:
	Compiler(const Schema &schema, const Quoter &quote, const Limits &limits)
	    : schema_(schema), q_(quote), limits_(limits) {}

	Statement Run(const Json &request);

private:
	const Schema &schema_;
	const Quoter &q_;
	const Limits &limits_;
	bool with_deleted_ = false; /* the root's soft-deleted rows too */
	int next_alias_ = 0;
	std::vector<Param> params_;
	std::vector<std::string> stages_; /* staged: the CTEs read before the statement, in order */
	/* staged: the CTE of the link rows through which a target's CTE (the key) was read */
	std::map<std::string, std::string> link_stages_;
	InterruptTicker ticker_; /* filters may hold a million terms */

	std::string NewAlias() { return "t" + std::to_string(next_alias_++); }
	std::string Bind(std::string value, const std::string &type = "text", const std::string &path = {}) {
		params_.push_back({false, std::move(value), {}, type, path});
		return "$" + std::to_string(params_.size());
	}
	std::string BindArray(std::vector<std::string> items, const std::string &type, const std::string &path) {
		params_.push_back({true, {}, std::move(items), type, path});
		return "$" + std::to_string(params_.size());
	}
	std::string Col(const std::string &alias, const std::string &column) const { return alias + "." + q_.ident(column); }

	const Entity *FindEntity(const std::string &module, const std::string &model) const;
	Node Root(const std::string &name) const;
	const Table &TableOf(const Node &node, const std::string &path) const;
	std::string NodeName(const Node &node) const;
	std::vector<Relation> Relations(const Node &node) const;
	Relation FindRelation(const Node &node, const std::string &name, const std::string &path, int depth) const;
	std::string Live(const Table &table, const std::string &alias) const;
	void OrderBy(const Node &node, const std::string &alias, const Json &order, const std::string &path, int depth,
	             std::vector<std::string> &terms, std::vector<std::string> *joins);
	std::optional<std::string> LeftJoin(const Node &node, const Relation &relation, const std::string &alias,
	                                    const std::string &child, const std::string &path);
	std::string Source(const Node &node, const Relation &relation, const std::string &alias,
	                   const std::string &child_alias, const std::string &path, const std::string *stage = nullptr);
	std::string Stage(const Node &node, const Relation &relation, const std::string &parent, const std::string &path);
	std::string StagedFilter(const Node &node, const Relation &relation, const std::string &alias,
	                         const std::string &child, const std::string &path, const std::string &condition);
	std::string Object(const Node &node, const std::string &alias, const FieldTree &tree, const std::string &path,
	                   int depth, const std::string *stage = nullptr);
	std::string Where(const Json &filter, const Node &node, const std::string &alias, const std::string &path,
	                  int depth);
	std::string Condition(const std::string &col, const Column &column, const Json &value, const std::string &path);
	std::string Compare(const std::string &column, const Column &type, const std::string &op, const Json &value,
	                    const std::string &path);
};

const Entity *
Compiler::FindEntity(const std::string &module, const std::string &model) const {
	for (const auto &entity : schema_.entities)
		if (entity.module == module && entity.model == model)
			return &entity;
	return nullptr;
}

Node
Compiler::Root(const std::string &name) const {
	std::vector<const Entity *> matches;
	for (const auto &entity : schema_.entities)
		if (entity.module + "." + entity.model == name)
			return {&entity, 0};
	for (const auto &entity : schema_.entities)
		if (entity.model == name)
			matches.push_back(&entity);
	if (matches.size() > 1) {
		std::vector<std::string> names;
		for (const auto *entity : matches)
			names.push_back(entity->module + "." + entity->model);
		throw Error(sqlstate::kAmbiguousAlias, "query_graph: entity " + Quoted(name) + " is ambiguous", "",
		            "Name it as module.model: " + Join(names, ", ") + ".");
	}
	if (matches.size() == 1)
		return {matches[0], 0};
	for (std::size_t i = 0; i < schema_.links.size(); ++i)
		if (schema_.links[i].names.entry_point == name) {
			if (!schema_.link_tables[i])
				throw Error(sqlstate::kWrongObjectType,
				            "query_graph: link " + Quoted(name) + " is read-only and has no rows to query");
			return {nullptr, i};
		}
	throw Error(sqlstate::kUndefinedTable, "query_graph: unknown entity " + Quoted(name), "",
	            "An entity is a registered linkable (model or module.model) or a link's entryPoint.");
}

std::string
Compiler::NodeName(const Node &node) const {
	return node.entity ? node.entity->module + "." + node.entity->model : schema_.links[node.link].names.entry_point;
}

const Table &
Compiler::TableOf(const Node &node, const std::string &path) const {
	const std::optional<Table> &table = node.entity ? node.entity->table : schema_.link_tables[node.link];
	if (!table && node.entity && node.entity->dropped_table)
		throw Error(sqlstate::kUndefinedTable,
		            "query_graph: " + Quoted(path) + " reaches " + Quoted(NodeName(node)) + ", whose table " +
		                *node.entity->dropped_table + " was dropped",
		            "", "Create the table again, or register the linkable again with register_linkable().");
	if (!table)
		throw Error(sqlstate::kWrongObjectType,
		            "query_graph: " + Quoted(path) + " reaches " + Quoted(NodeName(node)) +
		                ", a virtual linkable with no table to read",
		            "", "Ask for its link rows instead (<alias>_link.*): they hold its ids.");
	return *table;
}

std::vector<Relation>
Compiler::Relations(const Node &node) const {
	std::vector<Relation> out;
	const auto matches = [&](const LinkSide &side) {
		return side.module == node.entity->module && side.model == node.entity->model;
	};
	if (!node.entity) {
		const LinkDefinition &link = schema_.links[node.link];
		out.push_back({link.left.alias, false, Via::LinkSide, node.link, true, {FindEntity(link.left.module, link.left.model), 0}});
		out.push_back({link.right.alias, false, Via::LinkSide, node.link, false, {FindEntity(link.right.module, link.right.model), 0}});
		return out;
	}
	for (std::size_t i = 0; i < schema_.links.size(); ++i) {
		const LinkDefinition &link = schema_.links[i];
		if (link.read_only) {
			if (!matches(link.left))
				continue;
			const bool list = link.read_only_is_list.value_or(link.left.is_list);
			const Node target{FindEntity(link.right.module, link.right.model), 0};
			out.push_back({link.right.alias, list, Via::ReadOnly, i, true, target});
			if (list)
				out.push_back({naming::Pluralize(link.right.alias), true, Via::ReadOnly, i, true, target});
			continue;
		}
		for (bool left : {true, false}) {
			const LinkSide &side = left ? link.left : link.right;
			const LinkSide &other = left ? link.right : link.left;
			if (!matches(side))
				continue;
			const Node target{FindEntity(other.module, other.model), 0};
			out.push_back({other.alias + "_link", other.is_list, Via::LinkRows, i, left, {nullptr, i}});
			out.push_back({other.alias, other.is_list, Via::ThroughLink, i, left, target});
			if (other.is_list)
				out.push_back({naming::Pluralize(other.alias), true, Via::ThroughLink, i, left, target});
		}
	}
	return out;
}

Relation
Compiler::FindRelation(const Node &node, const std::string &name, const std::string &path, int depth) const {
	if (depth >= limits_.max_depth)
		throw Error(sqlstate::kProgramLimitExceeded,
		            "query_graph: " + Quoted(path + "." + name) + " goes deeper than " +
		                std::to_string(limits_.max_depth) + " links",
		            "", "The limit is the setting link_module.graph_max_depth.");
	std::vector<std::string> names;
	std::optional<Relation> found;
	for (const auto &relation : Relations(node)) {
		names.push_back(relation.name);
		if (relation.name != name)
			continue;
		if (found && (found->link != relation.link || found->via != relation.via || found->left != relation.left))
			throw Error(sqlstate::kAmbiguousAlias,
			            "query_graph: " + Quoted(path + "." + name) + " is ambiguous: links " +
			                Quoted(schema_.links[found->link].names.entry_point) + " and " +
			                Quoted(schema_.links[relation.link].names.entry_point) + " both name it",
			            "", "Give one side of one link another alias (define_link's \"alias\").");
		found = relation;
	}
	if (found) {
		if (!found->target.entity && found->via != Via::LinkRows)
			throw Error(sqlstate::kUndefinedObject, "query_graph: " + Quoted(path + "." + name) +
			                                            " names a linkable that is no longer registered");
		return *found;
	}
	throw Error(sqlstate::kUndefinedColumn,
	            "query_graph: " + Quoted(NodeName(node)) + " has no field or link " + Quoted(name) + " (in " +
	                Quoted(path + "." + name) + ")",
	            "", names.empty() ? "It has no links." : "Its links: " + Join(names, ", ") + ".");
}

/* Only live rows: withDeleted lifts this for the root entity only (as Medusa), so nested
 * records and link rows are always live. */
std::string
Compiler::Live(const Table &table, const std::string &alias) const {
	if (!table.soft_delete_column)
		return "";
	return " AND " + Col(alias, *table.soft_delete_column) + " IS NULL";
}

/* The ORDER BY terms of `order` on the node's row `alias`: its own fields, and fields of the
 * non-list records linked to it (`{"product": {"title": "DESC"}}`, as Medusa), NULL when unlinked
 * (last in ASC order, first in DESC, as PostgreSQL sorts). A linked record is reached by a LEFT
 * JOIN added to `joins` where its keys are unique (one row at most, and the planner may hash it),
 * else by a scalar subquery per row. */
void
Compiler::OrderBy(const Node &node, const std::string &alias, const Json &order, const std::string &path, int depth,
                  std::vector<std::string> &terms, std::vector<std::string> *joins) {
	CheckStack();
	const Table &table = TableOf(node, path);
	for (const auto &[field, direction] : order.items()) {
		ticker_.Tick();
		const std::string field_path = path + "." + field;
		if (direction.is_object() && !table.Find(field)) {
			const Relation relation = FindRelation(node, field, path, depth);
			if (relation.list)
				throw Error(sqlstate::kFeatureNotSupported,
				            "query_graph: cannot order by " + Quoted(field_path) + ": it is a list", "",
				            "Order by fields of the entity or of a record it links one of (not a list).");
			const std::string child = NewAlias();
			if (auto join = joins ? LeftJoin(node, relation, alias, child, path) : std::nullopt) {
				joins->push_back(*join);
				OrderBy(relation.target, child, direction, field_path, depth + 1, terms, joins);
				continue;
			}
			const std::string source = Source(node, relation, alias, child, path);
			const Table &target = TableOf(relation.target, field_path);
			std::vector<std::string> nested;
			OrderBy(relation.target, child, direction, field_path, depth + 1, nested, nullptr);
			for (const auto &term : nested) {
				const std::size_t space = term.rfind(' ');
				terms.push_back("(SELECT " + term.substr(0, space) + " " + source + " ORDER BY " +
				                Col(child, target.primary_key) + " LIMIT 1)" + term.substr(space));
			}
			continue;
		}
		const Column *column = table.Find(field);
		if (!column)
			throw Error(sqlstate::kUndefinedColumn,
			            "query_graph: cannot order by " + Quoted(field_path) + ": " + Quoted(NodeName(node)) +
			                " has no such field",
			            "", "Order by fields of the entity, or of a record it links one of: {\"<alias>\": {\"<field>\": \"ASC\"}}.");
		std::string dir = direction.is_string() ? direction.get<std::string>() : "";
		std::transform(dir.begin(), dir.end(), dir.begin(), [](unsigned char c) { return std::toupper(c); });
		if (dir != "ASC" && dir != "DESC")
			throw Error(sqlstate::kInvalidParameterValue,
			            "query_graph: order of " + Quoted(field_path) + " must be \"ASC\" or \"DESC\", not " +
			                Excerpt(direction));
		terms.push_back(Col(alias, column->name) + " " + dir);
	}
}

/* `a` = `b`, two key columns of tables `ta` and `tb`: as text when their types differ (an adopted
 * Medusa link table's varchar keys naming uuid records), which no operator compares. */
std::string
KeyEquals(const Table &ta, const std::string &alias_a, const std::string &a, const Table &tb, const std::string &alias_b,
          const std::string &b, const Quoter &q) {
	const Column *ca = ta.Find(a);
	const Column *cb = tb.Find(b);
	const std::string left = alias_a + "." + q.ident(a), right = alias_b + "." + q.ident(b);
	if (!ca || !cb || ca->type == cb->type)
		return left + " = " + right;
	return left + "::text = " + right + "::text";
}

/* A read-only link's target rows as `child`: the key named by the field of the row `alias` (one
 * of its elements when an array); as text when the types differ (a text field naming a uuid
 * key), which no operator compares. */
std::string
ReadOnlyMatch(const Table &target, const std::string &child, const Column &field, const std::string &alias, bool array,
              const Quoter &q) {
	const Column *key = target.Find(target.primary_key);
	const std::string element = array ? field.type.substr(0, field.type.size() - 2) : field.type;
	const bool same = key && key->type == element;
	const std::string left = child + "." + q.ident(target.primary_key) + (same ? "" : "::text");
	const std::string right = alias + "." + q.ident(field.name) + (same ? "" : array ? "::text[]" : "::text");
	return array ? left + " = ANY (" + right + ")" : left + " = " + right;
}

/* "LEFT JOIN ..." reaching the relation's row as `child` from the node's row `alias`, when the
 * keys it goes through are unique, so that the join finds one row at most; else nullopt. */
std::optional<std::string>
Compiler::LeftJoin(const Node &node, const Relation &relation, const std::string &alias, const std::string &child,
                   const std::string &path) {
	const LinkDefinition &link = schema_.links[relation.link];
	const LinkSide &side = relation.left ? link.left : link.right;
	const LinkSide &other = relation.left ? link.right : link.left;
	const Table &from = TableOf(node, path);
	auto unique = [](const Table &table, const std::string &column) {
		const Column *found = table.Find(column);
		return found && found->unique;
	};
	switch (relation.via) {
	case Via::LinkRows: {
		const Table &rows = *schema_.link_tables[relation.link];
		if (!unique(rows, side.key))
			return std::nullopt;
		return "LEFT JOIN " + rows.relation + " " + child + " ON " +
		       KeyEquals(rows, child, side.key, from, alias, from.primary_key, q_) + Live(rows, child);
	}
	case Via::ThroughLink: {
		const Table &rows = *schema_.link_tables[relation.link];
		const Table &target = TableOf(relation.target, path);
		if (!unique(rows, side.key) || !unique(target, target.primary_key))
			return std::nullopt;
		const std::string row = NewAlias();
		return "LEFT JOIN (" + rows.relation + " " + row + " JOIN " + target.relation + " " + child + " ON " +
		       KeyEquals(target, child, target.primary_key, rows, row, other.key, q_) + Live(target, child) +
		       ") ON " + KeyEquals(rows, row, side.key, from, alias, from.primary_key, q_) + Live(rows, row);
	}
	case Via::LinkSide: {
		const Table &target = TableOf(relation.target, path);
		if (!unique(target, target.primary_key))
			return std::nullopt;
		return "LEFT JOIN " + target.relation + " " + child + " ON " +
		       KeyEquals(target, child, target.primary_key, from, alias, side.key, q_) + Live(target, child);
	}
	case Via::ReadOnly: {
		const Table &target = TableOf(relation.target, path);
		const Column *field = from.Find(*link.left.field);
		const bool array = field && field->type.size() > 2 && field->type.compare(field->type.size() - 2, 2, "[]") == 0;
		if (!field || array || !unique(target, target.primary_key))
			return std::nullopt; /* Source names a missing column */
		return "LEFT JOIN " + target.relation + " " + child + " ON " +
		       ReadOnlyMatch(target, child, *field, alias, false, q_) + Live(target, child);
	}
	}
	return std::nullopt;
}

/* "FROM ... WHERE ..." reaching the relation's rows as `child` from the node's row `alias`; from
 * the CTE `stage` (staged reads) instead of the rows' table when given. */
std::string
Compiler::Source(const Node &node, const Relation &relation, const std::string &alias, const std::string &child,
                 const std::string &path, const std::string *stage) {
	const LinkDefinition &link = schema_.links[relation.link];
	const LinkSide &side = relation.left ? link.left : link.right;
	const LinkSide &other = relation.left ? link.right : link.left;
	switch (relation.via) {
	case Via::LinkRows: {
		const Table &rows = *schema_.link_tables[relation.link];
		const Table &from = TableOf(node, path);
		return "FROM " + (stage ? *stage : rows.relation) + " " + child + " WHERE " +
		       KeyEquals(rows, child, side.key, from, alias, from.primary_key, q_) + Live(rows, child);
	}
	case Via::ThroughLink: {
		const Table &rows = *schema_.link_tables[relation.link];
		const Table &target = TableOf(relation.target, path);
		const Table &from = TableOf(node, path);
		const std::string row = NewAlias();
		/* Staged: the link rows from their own CTE too (a distributed link table meets no
		 * correlated subquery). */
		const std::string &link_rows = stage ? link_stages_.at(*stage) : rows.relation;
		return "FROM " + link_rows + " " + row + " JOIN " + (stage ? *stage : target.relation) + " " + child + " ON " +
		       KeyEquals(target, child, target.primary_key, rows, row, other.key, q_) + Live(target, child) + " WHERE " +
		       KeyEquals(rows, row, side.key, from, alias, from.primary_key, q_) + Live(rows, row);
	}
	case Via::LinkSide: {
		const Table &target = TableOf(relation.target, path);
		return "FROM " + (stage ? *stage : target.relation) + " " + child + " WHERE " +
		       KeyEquals(target, child, target.primary_key, TableOf(node, path), alias, side.key, q_) +
		       Live(target, child);
	}
	case Via::ReadOnly: {
		const Table &target = TableOf(relation.target, path);
		const Column *field = TableOf(node, path).Find(*link.left.field);
		if (!field)
			throw Error(sqlstate::kUndefinedColumn, "query_graph: read-only link " + Quoted(link.names.entry_point) +
			                                            " reads column " + Quoted(*link.left.field) +
			                                            ", which its table no longer has");
		const bool array = field->type.size() > 2 && field->type.compare(field->type.size() - 2, 2, "[]") == 0;
		return "FROM " + (stage ? *stage : target.relation) + " " + child + " WHERE " +
		       ReadOnlyMatch(target, child, *field, alias, array, q_) + Live(target, child);
	}
	}
	return "";
}

/* `a` IN (SELECT `b` ...): key columns of tables `ta` and `tb`, as text when their types differ
 * (KeyEquals). */
std::string
KeyIn(const Table &ta, const std::string &alias_a, const std::string &a, const Table &tb, const std::string &alias_b,
      const std::string &b, const std::string &rest, const Quoter &q) {
	const Column *ca = ta.Find(a);
	const Column *cb = tb.Find(b);
	const std::string cast = !ca || !cb || ca->type == cb->type ? "" : "::text";
	return alias_a + "." + q.ident(a) + cast + " IN (SELECT " + alias_b + "." + q.ident(b) + cast + " " + rest + ")";
}

/* Staged reads: the CTE (its name) of the relation's rows that the rows of the CTE `parent`, the
 * node's, reach; for a record table, only those the links name. */
std::string
Compiler::Stage(const Node &node, const Relation &relation, const std::string &parent, const std::string &path) {
	const LinkDefinition &link = schema_.links[relation.link];
	const LinkSide &side = relation.left ? link.left : link.right;
	const LinkSide &other = relation.left ? link.right : link.left;
	const Table &from = TableOf(node, path);
	const std::string name = "s" + std::to_string(stages_.size() + 1);
	std::string rows;
	switch (relation.via) {
	case Via::LinkRows: {
		const Table &link_rows = *schema_.link_tables[relation.link];
		rows = "SELECT r.* FROM " + link_rows.relation + " r WHERE " +
		       KeyIn(link_rows, "r", side.key, from, "p", from.primary_key, "FROM " + parent + " p", q_) + Live(link_rows, "r");
		break;
	}
	case Via::ThroughLink: {
		const Table &link_rows = *schema_.link_tables[relation.link];
		const Table &target = TableOf(relation.target, path);
		const std::string through = name + "_link";
		stages_.push_back(through + " AS MATERIALIZED (SELECT r.* FROM " + link_rows.relation + " r WHERE " +
		                  KeyIn(link_rows, "r", side.key, from, "p", from.primary_key, "FROM " + parent + " p", q_) +
		                  Live(link_rows, "r") + ")");
		link_stages_[name] = through;
		rows = "SELECT x.* FROM " + target.relation + " x WHERE " +
		       KeyIn(target, "x", target.primary_key, link_rows, "r", other.key, "FROM " + through + " r", q_) +
		       Live(target, "x");
		break;
	}
	case Via::LinkSide: {
		const Table &target = TableOf(relation.target, path);
		rows = "SELECT x.* FROM " + target.relation + " x WHERE " +
		       KeyIn(target, "x", target.primary_key, from, "p", side.key, "FROM " + parent + " p", q_) + Live(target, "x");
		break;
	}
	case Via::ReadOnly: {
		const Table &target = TableOf(relation.target, path);
		const Column *field = from.Find(*link.left.field);
		if (!field)
			return target.relation; /* Source names the missing column */
		const bool array = field->type.size() > 2 && field->type.compare(field->type.size() - 2, 2, "[]") == 0;
		const std::string value = "p." + q_.ident(field->name);
		rows = "SELECT x.* FROM " + target.relation + " x WHERE x." + q_.ident(target.primary_key) + "::text IN (SELECT " +
		       (array ? "unnest(" + value + ")::text" : value + "::text") + " FROM " + parent + " p)" + Live(target, "x");
		break;
	}
	}
	stages_.push_back(name + " AS MATERIALIZED (" + rows + ")");
	return name;
}

/* Staged reads: a filter through a link as the node's keys IN the keys of the linked rows that
 * match `condition` (on `child`), a subquery not correlated with the node's rows. */
std::string
Compiler::StagedFilter(const Node &node, const Relation &relation, const std::string &alias, const std::string &child,
                       const std::string &path, const std::string &condition) {
	const LinkDefinition &link = schema_.links[relation.link];
	const LinkSide &side = relation.left ? link.left : link.right;
	const LinkSide &other = relation.left ? link.right : link.left;
	const Table &from = TableOf(node, path);
	switch (relation.via) {
	case Via::LinkRows: {
		const Table &rows = *schema_.link_tables[relation.link];
		return KeyIn(from, alias, from.primary_key, rows, child, side.key,
		             "FROM " + rows.relation + " " + child + " WHERE true" + Live(rows, child) + " AND (" + condition + ")", q_);
	}
	case Via::ThroughLink: {
		const Table &rows = *schema_.link_tables[relation.link];
		const Table &target = TableOf(relation.target, path);
		const std::string row = NewAlias();
		/* Nested, not joined: Citus joins a distributed link table only with tables co-located
		 * with it, on its distribution column. */
		return KeyIn(from, alias, from.primary_key, rows, row, side.key,
		             "FROM " + rows.relation + " " + row + " WHERE " +
		                 KeyIn(rows, row, other.key, target, child, target.primary_key,
		                       "FROM " + target.relation + " " + child + " WHERE true" + Live(target, child) + " AND (" +
		                           condition + ")",
		                       q_) +
		                 Live(rows, row),
		             q_);
	}
	case Via::LinkSide: {
		const Table &target = TableOf(relation.target, path);
		return KeyIn(from, alias, side.key, target, child, target.primary_key,
		             "FROM " + target.relation + " " + child + " WHERE true" + Live(target, child) + " AND (" + condition + ")", q_);
	}
	case Via::ReadOnly: {
		const Table &target = TableOf(relation.target, path);
		const Column *field = from.Find(*link.left.field);
		if (!field)
			break; /* Source names the missing column */
		const std::string rows =
		    "FROM " + target.relation + " " + child + " WHERE true" + Live(target, child) + " AND (" + condition + ")";
		const bool array = field->type.size() > 2 && field->type.compare(field->type.size() - 2, 2, "[]") == 0;
		if (!array)
			return KeyIn(from, alias, field->name, target, child, target.primary_key, rows, q_);
		const Column *key = target.Find(target.primary_key);
		const bool same = key && key->type == field->type.substr(0, field->type.size() - 2);
		return Col(alias, field->name) + (same ? "" : "::text[]") + " && ARRAY(SELECT " + Col(child, target.primary_key) +
		       (same ? "" : "::text") + " " + rows + ")";
	}
	}
	const std::string source = Source(node, relation, alias, child, path);
	return "EXISTS (SELECT 1 " + source + " AND (" + condition + "))";
}

/* The jsonb object of one row: its selected columns, then one key per relation asked for. */
std::string
Compiler::Object(const Node &node, const std::string &alias, const FieldTree &tree, const std::string &path,
                 int depth, const std::string *stage) {
	CheckStack();
	const Table &table = TableOf(node, path);
	std::vector<std::string> names;
	if (tree.star)
		for (const auto &column : table.columns)
			names.push_back(column.name);
	/* As Medusa, a nested record always carries its primary key and a link row (a link's entry
	 * point too) both keys. */
	if (!tree.star && (depth > 0 || !node.entity)) {
		if (node.entity)
			names.push_back(table.primary_key);
		else
			for (const LinkSide *side : {&schema_.links[node.link].left, &schema_.links[node.link].right})
				names.push_back(side->key);
	}
	for (const auto &name : tree.columns) {
		if (!table.Find(name)) {
			std::vector<std::string> columns;
			for (const auto &column : table.columns)
				columns.push_back(column.name);
			throw Error(sqlstate::kUndefinedColumn,
			            "query_graph: " + Quoted(NodeName(node)) + " has no field " + Quoted(name) + " (in " +
			                Quoted(path + "." + name) + ")",
			            "", "Its fields: " + Join(columns, ", ") + ".");
		}
		if (std::find(names.begin(), names.end(), name) == names.end())
			names.push_back(name);
	}
	/* jsonb_build_object takes at most 100 arguments: 50 keys per call. */
	std::vector<std::string> parts;
	for (std::size_t start = 0; start < names.size(); start += 50) {
		std::vector<std::string> pairs;
		for (std::size_t i = start; i < std::min(names.size(), start + 50); ++i)
			pairs.push_back(q_.literal(names[i]) + ", " + Col(alias, names[i]));
		parts.push_back("jsonb_build_object(" + Join(pairs, ", ") + ")");
	}
	for (const auto &[name, child_tree] : tree.children) {
		const Relation relation = FindRelation(node, name, path, depth);
		const std::string child = NewAlias();
		/* Staged: the relation's rows are read first, from those of the node's stage. */
		const std::optional<std::string> child_stage =
		    stage ? std::optional(Stage(node, relation, *stage, path)) : std::nullopt;
		const std::string *next = child_stage ? &*child_stage : nullptr;
		const std::string source = Source(node, relation, alias, child, path, next);
		const std::string child_path = path + "." + name;
		const std::string object = Object(relation.target, child, child_tree, child_path, depth + 1, next);
		const std::string order = Col(child, TableOf(relation.target, child_path).primary_key);
		if (relation.list)
			parts.push_back("jsonb_build_object(" + q_.literal(name) + ", coalesce((SELECT jsonb_agg(" + object +
			                " ORDER BY " + order + ") " + source + "), '[]'::jsonb))");
		else /* absent when unlinked */
			parts.push_back("coalesce((SELECT jsonb_build_object(" + q_.literal(name) + ", " + object + ") " + source +
			                " ORDER BY " + order + " LIMIT 1), '{}'::jsonb)");
	}
	return parts.empty() ? "'{}'::jsonb" : Join(parts, " || ");
}

std::string
Compiler::Where(const Json &filter, const Node &node, const std::string &alias, const std::string &path, int depth) {
	CheckStack();
	ticker_.Tick();
	if (!filter.is_object())
		throw Error(sqlstate::kInvalidParameterValue,
		            "query_graph: the filter of " + Quoted(path) + " must be an object, not " + Excerpt(filter));
	const Table &table = TableOf(node, path);
	std::vector<std::string> terms;
	for (const auto &[key, value] : filter.items()) {
		if (key == "$and" || key == "$or") {
			if (!value.is_array())
				throw Error(sqlstate::kInvalidParameterValue,
				            "query_graph: " + key + " in the filter of " + Quoted(path) + " takes an array of filters");
			std::vector<std::string> parts;
			for (const auto &part : value)
				parts.push_back("(" + Where(part, node, alias, path, depth) + ")");
			terms.push_back(parts.empty() ? (key == "$and" ? "true" : "false")
			                              : "(" + Join(parts, key == "$and" ? " AND " : " OR ") + ")");
		} else if (key == "$not") {
			terms.push_back("NOT (" + Where(value, node, alias, path, depth) + ")");
		} else if (!key.empty() && key[0] == '$') {
			throw Error(sqlstate::kInvalidParameterValue,
			            "query_graph: unknown operator " + Quoted(key) + " in the filter of " + Quoted(path), "",
			            "Operators here: $and, $or, $not; on a field: $eq, $ne, $in, $nin, $lt, $lte, $gt, $gte, "
			            "$like, $ilike, $not.");
		} else if (const Column *column = table.Find(key)) {
			terms.push_back(Condition(Col(alias, column->name), *column, value, path + "." + key));
		} else {
			/* A linked entity: the node's rows that have a matching linked row (a semi-join). */
			const Relation relation = FindRelation(node, key, path, depth);
			const std::string child = NewAlias();
			if (schema_.staged) {
				const std::string condition = Where(value, relation.target, child, path + "." + key, depth + 1);
				terms.push_back(StagedFilter(node, relation, alias, child, path, condition));
				continue;
			}
			const std::string source = Source(node, relation, alias, child, path);
			terms.push_back("EXISTS (SELECT 1 " + source + " AND (" +
			                Where(value, relation.target, child, path + "." + key, depth + 1) + "))");
		}
	}
	return terms.empty() ? "true" : Join(terms, " AND ");
}

std::string
Compiler::Condition(const std::string &col, const Column &column, const Json &value, const std::string &path) {
	CheckStack();
	ticker_.Tick();
	if (value.is_object()) {
		const bool operators = !value.empty() && std::all_of(value.items().begin(), value.items().end(),
		                                                     [](const auto &item) { return item.key()[0] == '$'; });
		if (!operators) {
			if (IsJsonType(column.type)) /* a jsonb field matches an object it contains */
				return col + "::jsonb @> (" + Bind(value.dump(), "jsonb", path) + "::jsonb)";
			throw Error(sqlstate::kInvalidParameterValue,
			            "query_graph: " + Quoted(path) + " is " + column.type + ": filter it with a value, an array or "
			                                                                    "operators ($eq, $in, ...), not " +
			                Excerpt(value));
		}
		std::vector<std::string> terms;
		for (const auto &[op, operand] : value.items())
			terms.push_back(Compare(col, column, op, operand, path));
		return Join(terms, " AND ");
	}
	return Compare(col, column, value.is_array() ? "$in" : "$eq", value, path);
}

std::string
Compiler::Compare(const std::string &col, const Column &column, const std::string &op, const Json &value,
                  const std::string &path) {
	const auto scalar = [&]() {
		if (value.is_null() || ((value.is_object() || value.is_array()) && !IsJsonType(column.type)))
			throw Error(sqlstate::kInvalidParameterValue,
			            "query_graph: " + op + " on " + Quoted(path) + " takes a single value, not " + Excerpt(value));
		return "(" + Bind(ScalarText(value), column.type, path) + "::" + column.type + ")";
	};
	const auto array = [&]() {
		if (!value.is_array())
			throw Error(sqlstate::kInvalidParameterValue,
			            "query_graph: " + op + " on " + Quoted(path) + " takes an array, not " + Excerpt(value));
		std::vector<std::string> items;
		for (const auto &item : value) {
			if (item.is_null() || item.is_object() || item.is_array())
				throw Error(sqlstate::kInvalidParameterValue, "query_graph: " + op + " on " + Quoted(path) +
				                                                  " takes an array of values, not " + Excerpt(value));
			items.push_back(ScalarText(item));
		}
		return "(" + BindArray(std::move(items), column.type, path) + "::" + column.type + "[])";
	};
	if (op == "$eq")
		return value.is_null() ? col + " IS NULL" : col + " = " + scalar();
	if (op == "$ne")
		return value.is_null() ? col + " IS NOT NULL" : col + " <> " + scalar();
	if (op == "$in")
		return col + " = ANY " + array();
	if (op == "$nin")
		return "NOT (" + col + " = ANY " + array() + ")";
	if (op == "$lt")
		return col + " < " + scalar();
	if (op == "$lte")
		return col + " <= " + scalar();
	if (op == "$gt")
		return col + " > " + scalar();
	if (op == "$gte")
		return col + " >= " + scalar();
	if (op == "$like" || op == "$ilike") {
		if (!value.is_string())
			throw Error(sqlstate::kInvalidParameterValue,
			            "query_graph: " + op + " on " + Quoted(path) + " takes a pattern string, not " + Excerpt(value));
		return col + "::text " + (op == "$like" ? "LIKE " : "ILIKE ") + Bind(value.get<std::string>());
	}
	if (op == "$not")
		return "NOT (" + Condition(col, column, value, path) + ")";
	throw Error(sqlstate::kInvalidParameterValue, "query_graph: unknown operator " + Quoted(op) + " on " + Quoted(path),
	            "", "Operators on a field: $eq, $ne, $in, $nin, $lt, $lte, $gt, $gte, $like, $ilike, $not.");
}

FieldTree
ParseFields(const Json &fields, int max_depth) {
	FieldTree tree;
	if (fields.is_null()) {
		tree.star = true;
		return tree;
	}
	if (!fields.is_array())
		throw Error(sqlstate::kInvalidParameterValue, "query_graph: fields must be an array of field paths");
	if (fields.empty())
		tree.star = true;
	InterruptTicker ticker;
	for (const auto &field : fields) {
		if (!field.is_string() || field.get<std::string>().empty())
			throw Error(sqlstate::kInvalidParameterValue,
			            "query_graph: fields must be an array of field paths, not " + Excerpt(field));
		const std::string &path = field.get_ref<const std::string &>();
		if (std::count(path.begin(), path.end(), '.') > max_depth)
			throw Error(sqlstate::kProgramLimitExceeded,
			            "query_graph: field path " + Quoted(path.substr(0, 200)) + " goes deeper than " +
			                std::to_string(max_depth) + " links",
			            "", "The limit is the setting link_module.graph_max_depth.");
		ticker.Tick();
		FieldTree *node = &tree;
		std::size_t start = 0;
		for (std::size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1) {
			if (dot == start)
				throw Error(sqlstate::kInvalidParameterValue, "query_graph: invalid field path " + Quoted(path));
			node = &node->children[path.substr(start, dot - start)];
		}
		const std::string last = path.substr(start);
		if (last.empty())
			throw Error(sqlstate::kInvalidParameterValue, "query_graph: invalid field path " + Quoted(path));
		if (last == "*")
			node->star = true;
		else
			node->columns.push_back(last);
	}
	return tree;
}

long
NonNegative(const Json &value, const char *name) {
	if (!value.is_number_integer() || value.get<long>() < 0)
		throw Error(sqlstate::kInvalidParameterValue,
		            std::string("query_graph: pagination.") + name + " must be a non-negative integer, not " +
		                Excerpt(value));
	return value.get<long>();
}

Statement
Compiler::Run(const Json &request) {
	if (!request.is_object())
		throw Error(sqlstate::kInvalidParameterValue, "query_graph: the query must be a JSON object", "",
		            "{\"entity\": \"product\", \"fields\": [\"id\", \"post.*\"]}");
	for (const auto &[key, value] : request.items())
		if (key != "entity" && key != "fields" && key != "filters" && key != "pagination" && key != "withDeleted")
			throw Error(sqlstate::kInvalidParameterValue, "query_graph: unknown query key " + Quoted(key), "",
			            "Keys: entity, fields, filters, pagination, withDeleted.");
	if (!request.contains("entity") || !request.at("entity").is_string())
		throw Error(sqlstate::kInvalidParameterValue, "query_graph: \"entity\" must name an entity");
	if (request.contains("withDeleted")) {
		if (!request.at("withDeleted").is_boolean())
			throw Error(sqlstate::kInvalidParameterValue, "query_graph: \"withDeleted\" must be true or false");
		with_deleted_ = request.at("withDeleted").get<bool>();
	}
	const std::string entity = request.at("entity").get<std::string>();
	const Node root = Root(entity);
	const Table &table = TableOf(root, entity);
	const FieldTree fields = ParseFields(request.value("fields", Json()), limits_.max_depth);
	const std::string alias = NewAlias();

	std::string where = "true" + (with_deleted_ ? std::string() : Live(table, alias));
	const Json filters = request.value("filters", Json());
	if (!filters.is_null() && !(filters.is_object() && filters.empty()))
		where += " AND (" + Where(filters, root, alias, entity, 0) + ")";

	const bool paginated = request.contains("pagination") && !request.at("pagination").is_null();
	std::vector<std::string> order, joins;
	std::string limit;
	std::string skip_param, take_param;
	if (paginated) {
		const Json &pagination = request.at("pagination");
		if (!pagination.is_object())
			throw Error(sqlstate::kInvalidParameterValue, "query_graph: pagination must be an object");
		for (const auto &[key, value] : pagination.items()) {
			if (key == "skip") {
				skip_param = Bind(std::to_string(NonNegative(value, "skip")));
			} else if (key == "take") {
				if (value.is_null())
					continue;
				long take = NonNegative(value, "take");
				if (take > limits_.max_take)
					throw Error(sqlstate::kProgramLimitExceeded,
					            "query_graph: pagination.take " + std::to_string(take) + " is over the limit of " +
					                std::to_string(limits_.max_take),
					            "", "The limit is the setting link_module.graph_max_take.");
				take_param = Bind(std::to_string(take));
			} else if (key == "order") {
				if (!value.is_object())
					throw Error(sqlstate::kInvalidParameterValue,
					            "query_graph: pagination.order must be an object such as {\"created_at\": \"DESC\"}");
				OrderBy(root, alias, value, entity, 0, order, limits_.join_unique && !schema_.staged ? &joins : nullptr);
			} else {
				throw Error(sqlstate::kInvalidParameterValue, "query_graph: unknown pagination key " + Quoted(key), "",
				            "Keys: skip, take, order.");
			}
		}
		if (!take_param.empty())
			limit += " LIMIT (" + take_param + "::bigint)";
		if (!skip_param.empty())
			limit += " OFFSET (" + skip_param + "::bigint)";
	}
	/* With joins, the page's rows carry their order values out of them, for the aggregate. */
	std::string order_columns;
	std::vector<std::string> outer_order;
	for (std::size_t i = 0; i < order.size(); ++i) {
		if (joins.empty()) {
			outer_order.push_back(order[i]);
			continue;
		}
		const std::size_t space = order[i].rfind(' ');
		std::string name = "link_module order " + std::to_string(i + 1);
		while (table.Find(name)) /* a name none of the root's columns has */
			name += "_";
		order_columns += ", " + order[i].substr(0, space) + " AS " + q_.ident(name);
		outer_order.push_back(Col(alias, name) + order[i].substr(space));
	}
	order.push_back(Col(alias, table.primary_key)); /* a stable order, so pages do not overlap */
	outer_order.push_back(order.back());
	std::string from = table.relation + " " + alias;
	for (const auto &join : joins)
		from += " " + join;

	const std::string page = "SELECT " + alias + ".*" + order_columns + " FROM " + from + " WHERE " + where +
	                         " ORDER BY " + Join(order, ", ") + limit;
	std::string count = "SELECT count(*) FROM " + table.relation + " " + alias + " WHERE " + where;
	const std::string root_stage = "s0";
	const std::string object = Object(root, alias, fields, entity, 0, schema_.staged ? &root_stage : nullptr);
	std::string with;
	if (schema_.staged) {
		/* The page, then the rows each relation reaches, then the count: each read on its own. */
		stages_.insert(stages_.begin(), root_stage + " AS MATERIALIZED (" + page + ")");
		if (paginated) {
			stages_.push_back("sc(n) AS MATERIALIZED (" + count + ")");
			count = "SELECT n FROM sc";
		}
		with = "WITH " + Join(stages_, ", ") + " ";
	}
	std::string sql = with + "SELECT jsonb_build_object('data', coalesce((SELECT jsonb_agg(" + object + " ORDER BY " +
	                  Join(outer_order, ", ") + ") FROM " + (schema_.staged ? root_stage : "(" + page + ")") + " " +
	                  alias + "), '[]'::jsonb)";
	if (paginated)
		sql += ", 'metadata', jsonb_build_object('skip', " +
		       (skip_param.empty() ? std::string("0") : "(" + skip_param + "::bigint)") + ", 'take', " +
		       (take_param.empty() ? std::string("NULL::bigint") : "(" + take_param + "::bigint)") + ", 'count', (" +
		       count + "))";
	sql += ")";
	return {std::move(sql), std::move(params_), !joins.empty()};
}

} // namespace

Statement
Compile(const Json &request, const Schema &schema, const Quoter &quote, const Limits &limits) {
	return Compiler(schema, quote, limits).Run(request);
}

} // namespace link_module::graph
