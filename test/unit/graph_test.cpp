#include "core/graph.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace link_module;
using namespace link_module::graph;
using link_module::testing::Define;
using link_module::testing::SqlStateOf;
using link_module::testing::TestQuoter;

namespace {

Table
MakeTable(const std::string &relation, std::vector<Column> columns, bool soft_delete = true) {
	Table table{relation, "id", soft_delete ? std::optional<std::string>("deleted_at") : std::nullopt, std::move(columns)};
	return table;
}

/* product <-> post (one-to-one) and product -> note (isList), as the regress suites use. */
Schema
Fixture() {
	Schema schema;
	schema.entities.push_back({"product", "product", MakeTable("product.product", {{"id", "text"}, {"title", "text"}, {"price", "integer"}, {"deleted_at", "timestamp with time zone"}})});
	schema.entities.push_back({"blog", "post", MakeTable("blog.post", {{"id", "text"}, {"title", "text"}, {"deleted_at", "timestamp with time zone"}})});
	schema.entities.push_back({"blog", "note", MakeTable("blog.note", {{"id", "text"}, {"deleted_at", "timestamp with time zone"}})});
	schema.links.push_back(Define("product.product", "blog.post"));
	schema.links.push_back(Define("product.product", R"({"linkable": "blog.note", "isList": true})"));
	const std::vector<Column> link_columns = {{"product_id", "text"}, {"post_id", "text"}, {"id", "text"},
	                                          {"metadata", "jsonb"},  {"deleted_at", "timestamp with time zone"}};
	schema.link_tables.push_back(MakeTable("public.product_product_blog_post", link_columns));
	schema.link_tables.push_back(MakeTable("public.product_product_blog_note", {{"product_id", "text"}, {"note_id", "text"}, {"id", "text"}, {"deleted_at", "timestamp with time zone"}}));
	return schema;
}

Statement
CompileText(const std::string &request, const Limits &limits = {}) {
	static const Schema schema = Fixture();
	return Compile(ParseJson(request, "query"), schema, TestQuoter(), limits);
}

std::size_t
Count(const std::string &text, const std::string &what) {
	std::size_t count = 0;
	for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
		++count;
	return count;
}

} // namespace

TEST(Graph, ValuesAreParametersAndTheTextDependsOnlyOnTheShape) {
	Statement a = CompileText(R"({"entity": "product", "fields": ["id"], "filters": {"title": "it's", "id": ["p1", "p2"]}})");
	Statement b = CompileText(R"({"entity": "product", "fields": ["id"], "filters": {"title": "other", "id": ["p3"]}})");
	EXPECT_EQ(a.sql, b.sql);
	ASSERT_EQ(a.params.size(), 2u);
	/* filter keys in jsonb's order: "id" before "title" */
	EXPECT_TRUE(a.params[0].array);
	EXPECT_EQ(a.params[0].items, (std::vector<std::string>{"p1", "p2"}));
	EXPECT_EQ(a.params[1].value, "it's");
	EXPECT_EQ(a.sql.find("it's"), std::string::npos);
}

TEST(Graph, PageFirstThenOneSubqueryPerRelation) {
	Statement s = CompileText(R"({"entity": "product", "fields": ["id", "post.*", "post_link.metadata", "notes.id"],
	                               "pagination": {"skip": 0, "take": 20, "order": {"title": "DESC"}}})");
	EXPECT_NE(s.sql.find("ORDER BY t0.\"title\" DESC, t0.\"id\" LIMIT"), std::string::npos) << s.sql;
	EXPECT_EQ(Count(s.sql, "jsonb_agg("), 2u) << s.sql; /* the page and the notes list */
	EXPECT_EQ(Count(s.sql, "LIMIT 1"), 2u) << s.sql;    /* post and post_link are to-one */
	EXPECT_NE(s.sql.find("'count', (SELECT count(*)"), std::string::npos);
}

TEST(Graph, LinkedFilterIsASemiJoinInsideThePage) {
	Statement s = CompileText(R"({"entity": "product", "filters": {"post": {"title": {"$like": "a%"}}},
	                               "pagination": {"take": 5}})");
	const std::size_t exists = s.sql.find("EXISTS (SELECT 1 FROM");
	ASSERT_NE(exists, std::string::npos);
	EXPECT_LT(exists, s.sql.find("LIMIT ($")) << s.sql;
}

