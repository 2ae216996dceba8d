#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/cascade.hpp"
#include "core/link_sql.hpp"
#include "core/payload.hpp"
#include "test_support.hpp"

using namespace link_module;
using link_module::testing::Define;
using link_module::testing::SqlStateOf;
using link_module::testing::TestQuoter;

namespace {

std::string
MessageOf(const std::function<void()> &call) {
	try {
		call();
	} catch (const Error &error) {
		return std::string(error.what()) + " | " + error.detail();
	}
	return "";
}

std::vector<LinkDefinition>
Links() {
	return {Define("product.product", "blog.post",
	               R"({"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true},
	                   "rank": {"type": "integer", "defaultValue": 0},
	                   "status": {"type": "enum", "options": {"items": ["a", "b"]}, "nullable": true}}}})"),
	        Define("product.product", R"({"linkable": "blog.note", "isList": true})")};
}

} // namespace

TEST(ParsePayload, ObjectOrArray) {
	Json one = Json::parse(R"({"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"rank": 1}})");
	auto entries = ParsePayload(one, "link_create");
	ASSERT_EQ(entries.size(), 1u);
	EXPECT_EQ(entries[0].keys.size(), 2u);
	ASSERT_NE(entries[0].data, nullptr);
	Json many = Json::parse(R"([{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}},
	                            {"brand": {"brand_id": "b", "logo_id": "l"}}])");
	EXPECT_EQ(ParsePayload(many, "link_create").size(), 2u);
	EXPECT_TRUE(ParsePayload(Json::array(), "link_create").empty());
}

