#include <gtest/gtest.h>

#include "core/naming.hpp"

using namespace link_module::naming;

/* Values computed by Medusa's simpleHash (medusa-links.md section 1.5). */
TEST(SimpleHash, MatchesMedusaVectors) {
	EXPECT_EQ(SimpleHash("user_user_car_car"), "-92128f74");
	EXPECT_EQ(SimpleHash("User_user_Car_car"), "-8c9667b4");
	EXPECT_EQ(SimpleHash("product_product_blog_post"), "1a67452ee");
	EXPECT_EQ(SimpleHash("product_sales_channel"), "20b454295");
	EXPECT_EQ(SimpleHash("product_variant_price_set"), "52b23597");
	EXPECT_EQ(SimpleHash("product_variant_inventory_item"), "17b4c4e35");
	EXPECT_EQ(SimpleHash("a"), "2b606");
	EXPECT_EQ(SimpleHash(""), "1505");
}

TEST(SimpleHash, CountsUtf16CodeUnits) {
	/* "é" is one UTF-16 unit (0xE9): 5381*33 + 0xE9 = 177806 = 0x2b68e. */
	EXPECT_EQ(SimpleHash("\xC3\xA9"), "2b68e");
	/* An astral character is two units (a surrogate pair), so it hashes like two characters. */
	EXPECT_NE(SimpleHash("\xF0\x9F\x98\x80"), SimpleHash("\xEF\xBF\xBD"));
}

TEST(CompressName, ShortNamesAreOnlyLowerCased) {
	EXPECT_EQ(CompressName("product_product_blog_post"), "product_product_blog_post");
	EXPECT_EQ(CompressName("User_user_Car_car"), "user_user_car_car");
}

TEST(CompressName, MatchesMedusaVectors) {
	EXPECT_EQ(CompressName("product_product_variant_id_order_order_id_long_long_long_long_name"),
	          "product_variant_id_order_id_long_name33bb7b344");
	EXPECT_EQ(CompressName("product_product_variant_id_order_order_id", 30), "product_variant_id_ord91d0cda8");
	EXPECT_EQ(CompressName("CustomModuleImplementationContainingAReallyBigNameThatExceedsPosgresLimitToNameATableModule"),
	          "cust_modu_impl_cont_area_big_name_that_exce_posg_1f1cc72da");
}

TEST(CompressName, NeverExceedsTheLimit) {
	/* One long part shrinks to its first four characters plus the hash. */
	EXPECT_EQ(CompressName(std::string(300, 'x')), "xxxx" + SimpleHash(std::string(300, 'x')));
	std::string parts;
	for (int i = 0; i < 40; ++i)
		parts += "part" + std::to_string(i) + "_";
	EXPECT_EQ(CompressName(parts).size(), kCompressLimit);
}

TEST(ComposeTableName, StripsIdAndServiceSuffixes) {
	EXPECT_EQ(ComposeTableName({"product", "product_id", "blog", "post_id"}), "product_product_blog_post");
	EXPECT_EQ(ComposeTableName({"helloModuleService", "my_custom_id", "product", "product_id"}),
	          "helloModule_my_custom_product_product");
	EXPECT_EQ(ComposeTableName({"currency", "currency_code", "region", "region_id"}),
	          "currency_currency_code_region_region");
	EXPECT_EQ(StripIdOrService("thing_ID"), "thing");
	EXPECT_EQ(StripIdOrService("fooservice"), "foo");
	EXPECT_EQ(StripIdOrService("foo_id_id"), "foo_id");
}

TEST(ToPascalCase, FollowsTheJavaScriptRegex) {
	EXPECT_EQ(ToPascalCase("product_product_blog_post_link"), "ProductProductBlogPostLink");
	EXPECT_EQ(ToPascalCase("Link_product_product_blog_post"), "LinkProductProductBlogPost");
	EXPECT_EQ(ToPascalCase("helloModule_x"), "HelloModuleX");
	EXPECT_EQ(ToPascalCase("_foo"), "foo"); /* ^\w matches "_" and drops it */
	EXPECT_EQ(ToPascalCase("a__b"), "Ab");  /* "__" is one _\w match */
	EXPECT_EQ(ToPascalCase(""), "");
}