TEST(Graph, WithDeletedShowsTheRootOnly) {
	/* product, post link rows, posts */
	EXPECT_EQ(Count(CompileText(R"({"entity": "product", "fields": ["post.id"]})").sql, "IS NULL"), 3u);
	EXPECT_EQ(Count(CompileText(R"({"entity": "product", "fields": ["post.id"], "withDeleted": true})").sql, "IS NULL"), 2u);
}

TEST(Graph, NestedRecordsCarryTheirKeys) {
	const std::string sql = CompileText(R"({"entity": "product", "fields": ["title", "post.title", "post_link.metadata"]})").sql;
	EXPECT_EQ(Count(sql, "'product_id'"), 1u) << sql; /* the link row's keys */
	EXPECT_EQ(Count(sql, "'post_id'"), 1u) << sql;
	EXPECT_EQ(Count(sql, "'id'"), 1u) << sql; /* the post's key; the root gets only what it asks */
}

TEST(Graph, OrderByALinkedRecord) {
	const std::string sql =
	    CompileText(R"({"entity": "product", "pagination": {"order": {"post": {"title": "DESC"}}}})").sql;
	EXPECT_NE(sql.find(" LIMIT 1) DESC"), std::string::npos) << sql;
	EXPECT_EQ(SqlStateOf([] { CompileText(R"({"entity": "product", "pagination": {"order": {"notes": {"body": "ASC"}}}})"); }),
	          "0A000");
	EXPECT_EQ(SqlStateOf([] { CompileText(R"({"entity": "product", "pagination": {"order": {"post": {"nope": "ASC"}}}})"); }),
	          "42703");
}

/* Through keys that are unique (define_link's cardinality index, a primary key), the linked
 * record is a join, whose order values the page carries to the aggregate; one key that is not
 * unique keeps the subquery. */
TEST(Graph, OrderByALinkedRecordThroughUniqueKeysIsAJoin) {
	auto mark_unique = [](std::vector<Column> &columns, const std::string &name) {
		for (auto &column : columns)
			if (column.name == name)
				column.unique = true;
	};
	const std::string request = R"({"entity": "product", "fields": ["id"], "pagination": {"take": 5, "order": {"post": {"title": "DESC"}}}})";
	Schema schema = Fixture();
	mark_unique(schema.link_tables[0]->columns, "product_id");
	const std::string link_only = Compile(ParseJson(request, "query"), schema, TestQuoter(), {}).sql;
	EXPECT_EQ(Count(link_only, "LEFT JOIN"), 0u) << link_only;
	EXPECT_EQ(Count(link_only, " LIMIT 1) DESC"), 2u) << link_only; /* the page and the aggregate */
	mark_unique(schema.entities[1].table->columns, "id");
	const std::string joined = Compile(ParseJson(request, "query"), schema, TestQuoter(), {}).sql;
	EXPECT_EQ(Count(joined, "LEFT JOIN ("), 1u) << joined;
	EXPECT_EQ(Count(joined, "LIMIT 1)"), 0u) << joined;
	EXPECT_EQ(Count(joined, "AS \"link_module order 1\""), 1u) << joined;
	EXPECT_EQ(Count(joined, ".\"link_module order 1\" DESC"), 1u) << joined;
}

TEST(Graph, EntryPointEntityReachesBothSides) {
	Statement s = CompileText(R"({"entity": "product_post", "fields": ["*", "product.title", "post.*"]})");
	EXPECT_NE(s.sql.find("FROM product.product "), std::string::npos) << s.sql;
	EXPECT_NE(s.sql.find("FROM blog.post "), std::string::npos) << s.sql;
}

