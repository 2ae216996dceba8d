/* jsonb arguments as core Json values, built by walking the jsonb (no text round trip):
 * linear in the value's size, nesting bounded by kMaxJsonDepth (54000), interruptible, strings
 * converted to UTF-8, numbers kept exact where SQL text will be made of them. */
#pragma once

#include <optional>
#include <string_view>

#include "core/json.hpp"
#include "pg/postgres.hpp"

namespace link_module::pg {

/* How a jsonb number that no double holds exactly (1e400, 1.00000000000000000001) becomes
 * Json: `Exact` keeps its decimal text as a string (query_graph filters and define_link
 * options, whose values become SQL parameters cast to a column's type); `Nearest` takes the
 * nearest double (link payloads, whose values SQL reads from the jsonb itself; C++ only checks
 * their kind). Out of double's range, both keep the text. */
enum class Numbers { Exact, Nearest };

Json FromJsonb(const JsonbContainer *container, std::string_view what, Numbers numbers);

/* One value of a container (getIthJsonbValueFromContainer's), scalar or not. */
Json FromJsonbValue(const JsonbValue &value, std::string_view what, Numbers numbers);

/* Argument `n` as Json; nullopt for SQL NULL. */
std::optional<Json> JsonArg(FunctionCallInfo fcinfo, int n, std::string_view what, Numbers numbers = Numbers::Exact);

} // namespace link_module::pg
