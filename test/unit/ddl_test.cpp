#include <gtest/gtest.h>

#include "core/ddl.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

using namespace link_module;
using link_module::testing::Define;
using link_module::testing::TestQuoter;

namespace {

const char *kMetadata = R"({"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}})";

std::vector<std::string>
Descriptions(const std::vector<Change> &changes, bool unsafe) {
	std::vector<std::string> out;
	for (const auto &change : changes)
		if (change.unsafe == unsafe)
			out.push_back(change.description);
	return out;
}

} // namespace

/* Medusa's table layout: keys, id, extras, timestamps, primary key on the two keys. */
TEST(CreateTableSql, MedusaLayout) {
	auto def = Define("product.product", "blog.note", kMetadata);
	EXPECT_EQ(CreateTableSql(def, TestQuoter()),
	          "CREATE TABLE \"public\".\"product_product_blog_note\" (\"product_id\" text NOT NULL, "
	          "\"note_id\" text NOT NULL, \"id\" character varying(255) NOT NULL, \"metadata\" jsonb NULL, "
	          "created_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP, "
	          "updated_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP, "
	          "deleted_at timestamp with time zone NULL, "
	          "CONSTRAINT \"product_product_blog_note_pkey\" PRIMARY KEY (\"product_id\", \"note_id\"))");
}

TEST(CreateTableSql, EnumCheckAndTypedDefault) {
	auto def = Define("a.b", "c.d",
	                  R"({"database": {"extraColumns": {"s": {"type": "enum", "options": {"items": ["x", "y'z"]},
	                      "defaultValue": "x"}}}})");
	std::string sql = CreateTableSql(def, TestQuoter());
	EXPECT_NE(sql.find("\"s\" text NOT NULL DEFAULT 'x'::text"), std::string::npos) << sql;
	EXPECT_NE(sql.find("CONSTRAINT \"a_b_c_d_s_check\" CHECK (\"s\" = ANY (ARRAY['x', 'y''z']::text[]))"),
	          std::string::npos)
	    << sql;
}

TEST(IndexSpecs, MedusaNamesAndCardinalityIndexes) {
	auto def = Define("product.product", "blog.note");
	auto specs = IndexSpecs(def, TestQuoter());
	std::vector<std::string> names;
	for (const auto &spec : specs)
		names.push_back(spec.name);
	EXPECT_EQ(names, (std::vector<std::string>{"IDX_id_1a6733a3e", "IDX_product_id_1a6733a3e", "IDX_note_id_1a6733a3e",
	                                           "IDX_deleted_at_1a6733a3e", "IDX_product_id_unique_1a6733a3e",
	                                           "IDX_note_id_unique_1a6733a3e"}));
	EXPECT_EQ(specs[1].sql, "CREATE INDEX \"IDX_product_id_1a6733a3e\" ON \"public\".\"product_product_blog_note\" "
	                        "(\"product_id\") WHERE deleted_at IS NULL");
	EXPECT_EQ(specs[4].sql, "CREATE UNIQUE INDEX \"IDX_product_id_unique_1a6733a3e\" ON "
	                        "\"public\".\"product_product_blog_note\" (\"product_id\") WHERE deleted_at IS NULL");

	auto many = Define(R"({"linkable": "product.product", "isList": true})", R"({"linkable": "blog.note", "isList": true})");
	EXPECT_EQ(IndexSpecs(many, TestQuoter()).size(), 4u);
}

TEST(PlanRedefinition, UnchangedIsEmpty) {
	auto def = Define("product.product", "blog.note", kMetadata);
	EXPECT_TRUE(PlanRedefinition(def, def, TestQuoter()).empty());
}

TEST(PlanRedefinition, SafeChanges) {
	auto old_def = Define("product.product", "blog.note",
	                      R"({"database": {"extraColumns": {"a": {"type": "text"}, "e": {"type": "enum",
	                          "options": {"items": ["x"]}}}}})");
	auto new_def = Define("product.product", R"({"linkable": "blog.note", "deleteCascade": true})",
	                      R"({"database": {"extraColumns": {"a": {"type": "text", "nullable": true,
	                          "defaultValue": "z"}, "e": {"type": "enum", "options": {"items": ["x", "y"]}},
	                          "b": {"type": "json", "nullable": true}, "c": {"type": "integer", "defaultValue": 0}}}})");
	auto changes = PlanRedefinition(old_def, new_def, TestQuoter());
	EXPECT_TRUE(Descriptions(changes, true).empty());
	EXPECT_EQ(Descriptions(changes, false),
	          (std::vector<std::string>{"deleteCascade of \"note\" becomes true", "column \"a\" becomes nullable",
	                                    "column \"a\" gets a new default", "column \"b\" is added",
	                                    "column \"c\" is added", "column \"e\" drops its CHECK on enum items",
	                                    "column \"e\" accepts the items \"x\", \"y\""}));
}

TEST(PlanRedefinition, UnsafeChangesAreEachNamed) {
	auto old_def = Define("a.b", "c.d",
	                      R"({"database": {"extraColumns": {"t": {"type": "text", "nullable": true},
	                          "gone": {"type": "text"}, "e": {"type": "enum", "options": {"items": ["x", "y"]}}}}})");
	auto new_def = Define("a.b", "c.d",
	                      R"({"database": {"extraColumns": {"t": {"type": "integer"},
	                          "e": {"type": "enum", "options": {"items": ["x"]}}, "req": {"type": "text"}}}})");
	auto unsafe = Descriptions(PlanRedefinition(old_def, new_def, TestQuoter()), true);
	EXPECT_EQ(unsafe, (std::vector<std::string>{
	                      "column \"e\" is restricted to the items \"x\"",
	                      "column \"t\" changes type from text to integer", "column \"t\" becomes NOT NULL",
	                      "column \"req\" is added as NOT NULL without a default (fails if the table has rows)",
	                      "column \"gone\" is dropped"}));
}

TEST(PlanRedefinition, IsListChangesMoveUniqueIndexes) {
	auto one_to_one = Define("product.product", "blog.note");
	auto one_to_many = Define("product.product", R"({"linkable": "blog.note", "isList": true})");
	auto relax = PlanRedefinition(one_to_one, one_to_many, TestQuoter());
	ASSERT_EQ(relax.size(), 1u);
	EXPECT_EQ(relax[0].sql[0], "DROP INDEX IF EXISTS \"public\".\"IDX_product_id_unique_1a6733a3e\"");
	auto tighten = PlanRedefinition(one_to_many, one_to_one, TestQuoter());
	ASSERT_EQ(tighten.size(), 1u);
	EXPECT_EQ(tighten[0].unique_key, "product_id");
	EXPECT_FALSE(tighten[0].unsafe);
}

TEST(PlanRedefinition, RefusesTableAndReadOnlyChanges) {
	auto def = Define("a.b", "c.d");
	auto moved = Define("a.b", "c.d", R"({"database": {"table": "elsewhere"}})");
	EXPECT_THROW(PlanRedefinition(def, moved, TestQuoter()), Error);
	auto read_only = Define(R"({"linkable": "a.b", "field": "d_id"})", "c.d", R"({"readOnly": true})");
	EXPECT_THROW(PlanRedefinition(def, read_only, TestQuoter()), Error);
}
