#include "registry.hpp"

#include <cctype>

#include "core/error.hpp"
#include "pg/as_owner.hpp"
#include "pg/guard.hpp"
#include "pg/plan_cache.hpp"
#include "pg/spi.hpp"

namespace link_module::registry {

namespace {

using pg::Value;

/* Facts about a table that register_linkable needs. */
struct TableFacts {
	std::string name; /* schema-qualified, quoted where needed */
	std::string relkind;
	std::optional<std::string> single_column_pk;
	std::string relpersistence;
	bool partition = false;
	std::optional<std::string> parent; /* a table it inherits from, or is a partition of */
	std::optional<std::string> child;  /* a table that inherits from it */
};

TableFacts
DescribeTable(Oid relation) {
	auto rows = pg::Query("SELECT c.oid::regclass::text, c.relkind::text, "
	                      "  (SELECT a.attname FROM pg_index i JOIN pg_attribute a "
	                      "     ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
	                      "   WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnatts = 1), "
	                      "  c.relpersistence::text, c.relispartition::text, "
	                      "  (SELECT h.inhparent::regclass::text FROM pg_inherits h WHERE h.inhrelid = c.oid "
	                      "   ORDER BY h.inhseqno LIMIT 1), "
	                      "  (SELECT h.inhrelid::regclass::text FROM pg_inherits h WHERE h.inhparent = c.oid "
	                      "   ORDER BY h.inhrelid LIMIT 1) "
	                      "FROM pg_class c WHERE c.oid = $1::oid",
	                      {std::to_string(relation)});
	if (rows.empty())
		throw Error(sqlstate::kUndefinedTable, "relation with OID " + std::to_string(relation) + " does not exist");
	return {*rows[0][0], *rows[0][1], rows[0][2], *rows[0][3], *rows[0][4] == "true", rows[0][5], rows[0][6]};
}

/* A linkable's table must be an ordinary, permanent table outside any partitioning or
 * inheritance tree: the cascade triggers are statement triggers on that one table, and a
 * statement on a partition, a child or a parent does not fire them (the event trigger
 * link_module.refuse_inheritance keeps it so afterwards). A temporary table's records vanish
 * with the session while its link rows would stay. */
void
RefuseUnsupportedTable(const TableFacts &table, const std::string &name) {
	const std::string cannot = "cannot register " + table.name + " as linkable " + name;
	const std::string hint = "A linkable's table must be an ordinary permanent table that is not partitioned, "
	                         "not a partition, and has no inheritance parent or children.";
	const std::string why = " Statements on one table of a partitioning or inheritance tree do not fire the "
	                        "cascade triggers of the others, so links would outlive their records.";
	if (table.relkind != "r" && table.relkind != "p")
		throw Error(sqlstate::kWrongObjectType, cannot, table.name + " is not a table.",
		            "A linkable's relation is an ordinary table.");
	if (table.relkind == "p")
		throw Error(sqlstate::kFeatureNotSupported, cannot + ": it is a partitioned table", "link_module does not support "
		            "partitioned linkable tables." + why, hint);
	if (table.relpersistence == "t")
		throw Error(sqlstate::kFeatureNotSupported, cannot + ": it is a temporary table",
		            "Its records would vanish at the end of the session while the rows of its links stay.",
		            "Register a permanent table.");
	if (table.parent && table.partition)
		throw Error(sqlstate::kFeatureNotSupported, cannot + ": it is a partition of " + *table.parent,
		            "link_module does not support partitions as linkable tables." + why, hint);
	if (table.parent)
		throw Error(sqlstate::kFeatureNotSupported, cannot + ": it inherits from " + *table.parent,
		            "link_module does not support inheritance children as linkable tables." + why, hint);
	if (table.child)
		throw Error(sqlstate::kFeatureNotSupported, cannot + ": " + *table.child + " inherits from it",
		            "link_module does not support inheritance parents as linkable tables." + why, hint);
}

/* The type of a live column (a domain's base type: link_module.column_type), or nullopt when
 * the table has no such column. */
Value
ColumnType(Oid relation, const std::string &column) {
	return pg::QueryValue("SELECT link_module.column_type($1::oid::regclass, $2)", {std::to_string(relation), column});
}

/* A soft-delete column holds the stamp of the cascade that soft-deleted its record, which the
 * restore matches exactly: timestamptz, or timestamp (holding the stamp's UTC wall time), or a
 * domain over one. A date would truncate the stamp, so restores would miss it; any other type
 * would make every UPDATE of the table fail in the trigger. */
void
RequireSoftDeleteType(Oid relation, const std::string &column, const TableFacts &table, const std::string &name,
                      bool given) {
	auto fits = pg::QueryValue("WITH RECURSIVE t(oid) AS ("
	                           "  SELECT atttypid FROM pg_attribute "
	                           "  WHERE attrelid = $1::oid AND attname = $2 AND attnum > 0 AND NOT attisdropped "
	                           "  UNION ALL SELECT y.typbasetype FROM t JOIN pg_type y ON y.oid = t.oid "
	                           "  WHERE y.typtype = 'd') "
	                           "SELECT bool_or(oid IN ('timestamptz'::regtype, 'timestamp'::regtype))::text "
	                           "FROM t",
	                           {std::to_string(relation), column});
	if (fits && *fits == "true")
		return;
	throw Error(sqlstate::kDatatypeMismatch,
	            "soft-delete column " + Quoted(column) + " of table " + table.name + " is of type " +
	                ColumnType(relation, column).value_or("?") + ", not timestamptz or timestamp",
	            given ? "It was given as softDeleteColumn of linkable " + name + "."
	                  : "Linkable " + name + " would use it as its soft-delete column (the default when the table "
	                    "has a deleted_at column).",
	            "A soft-delete column holds a cascade's exact stamp: ALTER TABLE " + table.name + " ALTER COLUMN " +
	                pg::PgQuoter().ident(column) + " TYPE timestamptz, or register the linkable with " +
	                "options {\"softDeleteColumn\": null} (no cascades to it).");
}

Linkable
LinkableFromRow(const pg::Row &row) {
	Linkable linkable;
	linkable.module = *row[0];
	linkable.model = *row[1];
	linkable.relation = row[2];
	linkable.primary_key = *row[3];
	linkable.key = *row[4];
	linkable.key_type = *row[5];
	linkable.soft_delete_column = row[6];
	linkable.alias = *row[7];
	linkable.validate = *row[8] == "t";
	return linkable;
}

std::optional<StoredLink>
FirstLink(const std::vector<pg::Row> &rows) {
	if (rows.empty())
		return std::nullopt;
	Json json = ParseJson(*rows[0][0], "stored link definition");
	return StoredLink{DefinitionFromJson(json), json};
}

/* Entry points of the links that use a linkable (drop_link's argument), for errors. */
std::vector<std::string>
LinksUsing(const std::string &module, const std::string &model) {
	std::vector<std::string> names;
	for (const auto &row : pg::Query("SELECT entry_point FROM link_module.link_registry "
	                                 "WHERE (left_module, left_model) = ($1, $2) "
	                                 "   OR (right_module, right_model) = ($1, $2) ORDER BY 1",
	                                 {module, model}))
		names.push_back(*row[0]);
	return names;
}

} // namespace

void
LockRegistry() {
	pg::AsOwner as_owner(Owner());
	pg::Execute("LOCK TABLE link_module.linkable_registry, link_module.link_registry IN SHARE ROW EXCLUSIVE MODE");
	/* Under REPEATABLE READ or SERIALIZABLE the transaction's snapshot may predate a change
	 * committed before the lock was granted: checks made on it (links that use a linkable, a
	 * linkable that exists) would hold for a registry that is gone. As PostgreSQL does for a row
	 * changed since the snapshot, such a transaction fails with 40001. */
	if (!IsolationUsesXactSnapshot())
		return;
	const char *sql = "SELECT (SELECT count(*) || ':' || coalesce(sum(hashtext(ctid::text || xmin::text)), 0) "
	                  "        FROM link_module.linkable_registry) || '/' || "
	                  "       (SELECT count(*) || ':' || coalesce(sum(hashtext(ctid::text || xmin::text)), 0) "
	                  "        FROM link_module.link_registry)";
	SPIPlanPtr plan = pg::CachedPlan("registry:state", sql, {});
	pg::ExecutePlan(plan, {});
	const auto seen = pg::ResultText(0, 1);
	{
		pg::LatestSnapshotReads latest;
		pg::ExecutePlan(plan, {});
	}
	if (pg::ResultText(0, 1) != seen)
		throw Error(sqlstate::kSerializationFailure,
		            "could not serialize access: the link registry changed since this transaction's snapshot",
		            "A concurrent transaction committed a change of linkables or links.", "Retry the transaction.");
}

std::optional<Linkable>
FindLinkable(const std::string &module, const std::string &model) {
	/* Nothing read from the registry becomes SQL text: the table's name comes from the catalog
	 * (or, when it is gone, as one quoted identifier, which names nothing), the key's type from
	 * the live key column (virtual linkables' keys are always character varying(255)). */
	auto rows = pg::Query("SELECT module, model, "
	                      "  coalesce(link_module.current_relation(relation, relation_name)::text, "
	                      "           quote_ident(relation_name)), "
	                      "  primary_key, key, CASE WHEN relation IS NULL THEN 'character varying(255)' ELSE "
	                      "  coalesce(link_module.column_type(link_module.current_relation(relation, relation_name), "
	                      "                                   primary_key), 'text') END, "
	                      "  soft_delete_column, alias, validate, "
	                      "  relation IS NOT NULL AND link_module.current_relation(relation, relation_name) IS NULL "
	                      "FROM link_module.linkable_registry WHERE module = $1 AND model = $2",
	                      {module, model});
	if (rows.empty())
		return std::nullopt;
	Linkable linkable = LinkableFromRow(rows[0]);
	linkable.table_missing = *rows[0][9] == "t";
	return linkable;
}

Linkable
RegisterLinkable(const std::string &module, const std::string &model, std::optional<Oid> relation,
                 const LinkableOptions &options) {
	const std::string name = Quoted(module + "." + model);
	Linkable linkable;
	linkable.module = module;
	linkable.model = model;
	linkable.alias = options.alias.value_or(model);
	linkable.validate = options.validate.value_or(true);

	/* Re-pointing a registered linkable takes the rights on the table it is on now, too; when
	 * that table is gone, membership in the role that owned it. */
	if (auto existing = FindLinkable(module, model); existing && existing->relation && !existing->table_missing)
		RequireRegisterRights(RelationOid(*existing->relation), module + "." + model);
	else if (existing && existing->table_missing &&
	         *pg::QueryValue("SELECT coalesce((SELECT pg_has_role(relation_owner, 'USAGE') FROM link_module.linkable_registry "
	                         "WHERE module = $1 AND model = $2 AND relation_owner IS NOT NULL), true)::text",
	                         {module, model}) != "true")
		throw Error(sqlstate::kInsufficientPrivilege,
		            "cannot register linkable " + Quoted(module + "." + model) +
		                ": its table is gone, and only a member of the role that owned it may re-point it",
		            "Linkable " + Quoted(module + "." + model) + " was on " + *existing->relation + ".");
	if (relation) {
		TableFacts table = DescribeTable(*relation);
		RefuseUnsupportedTable(table, name);
		RequireRegisterRights(*relation, module + "." + model);
		linkable.relation = table.name;
		linkable.primary_key = options.primary_key.value_or(table.single_column_pk.value_or("id"));
		auto key_type = ColumnType(*relation, linkable.primary_key);
		if (!key_type)
			throw Error(sqlstate::kUndefinedColumn,
			            "column " + Quoted(linkable.primary_key) + " of table " + table.name + " does not exist",
			            "Linkable " + name + " needs a primary key column.",
			            "Pass options {\"primaryKey\": \"<column>\"}.");
		/* One key value names one record; and a range's or a composite's subtypes may be domains
		 * whose CHECK (their owner's code) would run in every cast of an id. */
		if (*pg::QueryValue("SELECT (t.typtype IN ('c', 'r', 'm', 'p') OR t.typcategory = 'A')::text "
		                    "FROM pg_type t WHERE t.oid = $1::regtype",
		                    {*key_type}) == "true")
			throw Error(sqlstate::kFeatureNotSupported,
			            "key " + Quoted(linkable.primary_key) + " of table " + table.name + " is of type " + *key_type +
			                ", not a scalar type: a link names one record by one key value",
			            {}, "Pass options {\"primaryKey\": \"<column>\"} naming a column of a scalar type.");
		/* link_module's statements compare keys with the operators pg_catalog resolves (their
		 * search_path is pinned): a type whose equality lives elsewhere (citext) would be
		 * compared as text, and a nondeterministic collation is not carried to link tables. */
		auto facts = pg::Query("SELECT (t.typnamespace = 'pg_catalog'::regnamespace OR t.typtype = 'e') AND "
		                       "  EXISTS (SELECT FROM pg_opclass o WHERE o.opcmethod = (SELECT a.oid FROM pg_am a WHERE a.amname = 'btree') AND o.opcdefault "
		                       "          AND (o.opcintype = t.oid OR (t.typtype = 'e' AND o.opcintype = 'anyenum'::regtype) "
		                       "               OR (o.opcintype = 'text'::regtype AND t.oid IN ('varchar'::regtype, 'name'::regtype)))), "
		                       "  coalesce((SELECT c.collisdeterministic FROM pg_attribute a JOIN pg_collation c "
		                       "            ON c.oid = a.attcollation WHERE a.attrelid = $2::oid AND a.attname = $3), true) "
		                       "FROM pg_type t WHERE t.oid = $1::regtype",
		                       {*key_type, std::to_string(*relation), linkable.primary_key});
		if (!facts.empty() && *facts[0][0] != "t")
			throw Error(sqlstate::kFeatureNotSupported,
			            "key " + Quoted(linkable.primary_key) + " of table " + table.name + " is of type " + *key_type +
			                ", which link_module does not support as a key",
			            "Its equality is not one of PostgreSQL's built-in operators (or it has none); link_module "
			            "compares keys with those only.",
			            "Use a key of a built-in type (text, uuid, an integer type, ...), or an enum.");
		if (!facts.empty() && *facts[0][1] != "t")
			throw Error(sqlstate::kFeatureNotSupported,
			            "key " + Quoted(linkable.primary_key) + " of table " + table.name +
			                " has a nondeterministic collation, which link_module does not support for keys",
			            "Link tables compare keys byte by byte; two ids the key's collation calls equal would be two "
			            "records there.",
			            "Use a key with a deterministic collation.");
		linkable.key_type = *key_type;
		if (options.soft_delete_given) {
			linkable.soft_delete_column = options.soft_delete_column;
			if (linkable.soft_delete_column && !ColumnType(*relation, *linkable.soft_delete_column))
				throw Error(sqlstate::kUndefinedColumn,
				            "column " + Quoted(*linkable.soft_delete_column) + " of table " + table.name +
				                " does not exist",
				            "It was given as softDeleteColumn of linkable " + name + ".");
			if (linkable.soft_delete_column)
				RequireSoftDeleteType(*relation, *linkable.soft_delete_column, table, name, true);
		} else if (ColumnType(*relation, "deleted_at")) {
			RequireSoftDeleteType(*relation, "deleted_at", table, name, false);
			linkable.soft_delete_column = "deleted_at";
		}
	} else {
		if (options.soft_delete_column)
			throw Error(sqlstate::kInvalidParameterValue,
			            "virtual linkable " + name + " cannot have a softDeleteColumn",
			            "Its records live outside this database.");
		linkable.primary_key = options.primary_key.value_or("id");
		linkable.key_type = "character varying(255)";
	}
	linkable.key = options.key.value_or(model + "_" + linkable.primary_key);
	if (!naming::IsValidIdentifier(linkable.key))
		throw Error(sqlstate::kInvalidName, "invalid key " + Quoted(linkable.key) + " for linkable " + name, {},
		            "Pass options {\"key\": \"<name>\"} with at most 63 letters, digits or underscores.");

	/* Link tables already hold this key: it cannot change under them. */
	auto existing = FindLinkable(module, model);
	if (existing && (existing->key != linkable.key || existing->key_type != linkable.key_type)) {
		auto users = LinksUsing(module, model);
		if (!users.empty()) {
			std::string list;
			for (const auto &user : users)
				list += (list.empty() ? "" : ", ") + user;
			throw Error(sqlstate::kObjectNotInPrerequisiteState,
			            "cannot change the key of linkable " + name + " while links use it",
			            "Key " + Quoted(existing->key) + " (" + existing->key_type + ") would become " +
			                Quoted(linkable.key) + " (" + linkable.key_type + "); used by: " + list + ".",
			            "Drop those links first with drop_link().");
		}
	}

	/* A linkable whose table is gone is found again by its name and owner (current_relation):
	 * registrations naming one table name under two owners would let either's table be taken
	 * for the other's. */
	if (relation)
		if (auto other = pg::QueryValue(
		        "SELECT quote_literal(module || '.' || model) FROM link_module.linkable_registry WHERE relation_name = $1 "
		        "AND (module, model) <> ($2, $3) AND relation_owner IS DISTINCT FROM "
		        "(SELECT relowner::regrole FROM pg_class WHERE oid = $4::oid) LIMIT 1",
		        {linkable.relation, module, model, std::to_string(*relation)}))
			throw Error(sqlstate::kInsufficientPrivilege,
			            "cannot register linkable " + name + " on table " + *linkable.relation + ": linkable " + *other +
			                " is registered on a table of that name owned by another role",
			            "A linkable whose table was dropped finds it again by name and owner.",
			            "Unregister " + *other + " first (unregister_linkable), or use a table of another name.");

	pg::AsOwner as_owner(Owner());
	pg::Execute("INSERT INTO link_module.linkable_registry AS l (module, model, relation, primary_key, key, key_type, "
	            "  soft_delete_column, alias, validate, relation_name, relation_owner) "
	            "VALUES ($1, $2, $3::oid::regclass, $4, $5, $6, $7, $8, $9::boolean, $10, "
	            "  (SELECT relowner::regrole FROM pg_class WHERE oid = $3::oid)) "
	            "ON CONFLICT (module, model) DO UPDATE SET relation = excluded.relation, "
	            "  relation_name = excluded.relation_name, relation_owner = excluded.relation_owner, "
	            "  primary_key = excluded.primary_key, key = excluded.key, key_type = excluded.key_type, "
	            "  soft_delete_column = excluded.soft_delete_column, alias = excluded.alias, "
	            "  validate = excluded.validate",
	            {module, model, relation ? Value(std::to_string(*relation)) : std::nullopt, linkable.primary_key,
	             linkable.key, linkable.key_type, linkable.soft_delete_column, linkable.alias,
	             linkable.validate ? "true" : "false", linkable.relation});
	return linkable;
}

Linkable
UnregisterLinkable(const std::string &module, const std::string &model) {
	const std::string name = Quoted(module + "." + model);
	auto linkable = FindLinkable(module, model);
	if (!linkable) {
		auto known = pg::QueryValue("SELECT string_agg(quote_literal(module || '.' || model), ', ' "
		                            "ORDER BY module, model) FROM link_module.linkable_registry");
		throw Error(sqlstate::kUndefinedObject, "linkable " + name + " is not registered",
		            known ? "Registered linkables: " + *known + "." : "No linkable is registered.");
	}
	auto users = LinksUsing(module, model);
	if (!users.empty()) {
		std::string list;
		for (const auto &user : users)
			list += (list.empty() ? "" : ", ") + user;
		throw Error(sqlstate::kDependentObjectsStillExist, "cannot unregister linkable " + name + ": links use it",
		            "Used by (entry points): " + list + ".", "Drop those links first with drop_link().");
	}
	if (linkable->relation && !linkable->table_missing)
		RequireRegisterRights(RelationOid(*linkable->relation), module + "." + model, "unregister");
	else if (linkable->table_missing &&
	         *pg::QueryValue("SELECT coalesce((SELECT pg_has_role(relation_owner, 'USAGE') FROM "
	                         "link_module.linkable_registry WHERE module = $1 AND model = $2 AND relation_owner IS NOT "
	                         "NULL), true)::text",
	                         {module, model}) != "true")
		throw Error(sqlstate::kInsufficientPrivilege,
		            "cannot unregister linkable " + name + ": its table is gone, and only a member of the role that "
		            "owned it may unregister it");
	pg::AsOwner as_owner(Owner());
	pg::Execute("DELETE FROM link_module.linkable_registry WHERE module = $1 AND model = $2", {module, model});
	return *linkable;
}

Linkable
ResolveLinkable(const std::string &module, const std::string &model, const std::string &what) {
	if (auto linkable = FindLinkable(module, model)) {
		if (linkable->table_missing)
			throw Error(sqlstate::kUndefinedTable,
			            "table " + *linkable->relation + " of linkable " + Quoted(module + "." + model) +
			                " does not exist",
			            "It was dropped after the linkable was registered.",
			            "Create the table again, or register the linkable again with register_linkable().");
		/* Registered before its table could be refused (or by an older version). */
		if (linkable->relation) {
			auto oid = pg::QueryValue("SELECT link_module.current_relation(relation, relation_name)::oid::text "
			                          "FROM link_module.linkable_registry WHERE module = $1 AND model = $2",
			                          {module, model});
			if (oid)
				RefuseUnsupportedTable(DescribeTable(static_cast<Oid>(std::stoul(*oid))), Quoted(module + "." + model));
		}
		return *linkable;
	}
	auto relation = pg::QueryValue("SELECT c.oid::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	                               "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
	                               {module, model});
	if (!relation) {
		auto known = pg::QueryValue("SELECT string_agg(quote_literal(model), ', ' ORDER BY model) "
		                            "FROM link_module.linkable_registry WHERE module = $1",
		                            {module});
		throw Error(sqlstate::kUndefinedObject,
		            "unknown linkable " + Quoted(module + "." + model) + " in " + what,
		            known ? "Module " + Quoted(module) + " has the models " + *known + "."
		                  : "No linkable of module " + Quoted(module) + " is registered and there is no table " +
		                        module + "." + model + ".",
		            "Register it with register_linkable('" + module + "', '" + model + "', '<table>'), or name a table "
		            "as 'schema.table'.");
	}
	/* The contract registers the table under its own name; say so when it is registered already
	 * under another one (two linkables then name the same records). */
	if (auto other = pg::QueryValue("SELECT string_agg(quote_literal(module || '.' || model), ', ' ORDER BY module, "
	                                "model) FROM link_module.linkable_registry WHERE relation = $1::oid::regclass",
	                                {*relation}))
		pg::Notice("table " + module + "." + model + " is registered already as linkable " + *other +
		               "; registering it also as " + Quoted(module + "." + model),
		           "Name the registered linkable ('module.model') in define_link to use that one.");
	return RegisterLinkable(module, model, static_cast<Oid>(std::stoul(*relation)), LinkableOptions{});
}

std::optional<StoredLink>
FindLink(LinkKey by, const std::string &value) {
	const char *sql = by == LinkKey::ServiceName
	                      ? "SELECT definition::text FROM link_module.link_registry WHERE service_name = $1"
	                      : "SELECT definition::text FROM link_module.link_registry WHERE entry_point = $1";
	return FirstLink(pg::Query(sql, {value}));
}

std::optional<StoredLink>
FindLinkByTable(const std::string &schema, const std::string &table) {
	return FirstLink(pg::Query("SELECT definition::text FROM link_module.link_registry "
	                           "WHERE definition->>'schema' = $1 AND definition->>'tableName' = $2",
	                           {schema, table}));
}

std::optional<StoredLink>
FindLinkBetween(const std::string &module_a, const std::string &key_a, const std::string &module_b,
                const std::string &key_b) {
	/* The definition's own order first, then the reverse one. */
	return FirstLink(pg::Query("SELECT definition::text FROM link_module.link_registry WHERE NOT read_only AND ("
	                           "  (left_module, left_key, right_module, right_key) = ($1, $2, $3, $4) OR "
	                           "  (left_module, left_key, right_module, right_key) = ($3, $4, $1, $2)) "
	                           "ORDER BY (left_module, left_key) = ($1, $2) DESC, service_name LIMIT 1",
	                           {module_a, key_a, module_b, key_b}));
}

void
SaveLink(const LinkDefinition &def, const Json &json) {
	pg::AsOwner as_owner(Owner());
	pg::Execute("INSERT INTO link_module.link_registry AS l (service_name, entry_point, entity, link_table, read_only, "
	            "  left_module, left_model, left_key, right_module, right_model, right_key, definition) "
	            "VALUES ($1, $2, $3, $4::regclass, $5::boolean, $6, $7, $8, $9, $10, $11, $12::jsonb) "
	            "ON CONFLICT (service_name) DO UPDATE SET entry_point = excluded.entry_point, "
	            "  entity = excluded.entity, link_table = excluded.link_table, read_only = excluded.read_only, "
	            "  definition = excluded.definition",
	            {def.names.service_name, def.names.entry_point, def.names.entity,
	             def.read_only ? std::nullopt : Value(json.at("table").get<std::string>()),
	             def.read_only ? "true" : "false", def.left.module, def.left.model, def.left.key, def.right.module,
	             def.right.model, def.right.key, json.dump()});
}

void
DeleteLink(const std::string &service_name) {
	pg::AsOwner as_owner(Owner());
	pg::Execute("DELETE FROM link_module.link_registry WHERE service_name = $1", {service_name});
}

Oid
Owner() {
	auto owner = pg::QueryValue("SELECT relowner::text FROM pg_class WHERE oid = "
	                            "to_regclass('link_module.linkable_registry')",
	                            {}, "registry:owner");
	if (!owner)
		throw Error(sqlstate::kObjectNotInPrerequisiteState,
		            "link_module's objects in this database are older than its library",
		            "The library was installed in a newer version than the extension's SQL objects.",
		            "Run ALTER EXTENSION link_module UPDATE in this database.");
	return static_cast<Oid>(std::stoul(*owner));
}

bool
CatalogIsCurrent() {
	if (pg::QueryValue("SELECT 1 WHERE to_regclass('link_module.link_registry') IS NOT NULL", {},
	                   "registry:current"))
		return true;
	if (pg::QueryValue("SELECT 1 FROM pg_extension WHERE extname = 'link_module'", {}, "registry:installed"))
		pg::Warning("link_module's objects in this database are older than its library: its event triggers do "
		            "nothing until ALTER EXTENSION link_module UPDATE");
	return false;
}

Oid
RelationOid(const std::string &name) {
	return static_cast<Oid>(std::stoul(*pg::QueryValue("SELECT $1::regclass::oid::text", {name})));
}

void
PinRelation(const std::string &module, const std::string &model, const std::string &relation) {
	const std::vector<Value> params{module, model, relation};
	if (!pg::QueryValue("SELECT 1 FROM link_module.linkable_registry k WHERE module = $1 AND model = $2 "
	                    "AND NOT EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = k.relation) "
	                    "AND k.relation_owner::oid = (SELECT relowner FROM pg_class WHERE oid = $3::regclass)",
	                    params))
		return;
	pg::AsOwner as_owner(Owner());
	pg::Execute("UPDATE link_module.linkable_registry SET relation = $3::regclass WHERE module = $1 AND model = $2", params);
}

std::string
MissingPrivileges(Oid relation, const std::vector<const char *> &privileges) {
	std::string missing;
	for (const char *privilege : privileges)
		if (*pg::QueryValue("SELECT has_table_privilege($1::oid, $2)::text", {std::to_string(relation), privilege},
		                    "registry:privilege") != "true")
			missing += (missing.empty() ? "" : ", ") + std::string(privilege);
	return missing;
}

namespace {

std::string
TableName(Oid relation) {
	return pg::QueryValue("SELECT $1::oid::regclass::text", {std::to_string(relation)}).value_or("?");
}

[[noreturn]] void
Refuse(Oid relation, const std::string &missing, const std::string &message, const std::string &detail) {
	const std::string table = TableName(relation);
	throw Error(sqlstate::kInsufficientPrivilege, message + ": permission denied for table " + table, detail,
	            "The owner of " + table + " can GRANT " + missing + " ON " + table + " TO " +
	                *pg::QueryValue("SELECT quote_ident(current_user)") + ".");
}

} // namespace

void
RequireRegisterRights(Oid relation, const std::string &linkable, const char *action) {
	const std::string missing = MissingPrivileges(relation, {"TRIGGER", "REFERENCES"});
	if (!missing.empty())
		Refuse(relation, missing, std::string("cannot ") + action + " linkable " + Quoted(linkable),
		       std::string(1, static_cast<char>(std::toupper(action[0]))) + (action + 1) + "ing a table takes TRIGGER and REFERENCES on it (links reference its rows and "
		       "put triggers on it); this role lacks " + missing + ".");
}

void
RequireLinkRights(Oid relation, const std::string &linkable, bool delete_cascade, const std::string &link) {
	std::vector<const char *> needed = {"TRIGGER", "REFERENCES"};
	if (delete_cascade) {
		needed.push_back("DELETE");
		needed.push_back("UPDATE");
	}
	const std::string missing = MissingPrivileges(relation, needed);
	if (!missing.empty())
		Refuse(relation, missing, "cannot define link " + Quoted(link),
		       delete_cascade ? "Side " + Quoted(linkable) + " has deleteCascade: its records would be deleted and "
		                        "soft-deleted by cascades, which takes TRIGGER, REFERENCES, DELETE and UPDATE on its "
		                        "table; this role lacks " + missing + "."
		                      : "Side " + Quoted(linkable) + " takes TRIGGER and REFERENCES on its table; this role "
		                        "lacks " + missing + ".");
}

void
RequireLinkTableOwner(Oid link_table, const std::string &link, const char *action) {
	if (*pg::QueryValue("SELECT coalesce((SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = $1::oid), "
	                    "true)::text",
	                    {std::to_string(link_table)}) == "true")
		return;
	const std::string table = TableName(link_table);
	throw Error(sqlstate::kInsufficientPrivilege,
	            std::string("cannot ") + action + " link " + Quoted(link) + ": must be owner of table " + table,
	            std::string(action) == "drop" ? "Dropping a link takes what DROP TABLE of its table takes."
	                                          : "Redefining a link changes its table and its cascades: it takes the "
	                                            "table's owner, as dropping it does.");
}

} // namespace link_module::registry
