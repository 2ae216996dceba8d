/* The fuzzed surface of the pure core, shared by the seeded GoogleTest fuzz test
 * (test/unit/fuzz_test.cpp) and the libFuzzer target (test/fuzz/core_fuzzer.cpp): one input text
 * is fed to every parser of user input the core has, and the property is that each call either
 * returns or throws link_module::Error. Written against the public headers only. */
#pragma once

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "core/cascade.hpp"
#include "core/definition.hpp"
#include "core/error.hpp"
#include "core/graph.hpp"
#include "core/payload.hpp"
#include "../unit/test_support.hpp"

namespace link_module::fuzz {

inline graph::Table
FuzzTable(const std::string &relation, std::vector<graph::Column> columns) {
	return graph::Table{relation, "id", std::string("deleted_at"), std::move(columns)};
}

/* product <-> post (one-to-one, extra columns) and product -> note (isList), as the unit and
 * regress suites use; the graph schema has their tables. */
struct Fixture {
	std::vector<LinkDefinition> links;
	graph::Schema schema;

	Fixture() {
		links.push_back(testing::Define("product.product", "blog.post",
		                           R"({"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true},
		                               "rank": {"type": "integer", "defaultValue": 0},
		                               "status": {"type": "enum", "options": {"items": ["a", "b"]}, "nullable": true}}}})"));
		links.push_back(testing::Define("product.product", R"({"linkable": "blog.note", "isList": true})"));
		const std::string ts = "timestamp with time zone";
		schema.entities.push_back({"product", "product",
		                           FuzzTable("product.product", {{"id", "text"}, {"title", "text"}, {"price", "integer"},
		                                                         {"tags", "text[]"}, {"data", "jsonb"}, {"deleted_at", ts}})});
		schema.entities.push_back({"blog", "post", FuzzTable("blog.post", {{"id", "text"}, {"title", "text"}, {"deleted_at", ts}})});
		schema.entities.push_back({"blog", "note", FuzzTable("blog.note", {{"id", "text"}, {"deleted_at", ts}})});
		schema.entities.push_back({"ext", "thing", std::nullopt}); /* virtual */
		schema.links = links;
		schema.link_tables.push_back(FuzzTable("public.product_product_blog_post",
		                                       {{"product_id", "text"}, {"post_id", "text"}, {"id", "text"}, {"metadata", "jsonb"},
		                                        {"rank", "integer"}, {"status", "text"}, {"deleted_at", ts}}));
		schema.link_tables.push_back(FuzzTable("public.product_product_blog_note",
		                                       {{"product_id", "text"}, {"note_id", "text"}, {"id", "text"}, {"deleted_at", ts}}));
	}
};

inline const Fixture &
GetFixture() {
	static const Fixture fixture;
	return fixture;
}

/* What one input did: how many entry points ran and threw Error, and the first call that threw
 * anything else ("ParseRecords: nlohmann::...: message"), empty when none did. */
struct Outcome {
	int calls = 0;
	int errors = 0;
	std::string unexpected;
};

/* The entry point running, for crash reports (a stack overflow's trace rarely reaches it). */
inline const char *g_step = "";
inline bool g_trace = false; /* print each entry point's name before calling it */

template <typename F>
bool
Step(Outcome &outcome, const char *name, F &&call) {
	++outcome.calls;
	g_step = name;
	if (g_trace)
		std::fprintf(stderr, "core_fuzzer step %s\n", name);
	try {
		call();
		return true;
	} catch (const Error &) {
		++outcome.errors;
	} catch (const std::exception &error) {
		if (outcome.unexpected.empty())
			outcome.unexpected = std::string(name) + ": " + typeid(error).name() + ": " + error.what();
	} catch (...) {
		if (outcome.unexpected.empty())
			outcome.unexpected = std::string(name) + ": an exception not derived from std::exception";
	}
	return false;
}

/* Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
inline bool
ValidUtf8(std::string_view text) {
	for (std::size_t i = 0; i < text.size();) {
		const unsigned char c = static_cast<unsigned char>(text[i]);
		std::size_t n;
		unsigned long cp;
		if (c < 0x80) { ++i; continue; }
		else if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
		else return false;
		if (i + n >= text.size())
			return false;
		for (std::size_t k = 1; k <= n; ++k) {
			const unsigned char d = static_cast<unsigned char>(text[i + k]);
			if ((d & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (d & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Moves a value into a request for one call and back (nlohmann copies recursively: a copy of
 * a deep value would overflow the stack in the harness, not in the core). */
struct Lend {
	Json &owner, &slot;
	Lend(Json &from, Json &to) : owner(from), slot(to) { slot = std::move(owner); }
	~Lend() { owner = std::move(slot); }
};

