/* Concatenating jsonb arrays without rebuilding them: the elements' binary forms are copied as
 * they are, so a call's result costs its own size, not an in-memory tree of every value. */
#pragma once

#include <vector>

#include "pg/postgres.hpp"

namespace link_module::pg {

/* One jsonb array holding the elements of `arrays` (each a jsonb array), in order. */
Datum ConcatJsonbArrays(const std::vector<Datum> &arrays);

/* Adds a jsonb array to the pieces of a result, failing (54000) as soon as they pass jsonb's
 * maximum size, rather than after the rest of the call's work. */
void AppendResultPiece(std::vector<Datum> &pieces, Datum array);

} // namespace link_module::pg
