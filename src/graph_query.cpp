/* query_graph: compiles the request (core/graph) against the registry and the tables' columns
 * (cached per backend) and runs the one statement it gives through a plan cached by its text,
 * with the caller's privileges (GRANTs and row-level security apply). */
#include "core/error.hpp"
#include "core/graph.hpp"
#include "pg/encoding.hpp"
#include "pg/citus.hpp"
#include "pg/guard.hpp"
#include "pg/json_edge.hpp"
#include "pg/plan_cache.hpp"
#include "pg/relcache_watch.hpp"
#include "pg/spi.hpp"
#include "registry.hpp"
#include "settings.hpp"

namespace link_module {

namespace {

/* A table's columns, from the JSON array of [name, type, unique] the registry queries return. */
std::vector<graph::Column>
ColumnsOf(const pg::Value &json) {
	std::vector<graph::Column> columns;
	if (json)
		for (const auto &column : ParseJson(*json, "table columns"))
			columns.push_back({column.at(0).get<std::string>(), column.at(1).get<std::string>(), column.at(2).get<bool>()});
	return columns;
}

/* Types without modifiers: a filter value is cast to its field's type, and a varchar(n) or
 * numeric(p,s) modifier would truncate or round it into another value. A column is unique with
 * a valid, immediate unique index on it alone, of its own collation and its type's default
 * operator class (the equality a join uses), without a predicate or with `<soft> IS NULL` (reads
 * see live rows only). The predicate is matched in its stored form: deparsing it would lock the
 * table. */
#define LM_COLUMNS_OF(rel, soft)                                                                                      \
	"(SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, NULL), EXISTS ("                           \
	"  SELECT FROM pg_index i JOIN pg_opclass o ON o.oid = i.indclass[0] AND o.opcdefault "                          \
	"  WHERE i.indrelid = a.attrelid AND i.indisunique AND i.indimmediate AND i.indisvalid "                         \
	"  AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum AND i.indexprs IS NULL "                                     \
	"  AND i.indcollation[0] = a.attcollation AND (i.indpred IS NULL OR i.indpred::text ~ ('^\\{NULLTEST :arg "        \
	"\\{VAR :varno 1 :varattno ' || (SELECT s.attnum FROM pg_attribute s WHERE s.attrelid = a.attrelid "          \
	"  AND s.attname = " soft " AND NOT s.attisdropped) || ' .* :nulltesttype 0 :argisrow false :location -?[0-9]+\\}$')))) " \
	"  ORDER BY a.attnum)::text "                                                                                   \
	"FROM pg_attribute a WHERE a.attrelid = " rel " AND a.attnum > 0 AND NOT a.attisdropped)"

/* The registry with every table's columns, read once per backend and again only after a
 * registry change or DDL on one of the tables. */
graph::Schema cached_schema;
pg::RelcacheWatch schema_watch;

void
Watch(std::vector<Oid> &relations, const pg::Value &oid) {
	if (oid)
		relations.push_back(static_cast<Oid>(std::stoul(*oid)));
}

/* Loads cached_schema; returns the relations it was built from. */
std::vector<Oid>
LoadSchema() {
	graph::Schema schema;
	std::vector<Oid> relations;
	registry::Owner(); /* a clear error while the SQL objects are older than the library */
	for (const auto &row : pg::Query(
	         "SELECT k.module, k.model, c.oid::regclass::text, k.primary_key, k.soft_delete_column, " LM_COLUMNS_OF(
	             "c.oid", "k.soft_delete_column") ", c.oid::text, CASE WHEN k.relation IS NOT NULL AND c.oid IS NULL THEN k.relation_name END "
	                      "FROM link_module.linkable_registry k LEFT JOIN pg_class c "
	                      "ON c.oid = link_module.current_relation(k.relation, k.relation_name) "
	                      "ORDER BY k.module, k.model",
	         {}, "graph:linkables")) {
		graph::Entity entity{*row[0], *row[1], std::nullopt, row[7]};
		if (row[2])
			entity.table = graph::Table{*row[2], *row[3], row[4], ColumnsOf(row[5])};
		schema.entities.push_back(std::move(entity));
		Watch(relations, row[6]);
		if (row[6] && pg::citus::DistributionColumn(static_cast<Oid>(std::stoul(*row[6]))))
			schema.staged = true;
	}
	/* A link whose table is gone counts as removed (as for link operations). */
	for (const auto &row : pg::Query("SELECT l.definition::text, c.oid::regclass::text, " LM_COLUMNS_OF(
	                                     "c.oid", "'deleted_at'::text") ", c.oid::text FROM link_module.link_registry l "
	                                              "LEFT JOIN pg_class c ON c.oid = l.link_table "
	                                              "WHERE l.read_only OR c.oid IS NOT NULL ORDER BY l.service_name",
	                                 {}, "graph:links")) {
		schema.links.push_back(DefinitionFromJson(ParseJson(*row[0], "stored link definition")));
		schema.link_tables.push_back(row[1] ? std::optional<graph::Table>(graph::Table{
		                                          *row[1], "id", std::string("deleted_at"), ColumnsOf(row[2])})
		                                    : std::nullopt);
		Watch(relations, row[3]);
	}
	/* A linkable's table was dropped: no invalidation will announce it created again, so the
	 * schema is loaded again on every call until it is back. */
	for (const auto &entity : schema.entities)
		if (entity.dropped_table)
			schema_watch.Invalidate();
	cached_schema = std::move(schema);
	return relations;
}

#undef LM_COLUMNS_OF

bool
IsDataException(int code) {
	return ERRCODE_TO_CATEGORY(code) == ERRCODE_DATA_EXCEPTION;
}

/* The statement failed on a value its field's type does not accept: find which (each cast in
 * a subtransaction of its own) and name its field. */
[[noreturn]] void
ThrowBadValue(const std::vector<graph::Param> &params) {
	for (const auto &param : params) {
		if (param.type == "text")
			continue;
		const std::string sql = param.array ? "SELECT $1::text[]::" + param.type + "[]" : "SELECT $1::" + param.type;
		std::string message;
		const bool fits = pg::InSubtransaction(
		    [&] {
			    try {
				    pg::ExecutePlan(pg::CachedPlan("graph-cast:" + sql, sql, {static_cast<Oid>(param.array ? TEXTARRAYOID : TEXTOID)}),
				                    {param.array ? pg::TextArray(param.items) : pg::Text(param.value)});
			    } catch (const pg::PgError &error) {
				    message = error.Utf8Message();
				    throw;
			    }
		    },
		    IsDataException);
		if (!fits)
			throw Error(sqlstate::kInvalidTextRepresentation,
			            "query_graph: the filter value of " + Quoted(param.path) + " is not a valid " + param.type +
			                ": " + message);
	}
	throw Error(sqlstate::kInvalidParameterValue, "query_graph: a filter value does not fit its field");
}

} // namespace

} // namespace link_module

