/* SQL functions that define things: register_linkable, unregister_linkable, define_link, drop_link,
 * get_link_module. */
#include "core/ddl.hpp"
#include "core/error.hpp"
#include "link_table.hpp"
#include "pg/as_owner.hpp"
#include "pg/citus.hpp"
#include "pg/guard.hpp"
#include "pg/json_edge.hpp"
#include "pg/spi.hpp"
#include "registry.hpp"

namespace link_module {

namespace {

std::string
RequiredText(FunctionCallInfo fcinfo, int n, const char *what) {
	auto value = pg::TextArg(fcinfo, n);
	if (!value)
		throw Error(sqlstate::kNullValueNotAllowed, std::string(what) + " must not be null");
	return *value;
}

/* A jsonb argument parsed as an object; SQL NULL counts as {}. */
Json
OptionsArg(FunctionCallInfo fcinfo, int n, const char *what) {
	auto json = pg::JsonArg(fcinfo, n, what);
	return json ? *json : Json::object();
}

/* The stored links that another definition would collide with, checked before any DDL. */
void
CheckNewLinkIsFree(const LinkDefinition &def) {
	if (auto other = registry::FindLink(registry::LinkKey::EntryPoint, def.names.entry_point))
		throw Error(sqlstate::kDuplicateObject,
		            "entry point " + Quoted(def.names.entry_point) + " is already used by link " +
		                Quoted(other->definition.names.service_name),
		            {}, "Give one side another alias: {\"linkable\": \"module.model\", \"alias\": \"...\"}.");
	if (def.read_only)
		return;
	if (auto other = registry::FindLinkByTable(def.schema, def.names.table))
		throw Error(sqlstate::kDuplicateTable,
		            "table " + pg::PgQuoter().Qualified(def.schema, def.names.table) + " already belongs to link " +
		                Quoted(other->definition.names.service_name),
		            "Link " + Quoted(def.names.service_name) + " would use the same table.",
		            "Set options.database.table to another name.");
}

Json
DefineLink(const std::string &left_text, const std::string &right_text, const Json &options_json) {
	SideSpec left_spec = ParseSide(left_text, "left side");
	SideSpec right_spec = ParseSide(right_text, "right side");
	LinkOptions options = ParseLinkOptions(options_json);

	registry::LockRegistry();
	Linkable left = registry::ResolveLinkable(left_spec.module, left_spec.model, "left side");
	Linkable right = registry::ResolveLinkable(right_spec.module, right_spec.model, "right side");
	LinkDefinition def = BuildDefinition(left_spec, left, right_spec, right, options);
	for (bool on_left : {true, false}) {
		const Linkable &linkable = on_left ? left : right;
		if (linkable.relation && !linkable.table_missing && !def.read_only)
			registry::RequireLinkRights(registry::RelationOid(*linkable.relation), linkable.module + "." + linkable.model,
			                            (on_left ? def.left : def.right).delete_cascade, def.names.service_name);
	}
	if (def.read_only)
		link_table::CheckReadOnlyField(def, left);
	link_table::CheckSchema(def);
	link_table::CheckDefaults(def);
	link_table::CheckLayout(def, left, right);

	Json json = DefinitionToJson(def, pg::PgQuoter());
	auto existing = registry::FindLink(registry::LinkKey::ServiceName, def.names.service_name);
	const link_table::Repair repair{left, right};
	const link_table::Repair *repairs = options.repair ? &repair : nullptr;
	bool adopted = false;
	if (!existing) {
		CheckNewLinkIsFree(def);
		if (!def.read_only) {
			adopted = link_table::TableExists(def);
			link_table::CreateOrAdopt(def, options.allow_unsafe, repairs);
		}
	} else {
		/* Redefining a link changes its table and what its cascades do: as drop_link, it takes
		 * the link table's owner. */
		if (auto oid = pg::QueryValue("SELECT l.link_table::oid::text FROM link_module.link_registry l "
		                              "JOIN pg_class c ON c.oid = l.link_table WHERE l.service_name = $1",
		                              {def.names.service_name}))
			registry::RequireLinkTableOwner(static_cast<Oid>(std::stoul(*oid)), def.names.service_name, "redefine");
		const LinkDefinition &old_def = existing->definition;
		if (old_def.left.model != def.left.model || old_def.right.model != def.right.model)
			throw Error(sqlstate::kDuplicateObject,
			            "link " + Quoted(def.names.service_name) + " already links " +
			                Quoted(old_def.left.module + "." + old_def.left.model) + " and " +
			                Quoted(old_def.right.module + "." + old_def.right.model),
			            "The aliases of " + Quoted(def.left.module + "." + def.left.model) + " and " +
			                Quoted(def.right.module + "." + def.right.model) + " give the same service name.",
			            "Give one side another alias: {\"linkable\": \"module.model\", \"alias\": \"...\"}.");
		/* jsonb keeps its own key order, so compare as unordered JSON. */
		bool same = nlohmann::json::parse(existing->json.dump()) == nlohmann::json::parse(json.dump());
		if (same && (def.read_only || link_table::TableExists(def))) {
			link_table::PlaceLinkTable(def, left, right); /* its module tables may have moved onto Citus since */
			return json;                                  /* otherwise unchanged: a no-op */
		}
		link_table::Converge(existing->definition, def, options.allow_unsafe, repairs);
	}
	registry::SaveLink(def, json);
	if (adopted && !options.repair)
		link_table::CheckRecords(def, left, right, false);
	if (!def.read_only)
		link_table::SyncWriteTriggers(def);
	if (!def.read_only)
		for (const Linkable *side : {&left, &right})
			if (side->relation)
				link_table::AdoptTable(*side->relation, side->module, side->model);
	link_table::PlaceLinkTable(def, left, right);
	return json;
}

/* The link `entry_point`, the registry locked (drop_link, distribute_link). */
registry::StoredLink
DefinedLink(const std::string &entry_point) {
	registry::LockRegistry();
	if (auto link = registry::FindLink(registry::LinkKey::EntryPoint, entry_point))
		return *link;
	auto known = pg::QueryValue("SELECT string_agg(quote_literal(entry_point), ', ' ORDER BY entry_point) "
	                            "FROM link_module.link_registry");
	throw Error(sqlstate::kUndefinedObject, "link " + Quoted(entry_point) + " does not exist",
	            known ? "Defined links (entry points): " + *known + "." : "No link is defined.");
}

} // namespace

} // namespace link_module