/* Feeds `text` to every parser of user input in the core. Never throws. */
inline Outcome
RunAll(std::string_view text) {
	const Fixture &fixture = GetFixture();
	Outcome outcome;

	/* define_link's sides: 'module.model' or InputOptions JSON text. */
	SideSpec side;
	bool side_ok = Step(outcome, "ParseSide", [&] { side = ParseSide(text, "left side"); });
	Step(outcome, "SplitLinkable", [&] { SplitLinkable(text, "left side"); });
	if (side_ok)
		Step(outcome, "BuildDefinition(side)", [&] {
			SideSpec other = ParseSide("blog.post", "right side");
			LinkDefinition definition = BuildDefinition(side, testing::TableLinkable(side.module, side.model), other,
			                                            testing::TableLinkable(other.module, other.model), LinkOptions{});
			DefinitionToJson(definition, testing::TestQuoter());
		});
	/* Ids reach EventPayloads from jsonb or text in UTF-8 (the PostgreSQL edge converts), so
	 * only valid UTF-8 is fed to it. */
	if (ValidUtf8(text))
		Step(outcome, "EventPayloads", [&] { EventPayloads("created", {std::string(text)}); });

	Json json;
	if (!Step(outcome, "ParseJson", [&] { json = ParseJson(text, "input"); }))
		return outcome;

	/* define_link's options, register_linkable's options, extra columns. */
	LinkOptions options;
	if (Step(outcome, "ParseLinkOptions", [&] { options = ParseLinkOptions(json); }))
		Step(outcome, "BuildDefinition(options)", [&] {
			SideSpec left = ParseSide("product.product", "left side");
			SideSpec right = ParseSide(R"({"linkable": "blog.post", "isList": true})", "right side");
			LinkDefinition definition = BuildDefinition(left, testing::TableLinkable("product", "product"), right,
			                                            testing::TableLinkable("blog", "post"), options);
			Json stored = DefinitionToJson(definition, testing::TestQuoter());
			DefinitionFromJson(stored);
		});
	Step(outcome, "ParseLinkableOptions", [&] { ParseLinkableOptions(json); });
	Step(outcome, "ParseExtraColumn", [&] { ParseExtraColumn("c", json); });
	if (json.is_object()) {
		int n = 0;
		for (const auto &item : json.items()) {
			if (++n > 64)
				break;
			Step(outcome, "ParseExtraColumn(member)", [&] { ParseExtraColumn(item.key(), item.value()); });
		}
	}

	/* link_create / link_dismiss / link_update / link_list payloads. */
	LinkResolver resolver(fixture.links);
	std::vector<PayloadEntry> entries;
	if (Step(outcome, "ParsePayload", [&] { entries = ParsePayload(json, "link_create"); })) {
		Step(outcome, "BuildBatches(create)", [&] {
			for (const auto &batch : BuildBatches(entries, resolver, "link_create", true))
				CheckBatchCardinality(batch);
		});
		Step(outcome, "BuildBatches(dismiss)", [&] { BuildBatches(entries, resolver, "link_dismiss", false); });
		for (const auto &entry : entries) {
			if (entry.index >= 64)
				break;
			Step(outcome, "EntryIds(list)", [&] {
				const LinkDefinition &link = resolver.Resolve(entry, "link_list");
				EntryIds(entry, link, IdMode::Many);
			});
		}
	}
	if (json.is_array()) {
		std::size_t index = 0;
		for (const auto &item : json) {
			if (index >= 64)
				break;
			Step(outcome, "ParseEntry", [&] { ParseEntry(item, index); });
			++index;
		}
	}
	Step(outcome, "ValidateData", [&] { ValidateData(fixture.links[0], json, 0); });

	/* link_delete / link_restore. */
	Step(outcome, "ParseRecords", [&] { ParseRecords(json, "link_delete"); });

	/* query_graph: the request itself, and the value as filters and as fields of a request. */
	const graph::Limits limits;
	Step(outcome, "graph::Compile", [&] { graph::Compile(json, fixture.schema, testing::TestQuoter(), limits); });
	if (json.is_array() || json.is_string())
		Step(outcome, "graph::Compile(fields)", [&] {
			Json request = Json::object();
			request["entity"] = "product_post";
			Lend lend(json, request["fields"]);
			graph::Compile(request, fixture.schema, testing::TestQuoter(), limits);
		});
	Step(outcome, "graph::Compile(filters)", [&] {
		Json request = Json::object();
		request["entity"] = "product";
		request["fields"] = Json::array({"id", "post.*", "notes.id", "post_link.metadata"});
		Lend lend(json, request["filters"]);
		graph::Compile(request, fixture.schema, testing::TestQuoter(), limits);
	});
	return outcome;
}

} // namespace link_module::fuzz