using namespace link_module;

namespace link_module {

namespace {

/* The request argument compiled against the registry (inside an SPI connection). */
graph::Statement
CompileArg(FunctionCallInfo fcinfo) {
	auto request = pg::JsonArg(fcinfo, 0, "query");
	if (!request)
		throw Error(sqlstate::kNullValueNotAllowed, "query_graph: the query must not be null");
	graph::Limits limits;
	limits.max_depth = settings::graph_max_depth;
	limits.max_take = settings::graph_max_take;
	limits.join_unique = !IsolationUsesXactSnapshot();
	schema_watch.Refresh(LoadSchema);
	return graph::Compile(*request, cached_schema, pg::PgQuoter(), limits);
}

} // namespace

} // namespace link_module

LM_FUNCTION(query_graph) {
	Datum result;
	{
		pg::SpiConnection spi;
		for (int attempt = 1;; ++attempt) {
			const graph::Statement statement = CompileArg(fcinfo);
			const uint64 invalidations = schema_watch.Invalidations();
			std::vector<Oid> types;
			std::vector<pg::Param> params;
			for (const auto &param : statement.params) {
				types.push_back(static_cast<Oid>(param.array ? TEXTARRAYOID : TEXTOID));
				params.push_back(param.array ? pg::TextArray(param.items) : pg::Text(param.value));
			}
			/* A column or table the statement names is gone when DDL committed while it waited
			 * for its lock (preparing or running): the schema cache heard of it then, so
			 * compile again. */
			bool bad_value = false;
			const auto handled = [&](int code) {
				bad_value = IsDataException(code);
				return bad_value || ((code == ERRCODE_UNDEFINED_COLUMN || code == ERRCODE_UNDEFINED_TABLE) &&
				                     schema_watch.stale() && attempt < 3);
			};
			const auto run = [&] {
				/* Not forced generic: a generic plan would guess the page's LIMIT (10% of the table). */
				pg::ExecutePlan(pg::CachedPlan("graph:" + statement.sql, statement.sql, types, pg::Planning::Chosen), params);
			};
			bool ran;
			try {
				ran = pg::InSubtransaction(run, handled);
			} catch (const pg::PgError &error) {
				/* What Citus cannot plan even in stages (an order by a linked record's field of a
				 * hash-distributed table): said so, with Citus's reason. */
				if (error.data()->sqlerrcode != ERRCODE_FEATURE_NOT_SUPPORTED || !pg::citus::Installed())
					throw;
				throw Error(sqlstate::kFeatureNotSupported,
				            "query_graph cannot read these tables together on a Citus cluster",
				            "Citus: " + error.Utf8Message(),
				            "On hash-distributed tables, order by the entity's own fields: see README, \"Scaling out "
				            "with Citus\".");
			}
			if (ran) {
				/* DDL or a registry change committed while the statement waited for its locks:
				 * a key it joins through may no longer be unique (its rows then read as they are
				 * now). Compile again and run again. */
				if (statement.joins_unique && schema_watch.Invalidations() != invalidations && attempt < 3)
					continue;
				result = *pg::ResultDatum(1);
				break;
			}
			if (bad_value)
				ThrowBadValue(statement.params);
		}
		spi.Finish();
	}
	PG_RETURN_DATUM(result);
}

/* The statement query_graph runs for a request ($n are its parameters): for EXPLAIN. */
LM_FUNCTION(query_graph_sql) {
	std::string sql;
	{
		pg::SpiConnection spi;
		sql = CompileArg(fcinfo).sql;
		spi.Finish();
	}
	const std::string server_sql = pg::ToServer(sql);
	PG_RETURN_TEXT_P(pg::PgCall([](const char *s) { return cstring_to_text(s); }, server_sql.c_str()));
}