using namespace link_module;

LM_FUNCTION(register_linkable) {
	std::string module = RequiredText(fcinfo, 0, "module");
	std::string model = RequiredText(fcinfo, 1, "model");
	std::optional<Oid> relation = pg::OidArg(fcinfo, 2);
	LinkableOptions options = ParseLinkableOptions(OptionsArg(fcinfo, 3, "register_linkable options"));
	if (!naming::IsValidIdentifier(module) || !naming::IsValidIdentifier(model))
		throw Error(sqlstate::kInvalidName, "invalid linkable name " + Quoted(module + "." + model),
		            "Module and model names must match [A-Za-z_][A-Za-z0-9_]* and be at most 63 bytes long.");

	std::string result;
	{
		pg::SpiConnection spi;
		registry::LockRegistry();
		result = LinkableToJson(registry::RegisterLinkable(module, model, relation, options)).dump();
		spi.Finish();
	}
	return pg::JsonbDatum(result);
}

LM_FUNCTION(unregister_linkable) {
	std::string module = RequiredText(fcinfo, 0, "module");
	std::string model = RequiredText(fcinfo, 1, "model");
	if (!naming::IsValidIdentifier(module) || !naming::IsValidIdentifier(model))
		throw Error(sqlstate::kInvalidName, "invalid linkable name " + Excerpt(Json(module + "." + model)),
		            "Module and model names match [A-Za-z_][A-Za-z0-9_]* and are at most 63 bytes long.");
	std::string result;
	{
		pg::SpiConnection spi;
		registry::LockRegistry();
		Linkable linkable = registry::UnregisterLinkable(module, model);
		if (linkable.relation && !linkable.table_missing)
			link_table::RemoveRecordTriggersIfUnused(*linkable.relation);
		result = LinkableToJson(linkable).dump();
		spi.Finish();
	}
	return pg::JsonbDatum(result);
}

LM_FUNCTION(define_link) {
	std::string left = RequiredText(fcinfo, 0, "left side");
	std::string right = RequiredText(fcinfo, 1, "right side");
	Json options = OptionsArg(fcinfo, 2, "define_link options");

	std::string result;
	{
		pg::SpiConnection spi;
		result = DefineLink(left, right, options).dump();
		spi.Finish();
	}
	return pg::JsonbDatum(result);
}