TEST(Graph, BadInputNamesThePath) {
	EXPECT_EQ(SqlStateOf([] { CompileText(R"({"entity": "nope"})"); }), "42P01");
	EXPECT_EQ(SqlStateOf([] { CompileText(R"({"entity": "product", "fields": ["sku"]})"); }), "42703");
	EXPECT_EQ(SqlStateOf([] { CompileText(R"({"entity": "product", "fields": ["author.*"]})"); }), "42703");
	EXPECT_EQ(SqlStateOf([] { CompileText(R"({"entity": "product", "filters": {"title": {"$regex": "x"}}})"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { CompileText(R"({"entity": "product", "filters": {"price": {"$in": 3}}})"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { CompileText(R"({"entity": "product", "pagination": {"take": 5000}})"); }), "54000");
	Limits shallow;
	shallow.max_depth = 1;
	EXPECT_EQ(SqlStateOf([&] { CompileText(R"({"entity": "product_post", "fields": ["product.post.id"]})", shallow); }), "54000");
	try {
		CompileText(R"({"entity": "product", "fields": ["post.nope"]})");
		FAIL();
	} catch (const Error &error) {
		EXPECT_NE(std::string(error.what()).find("product.post.nope"), std::string::npos) << error.what();
	}
}

TEST(Graph, ALinkableWhoseTableWasDroppedIsNamedSoNotAsVirtual) {
	Schema schema = Fixture();
	schema.entities[1].table = std::nullopt;
	schema.entities[1].dropped_table = "blog.post";
	const auto compile = [&](const std::string &request) { Compile(ParseJson(request, "query"), schema, TestQuoter(), {}); };
	EXPECT_EQ(SqlStateOf([&] { compile(R"({"entity": "post"})"); }), "42P01");
	EXPECT_EQ(SqlStateOf([&] { compile(R"({"entity": "product", "fields": ["id", "post.*"]})"); }), "42P01");
	try {
		compile(R"({"entity": "post"})");
	} catch (const Error &error) {
		EXPECT_NE(std::string(error.what()).find("blog.post was dropped"), std::string::npos) << error.what();
	}
	/* A virtual linkable (no table, none dropped) is still 42809. */
	schema.entities[1].dropped_table = std::nullopt;
	EXPECT_EQ(SqlStateOf([&] { compile(R"({"entity": "post"})"); }), "42809");
}

/* A schema with a hash-distributed table (Citus) reads in stages: the page, then each linked
 * table restricted to the keys of the rows above it, then the count; filters through links are
 * uncorrelated IN subqueries. No subquery reads a module table correlated with another's row. */
TEST(Graph, StagedReadsForDistributedTables) {
	Schema schema = Fixture();
	schema.staged = true;
	const std::string request = R"({"entity": "product", "fields": ["id", "post.title", "notes.id"],
	                                "filters": {"post": {"title": "t"}}, "pagination": {"take": 5}})";
	const Statement staged = Compile(ParseJson(request, "query"), schema, TestQuoter(), {});
	const Statement plain = CompileText(request);
	EXPECT_EQ(staged.sql.rfind("WITH s0 AS MATERIALIZED (SELECT t0.* FROM product.product t0 WHERE", 0), 0u) << staged.sql;
	/* page, post's link rows and posts, note's link rows and notes, count */
	EXPECT_EQ(Count(staged.sql, "AS MATERIALIZED ("), 6u) << staged.sql;
	EXPECT_NE(staged.sql.find("s3_link AS MATERIALIZED (SELECT r.* FROM public.product_product_blog_post r WHERE "
	                          "r.\"product_id\" IN (SELECT p.\"id\" FROM s0 p)"),
	          std::string::npos)
	    << staged.sql;
	EXPECT_NE(staged.sql.find("s3 AS MATERIALIZED (SELECT x.* FROM blog.post x WHERE x.\"id\" IN (SELECT r.\"post_id\" FROM "
	                          "s3_link r)"),
	          std::string::npos)
	    << staged.sql;
	/* The objects read link rows from their stage, never from a link table (a distributed one
	 * meets no correlated subquery). */
	EXPECT_NE(staged.sql.find("FROM s3_link t6 JOIN s3 t5"), std::string::npos) << staged.sql;
	EXPECT_EQ(Count(staged.sql, "FROM public.product_product_blog_post"), 3u) << staged.sql; /* filter twice, stage */
	/* A filter through a link: nested IN subqueries, the link table joined with nothing. */
	EXPECT_NE(staged.sql.find("t0.\"id\" IN (SELECT t2.\"product_id\" FROM public.product_product_blog_post t2 WHERE "
	                          "t2.\"post_id\" IN (SELECT t1.\"id\" FROM blog.post t1 WHERE"),
	          std::string::npos)
	    << staged.sql;
	EXPECT_EQ(Count(staged.sql, "EXISTS ("), 0u) << staged.sql;
	EXPECT_NE(staged.sql.find("FROM s0 t0"), std::string::npos) << staged.sql;
	EXPECT_NE(staged.sql.find("'count', (SELECT n FROM sc)"), std::string::npos) << staged.sql;
	/* The same values, as parameters, in the same order. */
	ASSERT_EQ(staged.params.size(), plain.params.size());
	for (std::size_t i = 0; i < plain.params.size(); ++i)
		EXPECT_EQ(staged.params[i].value, plain.params[i].value);
	EXPECT_EQ(plain.sql.find("WITH "), std::string::npos);
}
