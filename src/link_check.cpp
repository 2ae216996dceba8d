/* link_check and link_repair: what the rows of a link (or of every link) hold that its
 * definition does not allow, as amcheck reports what an index holds that it should not. Rows
 * adopted from a Medusa database can: Medusa's own cardinality check races, and it checks no
 * records. link_repair dismisses those rows. Both run as the caller. */
#include "core/error.hpp"
#include "core/link_sql.hpp"
#include "link_cache.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace link_module;

/* link_module.link_problems(entry_point text, repair boolean) RETURNS jsonb: an array of
 * {link, problem, left_id, right_id, detail}; with repair, of the rows it dismissed. */
LM_FUNCTION(link_problems) {
	const std::optional<std::string> entry_point = pg::TextArg(fcinfo, 0);
	const bool repair = pg::BoolArg(fcinfo, 1).value_or(false);
	Json problems = Json::array();
	{
		pg::SpiConnection spi;
		const Quoter &q = pg::PgQuoter();
		/* A link whose table is gone counts as removed everywhere else; here it is named. */
		for (const auto &row : pg::Query("SELECT l.entry_point FROM link_module.links l WHERE NOT l.read_only "
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
			const auto &left = stored.left_tables[i];
			const auto &right = stored.right_tables[i];
			const std::pair<bool, bool> unique{link.LeftKeyUnique(), link.RightKeyUnique()};
			const std::string sql =
			    (repair ? link_sql::RepairProblems(link, left ? &*left : nullptr, right ? &*right : nullptr, q, unique)
			            : "SELECT p.problem, p.l, p.r, p.detail FROM (" +
			                  link_sql::Problems(link, left ? &*left : nullptr, right ? &*right : nullptr, q, unique) +
			                  ") p(tid, problem, l, r, detail)") +
			    " ORDER BY 1, 2, 3, 4";
			for (const auto &row : pg::Query(sql)) {
				pg::CheckForInterrupts();
				problems.push_back({{"link", link.names.entry_point}, {"problem", *row[0]}, {"left_id", *row[1]},
				                    {"right_id", *row[2]}, {"detail", *row[3]}});
			}
		}
		if (entry_point && !found) {
			auto known = pg::QueryValue("SELECT string_agg(quote_literal(entry_point), ', ' ORDER BY entry_point) "
			                            "FROM link_module.links WHERE NOT read_only");
			throw Error(sqlstate::kUndefinedObject,
			            std::string(repair ? "link_repair" : "link_check") + ": link " + Quoted(*entry_point) +
			                " does not exist",
			            {}, known ? "Links with tables (entry points): " + *known + "." : "No link is defined.");
		}
		spi.Finish();
	}
	return pg::JsonbDatum(problems.dump());
}
