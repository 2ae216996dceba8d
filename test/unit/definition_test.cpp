#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

using namespace link_module;
using link_module::testing::Define;
using link_module::testing::SqlStateOf;
using link_module::testing::TestQuoter;

TEST(ParseSide, ModuleDotModel) {
	auto spec = ParseSide("product.product", "left side");
	EXPECT_EQ(spec.module, "product");
	EXPECT_EQ(spec.model, "product");
	EXPECT_FALSE(spec.is_list.has_value());
}

TEST(ParseSide, InputOptionsObject) {
	auto spec = ParseSide(R"( {"linkable": "blog.post", "isList": true, "deleteCascade": true, "alias": "posts"})",
	                      "right side");
	EXPECT_EQ(spec.module, "blog");
	EXPECT_EQ(spec.model, "post");
	EXPECT_EQ(spec.is_list, true);
	EXPECT_EQ(spec.delete_cascade, true);
	EXPECT_EQ(spec.alias, "posts");
}

TEST(ParseSide, RejectsMalformedSides) {
	EXPECT_EQ(SqlStateOf([] { ParseSide("product", "left side"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParseSide("a.b.c", "left side"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParseSide(".b", "left side"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParseSide("a.b-c", "left side"); }), "42602");
	EXPECT_EQ(SqlStateOf([] { ParseSide("{\"linkable\": ", "left side"); }), "22032");
	EXPECT_EQ(SqlStateOf([] { ParseSide(R"({"linkable": "a.b", "bogus": 1})", "left side"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParseSide(R"({"isList": true})", "left side"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParseSide(R"({"linkable": "a.b", "isList": 1})", "left side"); }), "22023");
}

TEST(ParseSide, ErrorsNameTheSideAndKey) {
	try {
		ParseSide(R"({"linkable": "a.b", "lst": true})", "right side");
		FAIL();
	} catch (const Error &error) {
		EXPECT_STREQ(error.what(), "unknown key \"lst\" in right side");
		EXPECT_NE(error.hint().find("isList"), std::string::npos);
	}
}

TEST(ExtraColumns, AllTwentyOneTypesMap) {
	const std::map<std::string, std::string> expected = {
	    {"string", "character varying(255)"}, {"text", "text"}, {"integer", "integer"}, {"boolean", "boolean"},
	    {"date", "date"}, {"time", "time(0) without time zone"}, {"datetime", "timestamp with time zone"},
	    {"json", "jsonb"}, {"array", "text[]"}, {"enum", "text"}, {"enumArray", "text[]"}, {"float", "real"},
	    {"double", "double precision"}, {"decimal", "numeric(10,0)"}, {"bigint", "bigint"}, {"smallint", "smallint"},
	    {"tinyint", "smallint"}, {"mediumint", "integer"}, {"blob", "bytea"}, {"uint8array", "bytea"},
	    {"uuid", "uuid"}};
	ASSERT_EQ(ColumnTypeNames().size(), 21u);
	for (const auto &type : ColumnTypeNames()) {
		Json spec = {{"type", type}};
		if (type == "enum" || type == "enumArray")
			spec["options"] = {{"items", {"a"}}};
		EXPECT_EQ(ParseExtraColumn("c", spec).sql_type, expected.at(type)) << type;
	}
}

TEST(ExtraColumns, NullableDefaultsToFalse) {
	EXPECT_FALSE(ParseExtraColumn("c", {{"type", "text"}}).nullable);
	EXPECT_TRUE(ParseExtraColumn("c", {{"type", "text"}, {"nullable", true}}).nullable);
}

TEST(ExtraColumns, DefaultValuesBecomeLiterals) {
	EXPECT_EQ(ParseExtraColumn("c", {{"type", "integer"}, {"defaultValue", 1}}).default_literal, "1");
	EXPECT_EQ(ParseExtraColumn("c", {{"type", "boolean"}, {"defaultValue", false}}).default_literal, "false");
	/* Medusa's raw-SQL spelling of a string literal is unquoted. */
	EXPECT_EQ(ParseExtraColumn("c", {{"type", "text"}, {"defaultValue", "'it''s'"}}).default_literal, "it's");
	EXPECT_EQ(ParseExtraColumn("c", {{"type", "text"}, {"defaultValue", "plain"}}).default_literal, "plain");
	EXPECT_EQ(ParseExtraColumn("c", {{"type", "json"}, {"defaultValue", {{"a", 1}}}}).default_literal, "{\"a\":1}");
	EXPECT_EQ(ParseExtraColumn("c", {{"type", "array"}, {"defaultValue", {"x", "y\"z"}}}).default_literal,
	          "{\"x\",\"y\\\"z\"}");
	auto now = ParseExtraColumn("c", {{"type", "datetime"}, {"defaultValue", "NOW()"}});
	EXPECT_EQ(now.default_function, "now()");
	EXPECT_FALSE(now.default_literal.has_value());
	EXPECT_EQ(ParseExtraColumn("c", {{"type", "uuid"}, {"defaultValue", "gen_random_uuid()"}}).default_function,
	          "gen_random_uuid()");
}

TEST(ExtraColumns, DefaultValueTypeMismatches) {
	EXPECT_EQ(SqlStateOf([] { ParseExtraColumn("c", {{"type", "integer"}, {"defaultValue", true}}); }), "42804");
	EXPECT_EQ(SqlStateOf([] { ParseExtraColumn("c", {{"type", "integer"}, {"defaultValue", "now()"}}); }), "42804");
	EXPECT_EQ(SqlStateOf([] { ParseExtraColumn("c", {{"type", "boolean"}, {"defaultValue", {{"a", 1}}}}); }),
	          "42804");
	EXPECT_EQ(SqlStateOf([] {
		          ParseExtraColumn("c", {{"type", "enum"}, {"options", {{"items", {"a"}}}}, {"defaultValue", "b"}});
	          }),
	          "22023");
}

TEST(ExtraColumns, EnumsNeedItems) {
	EXPECT_EQ(SqlStateOf([] { ParseExtraColumn("c", {{"type", "enum"}}); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParseExtraColumn("c", {{"type", "enum"}, {"options", {{"items", Json::array()}}}}); }),
	          "22023");
	auto column = ParseExtraColumn("c", {{"type", "enum"}, {"options", {{"items", {"a", "b", "a"}}}}});
	EXPECT_EQ(column.items, (std::vector<std::string>{"a", "b"}));
}

TEST(ExtraColumns, UnknownTypeAndKeys) {
	EXPECT_EQ(SqlStateOf([] { ParseExtraColumn("c", {{"type", "varchar"}}); }), "42704");
	EXPECT_EQ(SqlStateOf([] { ParseExtraColumn("c", {{"type", "text"}, {"default", 1}}); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParseExtraColumn("bad name", {{"type", "text"}}); }), "42602");
}

TEST(ExtraColumns, RoundTripThroughJson) {
	for (const Json &spec : {Json{{"type", "text"}, {"defaultValue", "'now()'"}}, /* the text "now()" */
	                         Json{{"type", "text"}, {"defaultValue", "'quoted'"}},
	                         Json{{"type", "datetime"}, {"defaultValue", "CURRENT_TIMESTAMP"}, {"nullable", true}},
	                         Json{{"type", "decimal"}, {"options", {{"precision", 12}, {"scale", 2}}}},
	                         Json{{"type", "enumArray"}, {"options", {{"items", {"a", "b"}}}}}}) {
		ExtraColumn column = ParseExtraColumn("c", spec);
		EXPECT_TRUE(ParseExtraColumn("c", ExtraColumnToJson(column)) == column) << spec.dump();
	}
}

TEST(BuildDefinition, NamesAndDefaults) {
	auto def = Define("product.product", "blog.post");
	EXPECT_EQ(def.names.service_name, "ProductProductBlogPostLink");
	EXPECT_EQ(def.schema, "public");
	EXPECT_EQ(def.id_prefix, "link");
	EXPECT_TRUE(def.LeftKeyUnique());
	EXPECT_TRUE(def.RightKeyUnique());
}

TEST(BuildDefinition, CardinalityFollowsTheOtherSidesIsList) {
	auto def = Define("product.product", R"({"linkable": "blog.post", "isList": true})");
	EXPECT_FALSE(def.LeftKeyUnique()); /* a product has many posts */
	EXPECT_TRUE(def.RightKeyUnique()); /* a post has one product */
}

TEST(BuildDefinition, Contradictions) {
	EXPECT_EQ(SqlStateOf([] { Define("product.product", "product.product"); }), "42701");
	EXPECT_EQ(SqlStateOf([] { Define("a.b", "c.d", R"({"isList": true})"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { Define("a.b", "c.d", R"({"readOnly": true})"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { Define(R"({"linkable": "a.b", "field": "x"})", "c.d"); }), "22023");
	EXPECT_EQ(SqlStateOf([] {
		          Define("a.b", "c.d", R"({"database": {"extraColumns": {"id": {"type": "text"}}}})");
	          }),
	          "42701");
	EXPECT_EQ(SqlStateOf([] { Define("a.b", "c.d", R"({"database": {"idPrefix": ""}}")"); }), "22032");
	EXPECT_EQ(SqlStateOf([] { Define("a.b", "c.d", R"({"database": {"idPrefix": ""}})"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { Define("a.b", "c.d", R"({"database": {"table": "no way"}})"); }), "42602");
}

TEST(BuildDefinition, ReadOnlyNeedsField) {
	auto def = Define(R"({"linkable": "review.review", "field": "product_id"})", "product.product",
	                  R"({"readOnly": true, "isList": true})");
	EXPECT_TRUE(def.read_only);
	EXPECT_EQ(def.read_only_is_list, true);
	Json json = DefinitionToJson(def, TestQuoter());
	EXPECT_TRUE(json.at("table").is_null());
	EXPECT_FALSE(json.contains("tableName"));
}

TEST(Definition, JsonRoundTrip) {
	auto def = Define("product.product", R"({"linkable": "blog.post", "isList": true, "deleteCascade": true})",
	                  R"({"database": {"idPrefix": "pp", "schema": "links", "extraColumns": {
	                      "metadata": {"type": "json", "nullable": true},
	                      "status": {"type": "enum", "options": {"items": ["a", "b"]}, "defaultValue": "a"}}}})");
	Json json = DefinitionToJson(def, TestQuoter());
	EXPECT_EQ(json.at("table"), "\"links\".\"product_product_blog_post\"");
	LinkDefinition back = DefinitionFromJson(json);
	EXPECT_EQ(DefinitionToJson(back, TestQuoter()), json);
	EXPECT_TRUE(back.right.is_list);
	EXPECT_TRUE(back.right.delete_cascade);
	EXPECT_EQ(back.names.hash, def.names.hash);
}
