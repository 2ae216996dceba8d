#include "pg/json_edge.hpp"

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "core/error.hpp"
#include "pg/encoding.hpp"
#include "pg/guard.hpp"

namespace link_module::pg {

namespace {

/* A decimal number's digits without leading or trailing zeros and its exponent, so that two
 * spellings of one value compare equal ("1.50" and "15e-1"). Sign first. */
std::string
Canonical(const std::string &text) {
	std::string digits;
	long exponent = 0;
	std::size_t i = 0;
	const bool negative = i < text.size() && text[i] == '-';
	if (negative || (i < text.size() && text[i] == '+'))
		++i;
	bool fraction = false;
	for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
		if (text[i] == '.') {
			fraction = true;
			continue;
		}
		if (digits.empty() && text[i] == '0') {
			if (fraction)
				--exponent;
			continue;
		}
		digits += text[i];
		if (fraction)
			--exponent;
	}
	if (i < text.size())
		exponent += std::strtol(text.c_str() + i + 1, nullptr, 10);
	while (!digits.empty() && digits.back() == '0') {
		digits.pop_back();
		++exponent;
	}
	if (digits.empty())
		return "0";
	return (negative ? "-" : "") + digits + "e" + std::to_string(exponent);
}

Json
Number(const JsonbValue &value) {
	char *out = PgCall([](Numeric n) { return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n))); },
	                   value.val.numeric);
	const std::string text(out);
	PgCall(pfree, static_cast<void *>(out));
	if (text.find_first_of(".eE") == std::string::npos) { /* integral: int64 or uint64 when it fits */
		errno = 0;
		char *end = nullptr;
		if (text[0] == '-') {
			const long long integer = std::strtoll(text.c_str(), &end, 10);
			if (errno == 0 && *end == '\0')
				return Json(static_cast<std::int64_t>(integer));
		} else {
			const unsigned long long integer = std::strtoull(text.c_str(), &end, 10);
			if (errno == 0 && *end == '\0')
				return Json(static_cast<std::uint64_t>(integer));
		}
	}
	errno = 0;
	const double nearest = std::strtod(text.c_str(), nullptr);
	if (errno == ERANGE && std::abs(nearest) > 1.0) /* beyond double's range */
		return Json(text);
	if (Canonical(Json(nearest).dump()) == Canonical(text))
		return Json(nearest);
	return Json(text);
}

Json
Scalar(const JsonbValue &value) {
	switch (value.type) {
	case jbvNull:
		return Json(nullptr);
	case jbvBool:
		return Json(static_cast<bool>(value.val.boolean));
	case jbvString:
		return Json(ToUtf8(value.val.string.val, static_cast<std::size_t>(value.val.string.len)));
	case jbvNumeric:
		return Number(value);
	default:
		throw Error(sqlstate::kInternalError, "unexpected jsonb value type " + std::to_string(value.type));
	}
}

} // namespace

Json
FromJsonb(const JsonbContainer *container, std::string_view what) {
	JsonbIterator *iterator =
	    PgCall([](const JsonbContainer *c) { return JsonbIteratorInit(const_cast<JsonbContainer *>(c)); }, container);
	Json root;
	/* The open containers, innermost last (nullptr: the pseudo array around a scalar root).
	 * Nothing is added to a container while a child of it is open, so the pointers hold. */
	std::vector<Json *> open;
	std::string key;
	InterruptTicker ticker;
	const auto place = [&](Json value) -> Json * {
		if (open.empty() || open.back() == nullptr) {
			root = std::move(value);
			return &root;
		}
		Json &parent = *open.back();
		if (parent.is_array()) {
			parent.push_back(std::move(value));
			return &parent.back();
		}
		Json &slot = parent[key];
		slot = std::move(value);
		return &slot;
	};
	JsonbValue value;
	for (;;) {
		const JsonbIteratorToken token = PgCall(
		    [](JsonbIterator **it, JsonbValue *v) { return JsonbIteratorNext(it, v, false); }, &iterator, &value);
		if (token == WJB_DONE)
			break;
		ticker.Tick();
		switch (token) {
		case WJB_BEGIN_ARRAY:
		case WJB_BEGIN_OBJECT:
			if (static_cast<int>(open.size()) >= kMaxJsonDepth)
				throw Error(sqlstate::kProgramLimitExceeded,
				            std::string(what) + " is nested more than " + std::to_string(kMaxJsonDepth) +
				                " levels deep",
				            "", "Flatten the value; link_module accepts JSON up to that depth.");
			if (token == WJB_BEGIN_ARRAY && value.val.array.rawScalar)
				open.push_back(nullptr);
			else
				open.push_back(place(token == WJB_BEGIN_ARRAY ? Json::array() : Json::object()));
			break;
		case WJB_END_ARRAY:
		case WJB_END_OBJECT:
			open.pop_back();
			break;
		case WJB_KEY:
			key = ToUtf8(value.val.string.val, static_cast<std::size_t>(value.val.string.len));
			break;
		default: /* WJB_VALUE, WJB_ELEM */
			place(Scalar(value));
			break;
		}
	}
	return root;
}

Json
FromJsonbValue(const JsonbValue &value, std::string_view what) {
	return value.type == jbvBinary ? FromJsonb(value.val.binary.data, what) : Scalar(value);
}

std::optional<Json>
JsonArg(FunctionCallInfo fcinfo, int n, std::string_view what) {
	if (PG_ARGISNULL(n))
		return std::nullopt;
	Datum datum = PG_GETARG_DATUM(n);
	Jsonb *jsonb = PgCall([](Datum d) { return DatumGetJsonbP(d); }, datum);
	return FromJsonb(&jsonb->root, what);
}

} // namespace link_module::pg
