/* A seeded random fuzzer over the core's parsers (the libFuzzer target in test/fuzz is the
 * coverage-guided one). Documents are generated and mutated from the seed corpus
 * (test/fuzz/corpus) and fed to every parser of user input (test/fuzz/targets.hpp); the
 * property: each call returns or throws link_module::Error, never anything else, never crashes,
 * and no call takes longer than LM_FUZZ_SLOW_MS (default 2000).
 *
 * Fixed seed by default; LM_FUZZ_SEED and LM_FUZZ_ITERATIONS change it (the generator is
 * sequential: the same seed and iteration count give the same documents). A failing or slow
 * input is written to fuzz-<seed>-<iteration>.json in the working directory; LM_FUZZ_INPUT=<file>
 * runs just that file. A call running past LM_FUZZ_TIMEOUT_MS (default 30000) saves its input
 * and aborts; a crash (SIGSEGV, SIGABRT, ...) saves its input first.
 *
 * Nesting is kept within 200 levels here (deeper inputs crash today: issue 8); the libFuzzer
 * corpus has the deep and the huge inputs. */
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "../fuzz/targets.hpp"

using namespace link_module;

namespace {

constexpr int kMaxDepth = 200;
constexpr std::size_t kMaxSeedBytes = 64 * 1024;
constexpr std::size_t kMaxInputBytes = 256 * 1024;

long
EnvLong(const char *name, long fallback) {
	const char *value = std::getenv(name);
	return value && *value ? std::strtol(value, nullptr, 10) : fallback;
}

/* ---- the input being run, for the crash handler and the watchdog ---- */

std::string g_current;              /* the input of the running call */
std::string g_current_path = "fuzz-crash.json";
std::atomic<int64_t> g_started_ms{-1};

void
SaveCurrent() {
	int fd = ::open(g_current_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		ssize_t ignored = ::write(fd, g_current.data(), g_current.size());
		(void) ignored;
		::close(fd);
	}
}

void
OnCrash(int signal) {
	SaveCurrent();
	const char *message = "\nfuzz_test: crashed on an input; it is saved in ";
	ssize_t ignored = ::write(2, message, std::strlen(message));
	ignored = ::write(2, g_current_path.c_str(), g_current_path.size());
	ignored = ::write(2, "\n", 1);
	(void) ignored;
	std::signal(signal, SIG_DFL);
	std::raise(signal);
}

void
InstallCrashHandler() {
	static std::vector<char> alt_stack(1 << 16);
	stack_t stack{};
	stack.ss_sp = alt_stack.data();
	stack.ss_size = alt_stack.size();
	sigaltstack(&stack, nullptr);
	struct sigaction action {};
	action.sa_handler = OnCrash;
	action.sa_flags = SA_ONSTACK | SA_RESETHAND;
	for (int signal : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL})
		sigaction(signal, &action, nullptr);
}

int64_t
NowMs() {
	return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
	    .count();
}

/* Aborts the process (saving the input) when one call runs longer than `timeout_ms`. */
class Watchdog {
public:
	explicit Watchdog(long timeout_ms) : thread_([this, timeout_ms] {
		std::unique_lock<std::mutex> lock(mutex_);
		while (!stop_) {
			cv_.wait_for(lock, std::chrono::milliseconds(200));
			int64_t started = g_started_ms.load();
			if (started >= 0 && NowMs() - started > timeout_ms) {
				SaveCurrent();
				std::fprintf(stderr, "fuzz_test: a call ran longer than %ld ms; its input is saved in %s\n", timeout_ms,
				             g_current_path.c_str());
				std::_Exit(2);
			}
		}
	}) {}
	~Watchdog() {
		{
			std::lock_guard<std::mutex> lock(mutex_);
			stop_ = true;
		}
		cv_.notify_all();
		thread_.join();
	}

private:
	std::mutex mutex_;
	std::condition_variable cv_;
	bool stop_ = false;
	std::thread thread_;
};

/* ---- the seed corpus ---- */

