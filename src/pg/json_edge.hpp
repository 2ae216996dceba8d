/* jsonb arguments as core Json values, built by walking the jsonb (no text round trip):
 * linear in the value's size, nesting bounded by kMaxJsonDepth (54000), interruptible, strings
 * converted to UTF-8, numbers kept exact where SQL text will be made of them. */
#pragma once

#include <optional>
#include <string_view>

#include "core/json.hpp"
#include "pg/postgres.hpp"

namespace link_module::pg {

/* A jsonb number that no double holds exactly (1e400, 1.00000000000000000001) becomes its
 * decimal text, a string: values become SQL parameters cast to a column's type, or ids, and
 * keep their exact value. */
Json FromJsonb(const JsonbContainer *container, std::string_view what);

/* One value of a container (getIthJsonbValueFromContainer's), scalar or not. */
Json FromJsonbValue(const JsonbValue &value, std::string_view what);

/* Argument `n` as Json; nullopt for SQL NULL. */
std::optional<Json> JsonArg(FunctionCallInfo fcinfo, int n, std::string_view what);

} // namespace link_module::pg
