/* A call's result, one jsonb array, built from the arrays of rows its statements return without
 * rebuilding them: the elements' binary forms are copied as they are, so the result costs its
 * own size, not an in-memory tree of every value. */
#pragma once

#include <cstddef>
#include <vector>

#include "pg/postgres.hpp"

namespace link_module::pg {

/* Appends the elements of jsonb arrays, one array after another, into one growing buffer,
 * freeing each array once copied: the rows sit in memory once (and one statement's array), not
 * as every statement's array and then their concatenation. Fails (54000) as soon as the result
 * passes jsonb's maximum size, rather than after the rest of the call's work. The buffer
 * belongs to the memory context current at construction; Finish() hands it over. */
class JsonbArrayBuilder {
public:
	JsonbArrayBuilder();
	JsonbArrayBuilder(const JsonbArrayBuilder &) = delete;
	JsonbArrayBuilder &operator=(const JsonbArrayBuilder &) = delete;

	/* Copies the elements of `array` (a jsonb array), those whose `keep` is true when given,
	 * then pfrees it. */
	void Append(Datum array, const std::vector<bool> *keep = nullptr);
	/* Copies one jsonb value (a statement's row) as the next element, without rebuilding it:
	 * cheaper than jsonb_agg, which takes every value apart and builds it again. The value stays
	 * the caller's. */
	void AppendValue(Datum value);
	/* Forgets the elements appended so far (a call that starts again). */
	void Clear();
	/* The jsonb array of every element appended, in order. */
	Datum Finish();

private:
	/* Room for `more` bytes past the data (and 3 of padding). */
	void Reserve(std::size_t more);
	/* Appends one element of `type` whose data is [data, data + length), re-padded. */
	void Add(uint32 type, const char *data, uint32 length);

	MemoryContext context_;
	std::vector<uint32> entries_; /* each element's JEntry type bits and its end offset */
	char *data_ = nullptr;        /* the elements' data, palloc'd in context_ */
	std::size_t used_ = 0;
	std::size_t capacity_ = 0;
};

} // namespace link_module::pg