int
Depth(std::string_view text) {
	int depth = 0, deepest = 0;
	bool in_string = false;
	for (std::size_t i = 0; i < text.size(); ++i) {
		char ch = text[i];
		if (in_string) {
			if (ch == '\\')
				++i;
			else if (ch == '"')
				in_string = false;
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '[' || ch == '{') {
			deepest = std::max(deepest, ++depth);
		} else if (ch == ']' || ch == '}') {
			--depth;
		}
	}
	return deepest;
}

std::vector<std::string>
Corpus() {
	std::vector<std::string> seeds;
	const auto dir = std::filesystem::path(__FILE__).parent_path().parent_path() / "fuzz" / "corpus";
	std::error_code ignored;
	std::vector<std::filesystem::path> files;
	for (const auto &entry : std::filesystem::directory_iterator(dir, ignored))
		if (entry.is_regular_file())
			files.push_back(entry.path());
	std::sort(files.begin(), files.end());
	for (const auto &file : files) {
		std::ifstream in(file, std::ios::binary);
		std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
		if (text.size() <= kMaxSeedBytes && Depth(text) <= kMaxDepth)
			seeds.push_back(std::move(text));
	}
	/* A few in the source, so the test runs without the corpus directory too. */
	for (const char *seed : {
	         R"(product.product)",
	         R"({"linkable": "blog.post", "isList": true, "deleteCascade": true, "alias": "posts", "field": "post", "filterable": ["id", "title"]})",
	         R"({"database": {"table": "t", "schema": "s", "idPrefix": "lnk", "extraColumns": {"metadata": {"type": "json", "nullable": true}, "n": {"type": "decimal", "options": {"precision": 10, "scale": 2}}, "e": {"type": "enum", "options": {"items": ["a", "b"]}, "defaultValue": "a"}}}, "readOnly": false, "isList": true})",
	         R"({"primaryKey": "id", "key": "product_id", "softDeleteColumn": null, "alias": "p", "validate": true})",
	         R"([{"product": {"product_id": "p1"}, "blog": {"post_id": "b1"}, "data": {"metadata": {"a": 1}, "rank": 2, "status": "a"}}, {"product": {"product_id": ["p1", "p2"]}, "blog": {"note_id": "n1"}, "link": "product_note"}])",
	         R"({"product": {"product_id": ["p1", "p2"]}, "blog": {"post_id": "b1"}})",
	         R"({"entity": "product", "fields": ["id", "title", "post.*", "notes.id", "post_link.metadata"], "filters": {"$or": [{"title": {"$like": "a%"}}, {"price": {"$gte": 3, "$lt": 10}}], "post": {"title": {"$in": ["x"]}}, "$not": {"id": "p1"}}, "pagination": {"skip": 1, "take": 20, "order": {"title": "DESC"}}, "withDeleted": false})",
	     })
		seeds.emplace_back(seed);
	return seeds;
}

/* ---- the generator ---- */

class Generator {
public:
	explicit Generator(uint64_t seed) : rng_(seed), seeds_(Corpus()) {}

	std::string Next() {
		for (;;) {
			std::string text = Candidate();
			if (text.size() <= kMaxInputBytes && Depth(text) <= kMaxDepth)
				return text;
		}
	}

	std::size_t SeedCount() const { return seeds_.size(); }

private:
	std::mt19937_64 rng_;
	std::vector<std::string> seeds_;
	std::vector<std::string> raws_; /* raw tokens for the markers of the document being built */

	std::size_t Below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
	bool OneIn(std::size_t n) { return Below(n) == 0; }
	template <typename T>
	const T &Pick(const std::vector<T> &items) { return items[Below(items.size())]; }