TEST(ParsePayload, BadShapes) {
	EXPECT_EQ(SqlStateOf([] { ParsePayload(Json::parse("5"), "link_create"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParsePayload(Json::parse("[1]"), "link_create"); }), "22023");
	EXPECT_EQ(MessageOf([] {
		          ParsePayload(Json::parse(R"({"a": {"x": "1"}, "b": {"y": "2"}, "c": {"z": "3"}})"), "link_create");
	          }),
	          "Only two modules can be linked. | links[0] names 3 modules.");
	EXPECT_EQ(SqlStateOf([] { ParsePayload(Json::parse(R"({"a": {"x": "1"}})"), "link_create"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParsePayload(Json::parse(R"({"a": "x", "b": {"y": "1"}})"), "link_create"); }),
	          "22023");
	EXPECT_EQ(SqlStateOf([] {
		          ParsePayload(Json::parse(R"({"a": {"x": "1"}, "b": {"y": "1"}, "data": [1]})"), "link_create");
	          }),
	          "22023");
}

TEST(LinkResolver, EitherOrderAndErrors) {
	auto links = Links();
	LinkResolver resolver(links);
	Json reversed = Json::parse(R"({"blog": {"post_id": "b1"}, "product": {"product_id": "p1"}})");
	auto entries = ParsePayload(reversed, "link_create");
	EXPECT_EQ(resolver.Resolve(entries[0], "link_create").names.service_name, "ProductProductBlogPostLink");
	auto ids = EntryIds(entries[0], links[0], IdMode::Single);
	EXPECT_EQ(ids.first, std::vector<std::string>{"p1"});
	EXPECT_EQ(ids.second, std::vector<std::string>{"b1"});

	Json unknown = Json::parse(R"({"blog": {"nope_id": "b1"}, "product": {"product_id": "p1"}})");
	auto bad = ParsePayload(unknown, "link_create");
	EXPECT_EQ(SqlStateOf([&] { resolver.Resolve(bad[0], "link_create"); }), "42704");
	EXPECT_NE(MessageOf([&] { resolver.Resolve(bad[0], "link_create"); }).find("ProductProductBlogPostLink"),
	          std::string::npos);
}

TEST(EntryIds, IdsMustBeNonEmptyStrings) {
	auto links = Links();
	for (const char *text : {R"({"product": {"product_id": 5}, "blog": {"post_id": "b"}})",
	                         R"({"product": {"product_id": null}, "blog": {"post_id": "b"}})",
	                         R"({"product": {"product_id": ""}, "blog": {"post_id": "b"}})"}) {
		Json payload = Json::parse(text);
		auto entries = ParsePayload(payload, "link_create");
		EXPECT_EQ(SqlStateOf([&] { EntryIds(entries[0], links[0], IdMode::Single); }), "22023") << text;
	}
	Json many = Json::parse(R"({"product": {"product_id": ["p1", "p2"]}, "blog": {"post_id": "b"}})");
	auto entries = ParsePayload(many, "link_list");
	EXPECT_EQ(EntryIds(entries[0], links[0], IdMode::Many).first.size(), 2u);
}

TEST(ValidateData, TypesNullsAndUnknownColumns) {
	auto links = Links();
	const auto &link = links[0];
	EXPECT_NO_THROW(ValidateData(link, Json::parse(R"({"rank": 3, "metadata": {"x": [1]}, "status": "a", "id": "x"})"), 0));
	EXPECT_EQ(SqlStateOf([&] { ValidateData(link, Json::parse(R"({"rank": "3"})"), 0); }), "22P02");
	EXPECT_EQ(SqlStateOf([&] { ValidateData(link, Json::parse(R"({"rank": 3000000000})"), 0); }), "22P02");
	EXPECT_EQ(SqlStateOf([&] { ValidateData(link, Json::parse(R"({"rank": null})"), 0); }), "23502");
	EXPECT_EQ(SqlStateOf([&] { ValidateData(link, Json::parse(R"({"status": "c"})"), 0); }), "22P02");
	EXPECT_EQ(SqlStateOf([&] { ValidateData(link, Json::parse(R"({"nope": 1})"), 0); }), "42703");
	EXPECT_EQ(SqlStateOf([&] { ValidateData(link, Json::parse(R"({"product_id": "x"})"), 0); }), "42703");
	EXPECT_EQ(SqlStateOf([&] { ValidateData(link, Json::parse(R"({"id": 4})"), 0); }), "22023");
	EXPECT_NO_THROW(ValidateData(link, Json::parse(R"({"status": null})"), 0));
}

TEST(BuildBatches, MergesDuplicatePairsKeyByKey) {
	auto links = Links();
	LinkResolver resolver(links);
	Json payload = Json::parse(R"([
	  {"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"rank": 1, "status": "a"}},
	  {"product": {"product_id": "p2"}, "blog": {"note_id": "n1"}},
	  {"blog": {"post_id": "b1"}, "product": {"product_id": "p1"}, "data": {"rank": 2}}])");
	auto batches = BuildBatches(ParsePayload(payload, "link_create"), resolver, "link_create", true);
	ASSERT_EQ(batches.size(), 2u);
	ASSERT_EQ(batches[0].rows.size(), 1u);
	EXPECT_EQ(batches[0].rows[0].data_entries, (std::vector<std::size_t>{0, 2}));
	EXPECT_FALSE(batches[1].rows[0].HasData());
	EXPECT_EQ(batches[1].link->names.service_name, "ProductProductBlogNoteLink");
}

/* Many entries, pairs repeated out of order (the pair index grows several times): one row per
 * pair in first-appearance order, each with the entries that gave it data, in order. */
TEST(BuildBatches, ManyRepeatedPairsStayOneRowEach) {
	auto links = Links();
	LinkResolver resolver(links);
	Json payload = Json::array();
	const int pairs = 3000, entries = 10000;
	for (int i = 0; i < entries; ++i) {
		const int p = (i * 7) % pairs;
		payload.push_back({{"product", {{"product_id", "p" + std::to_string(p)}}},
		                   {"blog", {{"note_id", "n" + std::to_string(p % 10)}}},
		                   {"data", Json::object()}});
	}
	auto batches = BuildBatches(ParsePayload(payload, "link_create"), resolver, "link_create", true);
	ASSERT_EQ(batches.size(), 1u);
	ASSERT_EQ(batches[0].rows.size(), static_cast<std::size_t>(pairs));
	std::size_t data_entries = 0;
	for (std::size_t r = 0; r < batches[0].rows.size(); ++r) {
		const LinkRow &row = batches[0].rows[r];
		const int p = static_cast<int>((r * 7) % pairs);
		EXPECT_EQ(row.left, "p" + std::to_string(p));
		EXPECT_EQ(row.right, "n" + std::to_string(p % 10));
		EXPECT_EQ(row.index, r);
		EXPECT_TRUE(std::is_sorted(row.data_entries.begin(), row.data_entries.end()));
		data_entries += row.data_entries.size();
	}
	EXPECT_EQ(data_entries, static_cast<std::size_t>(entries));
}

/* Spellings of one value become one: rows that turn into one pair merge where the first was,
 * with every data entry in payload order; the others keep their order. */
TEST(MergeSpellings, MergesRowsThatBecomeOnePair) {
	auto links = Links();
	LinkResolver resolver(links);
	Json payload = Json::parse(R"([
	  {"product": {"product_id": "A"}, "blog": {"note_id": "n1"}, "data": {}},
	  {"product": {"product_id": "p2"}, "blog": {"note_id": "n2"}},
	  {"product": {"product_id": "a"}, "blog": {"note_id": "N1"}, "data": {}},
	  {"product": {"product_id": "A"}, "blog": {"note_id": "n1"}, "data": {}},
	  {"product": {"product_id": "a"}, "blog": {"note_id": "n1"}}])");
	auto batches = BuildBatches(ParsePayload(payload, "link_create"), resolver, "link_create", true);
	ASSERT_EQ(batches[0].rows.size(), 4u);
	/* a note has one product: "n1" has "A" and "a" */
	EXPECT_EQ(SqlStateOf([&] { CheckBatchCardinality(batches[0]); }), "23505");
	MergeSpellings(batches[0], {{"a", "A"}}, {{"N1", "n1"}});
	const auto &rows = batches[0].rows;
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_EQ(rows[0].left, "A");
	EXPECT_EQ(rows[0].right, "n1");
	EXPECT_EQ(rows[0].index, 0u);
	EXPECT_EQ(rows[0].data_entries, (std::vector<std::size_t>{0, 2, 3}));
	EXPECT_EQ(rows[1].left, "p2");
	EXPECT_EQ(rows[1].index, 1u);
	EXPECT_FALSE(rows[1].HasData());
	EXPECT_NO_THROW(CheckBatchCardinality(batches[0]));
}

TEST(CheckBatchCardinality, FollowsIsList) {
	auto links = Links();
	LinkResolver resolver(links);
	/* one-to-one: p1 cannot get two posts in one batch */
	Json one_to_one = Json::parse(R"([{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}},
	                                  {"product": {"product_id": "p1"}, "blog": {"post_id": "b2"}}])");
	auto batches = BuildBatches(ParsePayload(one_to_one, "link_create"), resolver, "link_create", true);
	EXPECT_EQ(MessageOf([&] { CheckBatchCardinality(batches[0]); }),
	          "Cannot create multiple links between 'product' and 'blog' | links[0] and links[1] give \"product_id\" "
	          "'p1' two partners: \"post_id\" 'b1' and 'b2'.");
	/* notes isList: a product has many notes, a note one product */
	Json many = Json::parse(R"([{"product": {"product_id": "p1"}, "blog": {"note_id": "n1"}},
	                            {"product": {"product_id": "p1"}, "blog": {"note_id": "n2"}}])");
	auto ok = BuildBatches(ParsePayload(many, "link_create"), resolver, "link_create", true);
	EXPECT_NO_THROW(CheckBatchCardinality(ok[0]));
	Json shared = Json::parse(R"([{"product": {"product_id": "p1"}, "blog": {"note_id": "n1"}},
	                              {"product": {"product_id": "p2"}, "blog": {"note_id": "n1"}}])");
	auto bad = BuildBatches(ParsePayload(shared, "link_create"), resolver, "link_create", true);
	EXPECT_EQ(SqlStateOf([&] { CheckBatchCardinality(bad[0]); }), "23505");
}

