/* link_check and link_repair: what the rows of a link (or of every link) hold that its
 * definition does not allow, as amcheck reports what an index holds that it should not. Rows
 * adopted from a Medusa database can: Medusa's own cardinality check races, and it checks no
 * records. link_repair dismisses those rows.
 *
 * As VACUUM does, they take the links whose tables the caller owns, and run each as that
 * table's owner in a security-restricted operation: a repair fires the link table's triggers,
 * which are its owner's code, never run as the caller. Records are checked only in tables the
 * owner may read without row security (link_table::RecordsCheckable). */
#include "core/error.hpp"
#include "core/link_sql.hpp"
#include "link_cache.hpp"
#include "link_table.hpp"
#include "pg/as_owner.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "registry.hpp"

using namespace link_module;

/* link_module.link_problems(entry_point text, repair boolean) RETURNS jsonb: an array of
 * {link, problem, left_id, right_id, detail}; with repair, of the rows it dismissed. */
LM_FUNCTION(link_problems) {
	const std::optional<std::string> entry_point = pg::TextArg(fcinfo, 0);
	const bool repair = pg::BoolArg(fcinfo, 1).value_or(false);
	const char *function = repair ? "link_repair" : "link_check";
	Json problems = Json::array();
	{
		pg::SpiConnection spi;
		registry::Owner(); /* a clear error while the SQL objects are older than the library */
		const Quoter &q = pg::PgQuoter();
		/* A link whose table is gone counts as removed everywhere else; here it is named. */
		for (const auto &row : pg::Query("SELECT l.entry_point FROM link_module.link_registry l WHERE NOT l.read_only "
		                                 "AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = l.link_table) "
		                                 "AND ($1::text IS NULL OR l.entry_point = $1) ORDER BY 1",
		                                 {entry_point}))
			problems.push_back({{"link", *row[0]}, {"problem", "missing table"}, {"left_id", nullptr},
			                    {"right_id", nullptr},
			                    {"detail", "its table no longer exists: drop_link(" + q.literal(*row[0]) +
			                                   ") removes the link, define_link() creates the table again"}});
		link_cache::Use cache;
		const link_cache::StoredLinks &stored = cache.links();
		bool found = !problems.empty();
		for (std::size_t i = 0; i < stored.links.size(); ++i) {
			const LinkDefinition &link = stored.links[i];
			if (entry_point && link.names.entry_point != *entry_point)
				continue;
			found = true;
			const std::string table = q.Qualified(link.schema, link.names.table);
			if (*pg::QueryValue("SELECT pg_has_role($1::oid, 'MEMBER')::text", {std::to_string(stored.link_owners[i])},
			                    "check:owner") != "true") {
				if (!entry_point)
					continue;
				throw Error(sqlstate::kInsufficientPrivilege,
				            std::string(function) + ": must be owner of table " + table + " (link " +
				                Quoted(link.names.entry_point) + ")",
				            {}, "Without an entry point it takes every link whose table the caller owns.");
			}
			pg::AsOwner as_owner(stored.link_owners[i], true);
			const auto checked = [](const std::optional<link_sql::RecordTable> &records) -> const link_sql::RecordTable * {
				return records && link_table::RecordsCheckable(*records) ? &*records : nullptr;
			};
			const link_sql::RecordTable *left = checked(stored.left_tables[i]);
			const link_sql::RecordTable *right = checked(stored.right_tables[i]);
			const std::pair<bool, bool> unique{link.LeftKeyUnique(), link.RightKeyUnique()};
			/* A repair dismisses the rows naming records that are not live first, so the row kept
			 * for an id that may have only one is one whose records are live. */
			std::vector<std::string> statements;
			if (repair) {
				statements.push_back(link_sql::RepairProblems(link, left, right, q, {false, false}));
				statements.push_back(link_sql::RepairProblems(link, nullptr, nullptr, q, unique));
			} else {
				statements.push_back("SELECT p.problem, p.l, p.r, p.detail FROM (" +
				                     link_sql::Problems(link, left, right, q, unique) + ") p(rid, problem, l, r, detail)");
			}
			for (const auto &sql : statements)
				for (const auto &row : pg::Query(sql + " ORDER BY 1, 2, 3, 4")) {
					pg::CheckForInterrupts();
					problems.push_back({{"link", link.names.entry_point}, {"problem", row[0].value_or("")},
					                    {"left_id", row[1] ? Json(*row[1]) : Json()},
					                    {"right_id", row[2] ? Json(*row[2]) : Json()}, {"detail", row[3].value_or("")}});
				}
		}
		if (entry_point && !found) {
			auto known = pg::QueryValue("SELECT string_agg(quote_literal(entry_point), ', ' ORDER BY entry_point) "
			                            "FROM link_module.link_registry WHERE NOT read_only");
			throw Error(sqlstate::kUndefinedObject,
			            std::string(function) + ": link " + Quoted(*entry_point) + " does not exist", {},
			            known ? "Links with tables (entry points): " + *known + "." : "No link is defined.");
		}
		spi.Finish();
	}
	return pg::JsonbDatum(problems.dump());
}
