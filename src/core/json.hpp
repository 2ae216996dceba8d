/* JSON in the pure core: the value type, a parser whose cost is linear in its input and whose
 * nesting is bounded, bounded excerpts for error messages, and the two hooks through which
 * long or recursive core work yields to PostgreSQL (interrupts, stack depth).
 *
 * Strings are UTF-8 here; the PostgreSQL edge converts from and to the server encoding. */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

/* Compiled once, in json.cpp: every file of the core includes this header, and instantiating
 * nlohmann's members in each of them was about a third of the build. */
extern template class nlohmann::basic_json<>;

namespace link_module {

/* Objects are std::map: lookups and inserts are logarithmic, so no object, however wide,
 * makes parsing or lookups quadratic. Keys iterate in byte order; where order shows (extra
 * columns), the code sorts explicitly. */
using Json = nlohmann::json;

/* The deepest nesting any JSON input may have. Every recursive walk of a Json value (ours
 * and nlohmann's dump, copy and compare) is bounded by it; deeper input is refused (54000). */
constexpr int kMaxJsonDepth = 1000;

/* Parses JSON text: 22032 when it is not JSON, 54000 when nested deeper than kMaxJsonDepth,
 * 22003 for a number no double holds. Yields every few thousand tokens. */
Json ParseJson(std::string_view text, std::string_view what);

/* A value as an error message shows it: JSON text cut after about `limit` bytes. Never
 * throws for invalid UTF-8 (replaced). */
std::string Excerpt(const Json &value, std::size_t limit = 200);

/* Hooks installed by the PostgreSQL side (no-ops in unit tests): each may throw. */
struct CoreHooks {
	void (*check_interrupts)() = nullptr; /* CHECK_FOR_INTERRUPTS */
	void (*check_stack)() = nullptr;      /* check_stack_depth */
};
void SetCoreHooks(const CoreHooks &hooks);

/* Called by loops over input (every so many items) and at every level of a recursion. */
void CheckInterrupts();
void CheckStack();

/* Counts loop iterations and calls CheckInterrupts every `every`. */
class InterruptTicker {
public:
	explicit InterruptTicker(std::size_t every = 4096) : every_(every) {}
	void Tick() {
		if (++count_ % every_ == 0)
			CheckInterrupts();
	}

private:
	std::size_t every_;
	std::size_t count_ = 0;
};

} // namespace link_module
