/* Reading a jsonb link payload one entry at a time: each array element is parsed on its own
 * and dropped after use, so a call with a million links never holds a parsed copy of all of
 * them. */
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/definition.hpp"
#include "pg/postgres.hpp"

namespace link_module::pg {

/* Calls fn(entry, index) for the payload's one object (index 0) or for each array element. */
void ForEachEntry(Datum payload, std::string_view function, const std::function<void(const Json &, std::size_t)> &fn);

/* The "data" objects of the given entries merged key by key, later ones winning (jsonb ||, so
 * numbers stay exact), as JSON text. */
std::string MergedData(Datum payload, const std::vector<std::size_t> &entries);

} // namespace link_module::pg
