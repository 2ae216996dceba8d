#include "core/json.hpp"

#include "core/error.hpp"
#include "core/cpp_only.hpp"

namespace link_module {

namespace {

CoreHooks hooks;

/* Appends `value` to `out` until `out` reaches `limit` bytes; each level adds at least one
 * byte, so the recursion is bounded by `limit` too. */
void
AppendExcerpt(const Json &value, std::string &out, std::size_t limit) {
	if (out.size() >= limit)
		return;
	if (!value.is_structured()) {
		out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
		return;
	}
	const bool object = value.is_object();
	out += object ? '{' : '[';
	bool first = true;
	for (auto it = value.begin(); it != value.end(); ++it) {
		if (out.size() >= limit)
			return;
		if (!first)
			out += ", ";
		first = false;
		if (object)
			out += Json(it.key()).dump(-1, ' ', false, Json::error_handler_t::replace) + ": ";
		AppendExcerpt(*it, out, limit);
	}
	out += object ? '}' : ']';
}

/* nlohmann's message without its "[json.exception.parse_error.101] " prefix. */
std::string
WithoutPrefix(const char *message) {
	std::string_view text(message);
	const auto end = text.find("] ");
	return std::string(end == std::string_view::npos ? text : text.substr(end + 2));
}

} // namespace

void
SetCoreHooks(const CoreHooks &installed) {
	hooks = installed;
}

void
CheckInterrupts() {
	if (hooks.check_interrupts)
		hooks.check_interrupts();
}

void
CheckStack() {
	if (hooks.check_stack)
		hooks.check_stack();
}

std::string
Excerpt(const Json &value, std::size_t limit) {
	std::string out;
	AppendExcerpt(value, out, limit);
	if (out.size() >= limit) {
		out.resize(limit);
		out += "...";
	}
	return out;
}

Json
ParseJson(std::string_view text, std::string_view what) {
	InterruptTicker ticker;
	/* nlohmann's parser keeps its own stack (no recursion); the callback bounds the depth the
	 * recursive walks of the result will meet, and yields. */
	const auto callback = [&](int depth, Json::parse_event_t, Json &) {
		if (depth > kMaxJsonDepth)
			throw Error(sqlstate::kProgramLimitExceeded,
			            std::string(what) + " is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep",
			            "", "Flatten the value; link_module accepts JSON up to that depth.");
		ticker.Tick();
		return true;
	};
	try {
		return Json::parse(text.begin(), text.end(), callback);
	} catch (const Json::out_of_range &error) { /* 406: a number beyond double's range */
		throw Error(sqlstate::kNumericValueOutOfRange, std::string(what) + " has a number out of range",
		            WithoutPrefix(error.what()), "Pass very large numbers as strings.");
	} catch (const Json::exception &error) {
		throw Error(sqlstate::kInvalidJsonText, std::string(what) + " is not valid JSON", WithoutPrefix(error.what()));
	}
}

} // namespace link_module

/* The one instantiation the extern declaration in json.hpp refers to. */
template class nlohmann::basic_json<>;