TEST(CamelToSnakeCase, SplitsLowerUpperPairs) {
	EXPECT_EQ(CamelToSnakeCase("helloModuleService"), "hello_module_service");
	EXPECT_EQ(CamelToSnakeCase("ContainingAReally"), "containing_areally");
}

TEST(ComposeLinkNames, ProductPost) {
	auto names = ComposeLinkNames({"product", "product", "product_id"}, {"blog", "post", "post_id"});
	EXPECT_EQ(names.service_name, "ProductProductBlogPostLink");
	EXPECT_EQ(names.entry_point, "product_post");
	EXPECT_EQ(names.entity, "LinkProductProductBlogPost");
	EXPECT_EQ(names.logical_table, "product_product_blog_post");
	EXPECT_EQ(names.table, "product_product_blog_post");
	EXPECT_EQ(names.hash, "1a67452ee");
}

TEST(ComposeLinkNames, AliasChangesServiceNameButNotTable) {
	auto names = ComposeLinkNames({"currency", "currency", "currency_code"}, {"region", "primary_region", "region_id"});
	EXPECT_EQ(names.service_name, "CurrencyCurrencyRegionPrimaryRegionLink");
	EXPECT_EQ(names.entry_point, "currency_primary_region");
	EXPECT_EQ(names.table, "currency_currency_code_region_region");
}

TEST(ComposeLinkNames, ModuleNameKeptVerbatimButLowerCasedInTable) {
	auto names = ComposeLinkNames({"helloModuleService", "my_custom", "my_custom_id"}, {"product", "product", "product_id"});
	EXPECT_EQ(names.table, "hellomodule_my_custom_product_product");
	EXPECT_EQ(names.service_name, "HelloModuleMyCustomProductProductLink");
}

TEST(ComposeLinkNames, CustomTableIsHashedAsGiven) {
	auto names = ComposeLinkNames({"user", "user", "user_id"}, {"car", "car", "car_id"}, "User_user_Car_car");
	EXPECT_EQ(names.table, "user_user_car_car");
	EXPECT_EQ(names.hash, "-8c9667b4");
	auto plain = ComposeLinkNames({"user", "user", "user_id"}, {"car", "car", "car_id"});
	EXPECT_EQ(plain.hash, "-92128f74");
}

TEST(Identifiers, ValidationAndTruncation) {
	EXPECT_TRUE(IsValidIdentifier("product_id"));
	EXPECT_TRUE(IsValidIdentifier("_x9"));
	EXPECT_FALSE(IsValidIdentifier(""));
	EXPECT_FALSE(IsValidIdentifier("9x"));
	EXPECT_FALSE(IsValidIdentifier("a-b"));
	EXPECT_FALSE(IsValidIdentifier("a\"b"));
	EXPECT_FALSE(IsValidIdentifier(std::string(64, 'a')));
	EXPECT_TRUE(IsValidIdentifier(std::string(63, 'a')));
	EXPECT_EQ(TruncateIdentifier(std::string(70, 'b')).size(), 63u);
}

/* The reference's vectors (npm pluralize 8.0.0 on the whole alias). */
TEST(Pluralize, MedusaListAliases) {
	EXPECT_EQ(Pluralize("post"), "posts");
	EXPECT_EQ(Pluralize("product_variant"), "product_variants");
	EXPECT_EQ(Pluralize("inventory"), "inventories");
	EXPECT_EQ(Pluralize("address"), "addresses");
	EXPECT_EQ(Pluralize("person"), "people");
	EXPECT_EQ(Pluralize("child"), "children");
	EXPECT_EQ(Pluralize("equipment"), "equipment");
	EXPECT_EQ(Pluralize("wiring_equipment"), "wiring_equipments");
	EXPECT_EQ(Pluralize("product_reviews"), "product_reviews");
	EXPECT_EQ(Pluralize("note"), "notes");
	EXPECT_EQ(Pluralize("day"), "days");
	EXPECT_EQ(Pluralize("status"), "statuses");
	EXPECT_EQ(Pluralize("box"), "boxes");
	EXPECT_EQ(Pluralize("analysis"), "analyses");
	EXPECT_EQ(Pluralize("shelf"), "shelves");
}
