#include <gtest/gtest.h>

#include "core/list_chunks.hpp"

using namespace link_module;

namespace {

AskedIds
Asked(std::vector<std::pair<int32_t, std::string>> items) {
	AskedIds asked;
	for (auto &[entry, id] : items) {
		asked.entries.push_back(entry);
		asked.ids.push_back(id);
	}
	return asked;
}

std::vector<ListChunk>
Plan(const AskedIds &left, const AskedIds &right, std::size_t batch) {
	std::vector<ListChunk> chunks;
	PlanListChunks(left, right, batch, [&](const ListChunk &c) { chunks.push_back(c); });
	return chunks;
}

} // namespace

/* Small entries are paired (each pair with the positions of its ids); an entry with ids on one
 * side only asks nothing. */
TEST(PlanListChunks, PairsSmallEntries) {
	auto left = Asked({{0, "p1"}, {1, "p2"}, {1, "p3"}, {3, "p4"}});
	auto right = Asked({{0, "b1"}, {1, "b2"}, {2, "b3"}, {3, "b4"}});
	auto chunks = Plan(left, right, 100);
	ASSERT_EQ(chunks.size(), 1u);
	const ListChunk &c = chunks[0];
	EXPECT_EQ(c.pair_left, (std::vector<std::string>{"p1", "p2", "p3", "p4"}));
	EXPECT_EQ(c.pair_right, (std::vector<std::string>{"b1", "b2", "b2", "b4"}));
	EXPECT_EQ(c.pair_left_ord, (std::vector<int32_t>{0, 1, 2, 3}));
	EXPECT_EQ(c.pair_right_ord, (std::vector<int32_t>{0, 1, 1, 3}));
	EXPECT_TRUE(c.probe_id.empty());
	EXPECT_TRUE(c.match_id.empty());
}

/* Both sides large: the left ids probe and the right ids match, never paired; an entry of one
 * id on a side with thousands on the other is paired (linear). */
TEST(PlanListChunks, ProbesLargeEntries) {
	AskedIds left, right;
	for (int i = 0; i < 100; ++i) {
		left.entries.push_back(0);
		left.ids.push_back("p" + std::to_string(i));
		right.entries.push_back(0);
		right.ids.push_back("b" + std::to_string(i));
	}
	left.entries.push_back(1);
	left.ids.push_back("hot");
	for (int i = 0; i < 1000; ++i) {
		right.entries.push_back(1);
		right.ids.push_back("c" + std::to_string(i));
	}
	auto chunks = Plan(left, right, 100000);
	ASSERT_EQ(chunks.size(), 1u);
	EXPECT_EQ(chunks[0].probe_id.size(), 100u);
	EXPECT_EQ(chunks[0].match_id.size(), 100u);
	EXPECT_EQ(chunks[0].probe_ord.front(), 0);
	EXPECT_EQ(chunks[0].match_ord.back(), 99);
	EXPECT_EQ(chunks[0].pair_left.size(), 1000u);
	EXPECT_EQ(chunks[0].pair_right_ord.front(), 100);
}

/* Chunks hold at least `batch` rows but the last; together they hold every pair once; a large
 * entry's left ids are sliced, each slice with all its right ids. */
TEST(PlanListChunks, ChunksCoverEverythingOnce) {
	AskedIds left, right;
	for (int e = 0; e < 10; ++e) {
		left.entries.push_back(e);
		left.ids.push_back("p" + std::to_string(e));
		right.entries.push_back(e);
		right.ids.push_back("b" + std::to_string(e));
	}
	for (int i = 0; i < 40; ++i) {
		left.entries.push_back(10);
		left.ids.push_back("q" + std::to_string(i));
	}
	for (int i = 0; i < 20; ++i) {
		right.entries.push_back(10);
		right.ids.push_back("c" + std::to_string(i));
	}
	auto chunks = Plan(left, right, 3);
	std::size_t pairs = 0, probes = 0, matches = 0;
	for (std::size_t k = 0; k < chunks.size(); ++k) {
		if (k + 1 < chunks.size())
			EXPECT_GE(chunks[k].Size(), 3u);
		EXPECT_GT(chunks[k].Size(), 0u);
		pairs += chunks[k].pair_left.size();
		probes += chunks[k].probe_id.size();
		matches += chunks[k].match_id.size();
		if (!chunks[k].probe_id.empty())
			EXPECT_EQ(chunks[k].match_id.size(), 20u); /* each slice takes the entry's right ids */
	}
	EXPECT_EQ(pairs, 10u);
	EXPECT_EQ(probes, 40u);
	EXPECT_EQ(matches, 20u * 14); /* 40 left ids in slices of 3 */
}

/* An entry that gave one side alone asks for all its rows: a left id gets its own position, a
 * right id the left position its entry would have (so it sorts between its neighbours); an
 * entry with one side and no "alone" mark asks nothing. */
TEST(PlanListChunks, SidesGivenAlone) {
	auto left = Asked({{0, "p1"}, {2, "p2"}, {3, "p3"}});
	auto right = Asked({{1, "b1"}, {1, "b2"}, {2, "b3"}, {4, "b4"}});
	left.alone = {0, 3};
	right.alone = {1};
	auto chunks = Plan(left, right, 100);
	ASSERT_EQ(chunks.size(), 1u);
	const ListChunk &c = chunks[0];
	EXPECT_EQ(c.left_alone_id, (std::vector<std::string>{"p1", "p3"}));
	EXPECT_EQ(c.left_alone_ord, (std::vector<int32_t>{0, 2}));
	EXPECT_EQ(c.right_alone_id, (std::vector<std::string>{"b1", "b2"}));
	EXPECT_EQ(c.right_alone_left_ord, (std::vector<int32_t>{1, 1}));
	EXPECT_EQ(c.right_alone_ord, (std::vector<int32_t>{0, 1}));
	EXPECT_EQ(c.pair_left, (std::vector<std::string>{"p2"}));
	EXPECT_EQ(c.pair_right, (std::vector<std::string>{"b3"}));
}