LM_FUNCTION(drop_link) {
	std::string entry_point = RequiredText(fcinfo, 0, "entry_point");
	bool drop_table = pg::BoolArg(fcinfo, 1).value_or(false);

	pg::SpiConnection spi;
	const registry::StoredLink link = DefinedLink(entry_point);
	const LinkDefinition &def = link.definition;
	/* The table by its regclass: it follows a rename, and is gone if the table was dropped. */
	auto table = pg::QueryValue("SELECT link_table::regclass::text FROM link_module.link_registry l "
	                            "JOIN pg_class c ON c.oid = l.link_table WHERE l.service_name = $1",
	                            {def.names.service_name});
	if (table)
		registry::RequireLinkTableOwner(registry::RelationOid(*table), def.names.service_name, "drop");
	/* The definition first: the table's drop then finds no link to remove (table_dropped). */
	registry::DeleteLink(def.names.service_name);
	if (drop_table && table) {
		{
			pg::AsOwner as_owner(registry::Owner());
			pg::Execute("DELETE FROM link_module.removals WHERE link_table = $1::regclass", {*table});
		}
		pg::Execute("DROP TABLE " + *table);
	} else if (table) {
		link_table::SyncWriteTriggers(def, false); /* the table stays, as Medusa's own */
	}
	for (const LinkSide *side : {&def.left, &def.right})
		if (auto linkable = registry::FindLinkable(side->module, side->model); linkable && linkable->relation)
			link_table::RemoveRecordTriggersIfUnused(*linkable->relation);
	spi.Finish();
	PG_RETURN_VOID();
}

LM_FUNCTION(distribute_link) {
	std::string entry_point = RequiredText(fcinfo, 0, "entry_point");
	std::string column = RequiredText(fcinfo, 1, "distribution_column");
	pg::SpiConnection spi;
	const registry::StoredLink link = DefinedLink(entry_point);
	LinkDefinition def = link.definition;
	if (def.read_only)
		throw Error(sqlstate::kWrongObjectType, "link " + Quoted(entry_point) + " is read-only: it has no table");
	if (!pg::citus::Installed())
		throw Error(sqlstate::kFeatureNotSupported,
		            "cannot distribute the table of link " + Quoted(entry_point) + ": Citus is not installed",
		            {}, "CREATE EXTENSION citus, and distribute the module tables first (README, \"Scaling out with Citus\").");
	if (column != def.left.key && column != def.right.key)
		throw Error(sqlstate::kInvalidParameterValue,
		            "link " + Quoted(entry_point) + " has no key column " + Quoted(column),
		            "A link table is distributed by the key of one of its sides: " + Quoted(def.left.key) + " or " +
		                Quoted(def.right.key) + ".");
	/* The table where it is now (its OID, which follows a rename). */
	const auto where = pg::Query("SELECT n.nspname, c.relname, c.oid::text FROM link_module.link_registry l "
	                             "JOIN pg_class c ON c.oid = l.link_table JOIN pg_namespace n ON n.oid = c.relnamespace "
	                             "WHERE l.service_name = $1",
	                             {def.names.service_name});
	if (where.empty())
		throw Error(sqlstate::kUndefinedTable, "the table of link " + Quoted(entry_point) + " no longer exists", {},
		            "define_link() defines it again, with a new table.");
	def.schema = *where[0][0];
	def.names.table = *where[0][1];
	registry::RequireLinkTableOwner(static_cast<Oid>(std::stoul(*where[0][2])), def.names.service_name, "distribute");
	Linkable left = registry::ResolveLinkable(def.left.module, def.left.model, "left side");
	Linkable right = registry::ResolveLinkable(def.right.module, def.right.model, "right side");
	link_table::DistributeLinkTable(def, left, right, column);
	spi.Finish();
	PG_RETURN_VOID();
}

LM_FUNCTION(get_link_module) {
	std::string module_a = RequiredText(fcinfo, 0, "module_a");
	std::string key_a = RequiredText(fcinfo, 1, "key_a");
	std::string module_b = RequiredText(fcinfo, 2, "module_b");
	std::string key_b = RequiredText(fcinfo, 3, "key_b");

	std::optional<std::string> result;
	{
		pg::SpiConnection spi;
		registry::Owner(); /* a clear error while the SQL objects are older than the library */
		if (auto link = registry::FindLinkBetween(module_a, key_a, module_b, key_b))
			result = link->json.dump();
		spi.Finish();
	}
	if (!result)
		PG_RETURN_NULL();
	return pg::JsonbDatum(*result);
}
