/* The statements of link operations on a link table that Citus hash-distributes: what Citus
 * cannot plan there (tuple ids, row locks over several shards, fenced or LIMITed LATERAL
 * probes) is left out, and a local or reference link table keeps its statements as they were. */
#include <gtest/gtest.h>

#include "core/link_sql.hpp"
#include "test_support.hpp"

using namespace link_module;
using namespace link_module::testing;

namespace {

std::size_t
Count(const std::string &text, const std::string &part) {
	std::size_t n = 0;
	for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
		++n;
	return n;
}

LinkDefinition
OneToMany(const std::string &distributed_by) {
	LinkDefinition link = Define("product.product", R"({"linkable": "blog.post", "isList": true})");
	link.distributed_by = distributed_by;
	return link;
}

} // namespace

TEST(LinkSql, DistributedLinkTableStatementsUseKeysNotTupleIds) {
	const LinkDefinition local = OneToMany("");
	const LinkDefinition distributed = OneToMany("post_id");
	const Quoter &q = TestQuoter();
	using Statement = std::string (*)(const LinkDefinition &, const Quoter &);
	for (Statement statement : {Statement(link_sql::CreateUpdate), Statement(link_sql::UpdateExisting),
	                            Statement(link_sql::Dismiss), Statement(link_sql::FindPartner)}) {
		const std::string sql = statement(distributed, q);
		EXPECT_EQ(sql.find("ctid"), std::string::npos) << sql;
		EXPECT_EQ(sql.find("FOR UPDATE"), std::string::npos) << sql;
		EXPECT_EQ(sql.find("LATERAL (SELECT y."), std::string::npos) << sql;
		EXPECT_NE(statement(local, q), sql);
	}
	/* The UPDATE meets its rows by both keys, and checks deleted_at on the row it updates. */
	EXPECT_NE(link_sql::Dismiss(distributed, q).find("WHERE t.\"product_id\" = i.l AND t.\"post_id\" = i.r AND "
	                                                  "t.deleted_at IS NULL"),
	          std::string::npos);
	EXPECT_NE(link_sql::Dismiss(local, q).find("WHERE t.ctid = i.tid"), std::string::npos);
	/* link_list: no fences, rows told apart by their keys. */
	const std::string list = link_sql::List(distributed, q, false);
	EXPECT_EQ(list.find("OFFSET 0"), std::string::npos) << list;
	EXPECT_EQ(list.find("ctid"), std::string::npos) << list;
	EXPECT_EQ(Count(link_sql::List(local, q, false), "OFFSET 0"), 5u);
	/* A revival by a cascade's stamp, and the restore's re-dismissal. */
	const std::string revive = link_sql::ReviveLinkRows(distributed, q);
	EXPECT_NE(revive.find("t.deleted_at = $3"), std::string::npos) << revive;
	EXPECT_EQ(revive.find("ctid"), std::string::npos) << revive;
}

TEST(LinkSql, JournaledOutsideRemovalsReadTheArraysUncorrelated) {
	const LinkDefinition link = OneToMany("post_id");
	const std::string sql = link_sql::OutsideRemovals(link, TestQuoter(), true);
	EXPECT_NE(sql.find("FROM unnest($1::text[], $2::text[], $3::timestamptz[])"), std::string::npos) << sql;
	EXPECT_EQ(sql.find("link_module_new"), std::string::npos) << sql;
	EXPECT_EQ(sql.find("NOT EXISTS"), std::string::npos) << sql;
	const std::string trigger = link_sql::OutsideRemovals(link, TestQuoter());
	EXPECT_NE(trigger.find("FROM link_module_old o JOIN link_module_new n"), std::string::npos) << trigger;
}