	std::string Candidate() {
		raws_.clear();
		std::string text;
		switch (Below(10)) {
		case 0: /* a seed as is, or bytes mutated */
			text = Pick(seeds_);
			break;
		case 1:
		case 2: /* a random document */
			text = Dump(RandomValue(Below(12)));
			break;
		default: { /* a seed mutated as a tree */
			const std::string &seed = Pick(seeds_);
			Json tree = Json::parse(seed, nullptr, false);
			if (tree.is_discarded()) {
				text = seed;
				break;
			}
			bool nested = false;
			for (std::size_t n = 1 + Below(4); n > 0; --n)
				MutateTree(tree, nested);
			text = Dump(tree);
		}
		}
		if (OneIn(3))
			for (std::size_t n = 1 + Below(3); n > 0; --n)
				MutateBytes(text);
		return text;
	}

	/* Markers stand for raw text no Json value can hold (1e400, bad UTF-8, ...). */
	std::string Dump(const Json &value) {
		std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
		for (std::size_t i = 0; i < raws_.size(); ++i) {
			const std::string marker = "\"@@" + std::to_string(i) + "@@\"";
			for (std::size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + raws_[i].size()))
				text.replace(at, marker.size(), raws_[i]);
		}
		return text;
	}

	Json Marker(const std::string &raw) {
		raws_.push_back(raw);
		return "@@" + std::to_string(raws_.size() - 1) + "@@";
	}

	std::string OddRawValue() {
		static const std::vector<std::string> raws = {
		    "1e400", "-1e400", "1e-400", "1.00000000000000000001", "123456789012345678901234567890", "-0", "-0.0",
		    "0e0", "4294967297", "9223372036854775808", "-9223372036854775809", "1E+2", "2.5e-3",
		    "\"\xff\"", "\"\xc3\x28\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xc0\xaf\"", "\"a\xe9z\"",
		    "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\uFFFF\"", "\"\\\\\"",
		    "NaN", "Infinity", "01", "1.", ".5", "+1", "tru", "nul", "\"unterminated", "[1,]", "{\"a\":}",
		};
		return Pick(raws);
	}

	std::string OddKey() {
		static const std::vector<std::string> keys = {
		    "", " ", "$not", "$and", "$or", "$in", "$eq", "$like", "$", "data", "link", "entity", "fields", "filters",
		    "pagination", "withDeleted", "database", "extraColumns", "linkable", "isList", "product", "blog", "product_id",
		    "post_id", "note_id", "metadata", "rank", "status", "type", "options", "items", "precision", "scale",
		    "defaultValue", "a.b", "a..b", ".", "*", "post.*", "__proto__", "constructor", "\xc3\xa9", "\xe2\x82\xac",
		    std::string(64, 'k'), std::string(300, 'x'), "DROP TABLE x;--", "\"", "\\", "Id", "ID",
		};
		return Pick(keys);
	}

	Json OddString() {
		static const std::vector<std::string> strings = {
		    "", " ", "product.product", "blog.post", "blog.note", "product", "post", "notes", "product_post", "a.b.c", ".",
		    "a.", ".b", "*", "post.*", "notes.id", "post_link.metadata", "id", "title", "price", "tags", "data", "DESC",
		    "ASC", "desc", "now()", "CURRENT_TIMESTAMP", "gen_random_uuid()", "'abc'", "''", "json", "string", "enum",
		    "decimal", "numeric", "uuid", "datetime", "enumArray", "%", "_", "\\", "'", "\"", "p1", "\xc3\xa9t\xc3\xa9",
		    "\xe6\x97\xa5\xe6\x9c\xac", std::string(63, 'a'), std::string(64, 'a'), std::string(256, 'b'),
		    std::string(9000, 'c'), "a b", "1", "-1", "true", "null", "x'); DROP TABLE t;--",
		};
		return Pick(strings);
	}

	Json OddNumber() {
		switch (Below(8)) {
		case 0: return 0;
		case 1: return -1;
		case 2: return 4294967297LL;
		case 3: return std::numeric_limits<int64_t>::min();
		case 4: return std::numeric_limits<uint64_t>::max();
		case 5: return 1e308;
		case 6: return 1.5;
		default: return static_cast<int64_t>(Below(100000)) - 50000;
		}
	}

	Json RandomScalar() {
		switch (Below(9)) {
		case 0: return nullptr;
		case 1: return OneIn(2);
		case 2:
		case 3: return OddNumber();
		case 4: return Marker(OddRawValue());
		default: return OddString();
		}
	}

	Json RandomValue(std::size_t depth) {
		if (depth == 0 || OneIn(3))
			return RandomScalar();
		if (OneIn(2)) {
			Json array = Json::array();
			for (std::size_t n = Below(5); n > 0; --n)
				array.push_back(RandomValue(depth - 1));
			return array;
		}
		Json object = Json::object();
		for (std::size_t n = Below(5); n > 0; --n)
			object[OddKey()] = RandomValue(depth - 1);
		return object;
	}

	/* A random node of `tree` (pre-order walk, bounded). */
	Json *RandomNode(Json &tree) {
		std::vector<Json *> nodes{&tree};
		for (std::size_t i = 0; i < nodes.size() && nodes.size() < 4096; ++i) {
			Json &node = *nodes[i];
			if (node.is_structured())
				for (auto &child : node)
					nodes.push_back(&child);
		}
		return Pick(nodes);
	}

	void MutateTree(Json &tree, bool &nested) {
		Json *node = RandomNode(tree);
		switch (Below(nested ? 7 : 8)) {
		case 0: /* replace with something odd */
			*node = RandomValue(Below(4));
			break;
		case 1: /* an odd or known key */
			if (node->is_object())
				(*node)[OddKey()] = OneIn(2) ? RandomScalar() : RandomValue(3);
			else if (node->is_array())
				node->push_back(RandomValue(2));
			else
				*node = Marker(OddRawValue());
			break;
		case 2: /* drop a member */
			if (node->is_object() && !node->empty()) {
				auto it = node->begin();
				std::advance(it, Below(node->size()));
				node->erase(it.key());
			} else if (node->is_array() && !node->empty()) {
				node->erase(Below(node->size()));
			}
			break;
		case 3: /* the type changes: value into an array of it, array into its first element */
			if (node->is_array() && !node->empty())
				*node = Json((*node)[0]);
			else
				*node = Json::array({*node});
			break;
		case 4: /* wide: many keys or elements */
		{
			const std::size_t width = OneIn(8) ? 1000 + Below(4000) : 10 + Below(200);
			if (node->is_object() || OneIn(2)) {
				Json object = node->is_object() ? *node : Json::object();
				Json value = OneIn(2) ? RandomScalar() : Json("v");
				for (std::size_t i = 0; i < width; ++i)
					object[(OneIn(2) ? "k" : "id") + std::to_string(i)] = value;
				*node = std::move(object);
			} else {
				Json array = Json::array();
				for (std::size_t i = 0; i < width; ++i)
					array.push_back(OneIn(4) ? Json(i) : Json("p" + std::to_string(i)));
				*node = std::move(array);
			}
			break;
		}
		case 5: /* a raw token: huge number, bad UTF-8, bad escape */
			*node = Marker(OddRawValue());
			break;
		case 6: /* a long field path */
			*node = Json::array({[&] {
				std::string path;
				for (std::size_t n = 1 + Below(150); n > 0; --n)
					path += Pick(std::vector<std::string>{"post.", "product.", "notes.", "a.", "post_link.", ".", "*."});
				return path + "id";
			}()});
			break;
		default: /* deep: nested $not / $and / arrays / objects, once per document */
		{
			nested = true;
			const std::size_t levels = 1 + Below(OneIn(4) ? 180 : 30);
			static const std::vector<std::string> wrappers = {"$not", "$and", "$or", "[", "post", "a", "data"};
			const std::string &wrapper = Pick(wrappers);
			Json value = *node;
			for (std::size_t i = 0; i < levels; ++i) {
				if (wrapper == "[")
					value = Json::array({value});
				else if (wrapper == "$and" || wrapper == "$or")
					value = Json{{wrapper, Json::array({value})}};
				else
					value = Json{{wrapper, value}};
			}
			*node = std::move(value);
		}
		}
	}

	void MutateBytes(std::string &text) {
		if (text.empty()) {
			text.push_back(static_cast<char>(Below(256)));
			return;
		}
		const std::size_t at = Below(text.size());
		switch (Below(6)) {
		case 0: text[at] = static_cast<char>(Below(256)); break;
		case 1: text.insert(at, 1, static_cast<char>(Pick(std::vector<int>{0, 0x80, 0xc3, 0xe9, 0xff, '"', '\\', '{', '[', ',', ':'}))); break;
		case 2: text.erase(at, 1 + Below(16)); break;
		case 3: text.resize(at); break;
		case 4: text.insert(at, text.substr(at, std::min<std::size_t>(64, Below(text.size() - at + 1)))); break;
		default: text.insert(at, OddRawValue()); break;
		}
	}
};