TEST(LinkIdGenerator, UlidEncoding) {
	const uint8_t zeros[10] = {0};
	/* The ULID specification's example time: 1469918176385 ms encodes as 01ARYZ6S41. */
	LinkIdGenerator generator(1469918176385ULL, zeros);
	EXPECT_EQ(generator.Next("link"), "link_01ARYZ6S410000000000000000");
	EXPECT_EQ(generator.Next("link"), "link_01ARYZ6S410000000000000001");
	const uint8_t ones[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	LinkIdGenerator max(0xFFFFFFFFFFFFULL, ones);
	EXPECT_EQ(max.Next("x"), "x_7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
}

TEST(LinkSql, StatementsDependOnlyOnTheDefinition) {
	auto links = Links();
	std::string insert = link_sql::CreateInsert(links[0], TestQuoter());
	EXPECT_NE(insert.find("ON CONFLICT DO NOTHING"), std::string::npos);
	EXPECT_NE(insert.find("unnest($1::int4[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[])"),
	          std::string::npos);
	/* defaults are typed literals; a column without default gets NULL */
	EXPECT_NE(insert.find("ELSE '0'::integer END"), std::string::npos) << insert;
	std::string update = link_sql::CreateUpdate(links[0], TestQuoter());
	EXPECT_NE(update.find("o.\"product_id\" = t.\"product_id\" AND o.\"post_id\" <> t.\"post_id\""), std::string::npos);
	/* notes isList: only the note side is unique */
	std::string notes = link_sql::CreateUpdate(links[1], TestQuoter());
	EXPECT_EQ(notes.find("o.\"product_id\" = t.\"product_id\""), std::string::npos);
	EXPECT_NE(notes.find("o.\"note_id\" = t.\"note_id\""), std::string::npos);
}

TEST(EventPayloads, ChunksUnderTheLimitInOrder) {
	std::vector<std::string> ids;
	for (int i = 0; i < 1000; ++i)
		ids.push_back("link_" + std::string(26, static_cast<char>('A' + i % 26)) + std::to_string(i));
	auto payloads = EventPayloads("LinkX.attached", ids, 7999);
	ASSERT_GT(payloads.size(), 1u);
	std::vector<std::string> back;
	for (const auto &payload : payloads) {
		EXPECT_LE(payload.size(), 7999u);
		Json json = Json::parse(payload);
		EXPECT_EQ(json.at("event"), "LinkX.attached");
		for (const auto &id : json.at("ids"))
			back.push_back(id.get<std::string>());
	}
	EXPECT_EQ(back, ids);
	EXPECT_EQ(EventPayloads("e", {"a", "b"}), std::vector<std::string>{R"({"event": "e", "ids": ["a", "b"]})"});
	EXPECT_TRUE(EventPayloads("e", {}).empty());
	/* ids are JSON-escaped */
	EXPECT_EQ(EventPayloads("e", {"q\"x"}), std::vector<std::string>{R"({"event": "e", "ids": ["q\"x"]})"});
}

TEST(EventPayloads, WithKeysNameTheRecordsOfEachRowAligned) {
	EventKeys keys{"product_id", "post_id", {}, {}};
	std::vector<std::string> ids;
	for (int i = 0; i < 500; ++i) {
		ids.push_back("link_" + std::to_string(i));
		keys.left.push_back("prod_" + std::to_string(i));
		keys.right.push_back("post_\"" + std::to_string(i));
	}
	auto payloads = EventPayloads("LinkX.detached", ids, &keys, 2000);
	ASSERT_GT(payloads.size(), 1u);
	std::vector<std::string> back_ids, back_left, back_right;
	for (const auto &payload : payloads) {
		EXPECT_LE(payload.size(), 2000u);
		Json json = Json::parse(payload);
		EXPECT_EQ(json.at("event"), "LinkX.detached");
		ASSERT_EQ(json.at("ids").size(), json.at("links").at("product_id").size());
		ASSERT_EQ(json.at("ids").size(), json.at("links").at("post_id").size());
		for (const auto &id : json.at("ids"))
			back_ids.push_back(id.get<std::string>());
		for (const auto &id : json.at("links").at("product_id"))
			back_left.push_back(id.get<std::string>());
		for (const auto &id : json.at("links").at("post_id"))
			back_right.push_back(id.get<std::string>());
	}
	EXPECT_EQ(back_ids, ids);
	EXPECT_EQ(back_left, keys.left);
	EXPECT_EQ(back_right, keys.right);
	EventKeys one{"a_id", "b_id", {"a1"}, {"b1"}};
	EXPECT_EQ(EventPayloads("e", {"l1"}, &one),
	          std::vector<std::string>{R"({"event": "e", "ids": ["l1"], "links": {"a_id": ["a1"], "b_id": ["b1"]}})"});
	EXPECT_TRUE(EventPayloads("e", {}, &one).empty());
}

TEST(Cascade, ParseRecordsAndResultMap) {
	auto records = ParseRecords(Json::parse(R"({"product": {"product_id": ["p1", "p2"], "variant_id": "v1"}})"), "link_delete");
	ASSERT_EQ(records.size(), 2u);
	EXPECT_EQ(records[0].ids, (std::vector<std::string>{"p1", "p2"}));
	EXPECT_EQ(records[1].ids, (std::vector<std::string>{"v1"}));
	EXPECT_EQ(SqlStateOf([] { ParseRecords(Json::parse("[]"), "link_delete"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParseRecords(Json::parse(R"({"product": ["p1"]})"), "link_delete"); }), "22023");
	EXPECT_EQ(SqlStateOf([] { ParseRecords(Json::parse(R"({"product": {"product_id": [""]}})"), "link_delete"); }), "22023");

	auto links = Links();
	CascadeResult result;
	EXPECT_TRUE(result.Empty());
	result.AddLinkRows(links[0], {"p1", "p1"}, {"b1", "b2"});
	result.AddLinkRows(links[0], {"p1"}, {"b1"}, true); /* already listed: once */
	result.AddRecords("blog", "post_id", {"b1", "b2", "b1"});
	EXPECT_EQ(result.ToJson(), Json::parse(R"({"ProductProductBlogPostLink": {"product_id": ["p1", "p1", "p1"],
	                                           "post_id": ["b1", "b2", "b1"]}, "blog": {"post_id": ["b1", "b2"]}})"));
	CascadeResult once;
	once.AddLinkRows(links[0], {"p1"}, {"b1"}, true);
	once.AddLinkRows(links[0], {"p1"}, {"b1"}, true);
	EXPECT_EQ(once.ToJson()["ProductProductBlogPostLink"]["post_id"].size(), 1u);
}