std::string
Escaped(const std::string &text, std::size_t limit = 300) {
	std::ostringstream out;
	for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
		unsigned char ch = static_cast<unsigned char>(text[i]);
		if (ch >= 0x20 && ch < 0x7f)
			out << ch;
		else
			out << "\\x" << std::hex << (ch >> 4) << (ch & 15) << std::dec;
	}
	if (text.size() > limit)
		out << "... (" << text.size() << " bytes)";
	return out.str();
}

void
Save(const std::string &path, const std::string &text) {
	std::ofstream(path, std::ios::binary) << text;
}

} // namespace

TEST(Fuzz, CoreParsersReturnOrThrowError) {
	const uint64_t seed = static_cast<uint64_t>(EnvLong("LM_FUZZ_SEED", 20240611));
	const long iterations = EnvLong("LM_FUZZ_ITERATIONS", 3000);
	const long slow_ms = EnvLong("LM_FUZZ_SLOW_MS", 2000);
	InstallCrashHandler();
	Watchdog watchdog(EnvLong("LM_FUZZ_TIMEOUT_MS", 30000));

	std::vector<std::pair<std::string, std::string>> inputs; /* name, text */
	if (const char *file = std::getenv("LM_FUZZ_INPUT"); file && *file) {
		std::ifstream in(file, std::ios::binary);
		ASSERT_TRUE(in) << "cannot read LM_FUZZ_INPUT " << file;
		inputs.emplace_back(file, std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
	}

	Generator generator(seed);
	int calls = 0, errors = 0, failures = 0;
	long slowest_ms = 0;
	const int64_t start = NowMs();
	for (long i = 0; inputs.empty() ? i < iterations : i < 1; ++i) {
		const std::string name = inputs.empty() ? "fuzz-" + std::to_string(seed) + "-" + std::to_string(i) + ".json" : inputs[0].first;
		g_current = inputs.empty() ? generator.Next() : inputs[0].second;
		g_current_path = inputs.empty() ? name : "fuzz-crash.json";
		const int64_t begun = NowMs();
		g_started_ms = begun;
		fuzz::Outcome outcome = fuzz::RunAll(g_current);
		const long took = static_cast<long>(NowMs() - begun);
		g_started_ms = -1;
		slowest_ms = std::max(slowest_ms, took);
		calls += outcome.calls;
		errors += outcome.errors;
		const bool slow = took > slow_ms;
		if (!outcome.unexpected.empty() || slow) {
			++failures;
			if (inputs.empty())
				Save(name, g_current);
			ADD_FAILURE() << (slow ? "slow input (" + std::to_string(took) + " ms)" : "a non-Error exception: " + outcome.unexpected)
			              << "\n  input (seed " << seed << ", iteration " << i << ", saved in " << name
			              << "): " << Escaped(g_current);
			if (failures >= 20) {
				ADD_FAILURE() << "stopping after 20 failing inputs";
				break;
			}
		}
	}
	std::printf("fuzz: seed %llu, %ld inputs (%zu seeds), %d calls, %d Errors, slowest input %ld ms, %lld ms in all\n",
	            static_cast<unsigned long long>(seed), inputs.empty() ? iterations : 1L, generator.SeedCount(), calls,
	            errors, slowest_ms, static_cast<long long>(NowMs() - start));
	EXPECT_GT(calls, 0);
}
