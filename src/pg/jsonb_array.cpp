#include "pg/jsonb_array.hpp"

#include <cstring>

#include "core/error.hpp"
#include "pg/guard.hpp"

namespace link_module::pg {

/* The layout is jsonb's own (utils/jsonb.h): a root header (count | JB_FARRAY), one JEntry per
 * element holding its type and length (every JB_OFFSET_STRIDE-th its end offset instead, with
 * JENTRY_HAS_OFF), then the elements' data. Containers and numerics start 4-byte aligned
 * relative to the data area, the padding counted in their length: copying an element means
 * re-padding it for its new place. */

namespace {

[[noreturn]] void
TooBig() {
	throw Error(sqlstate::kProgramLimitExceeded, "the link rows of this call exceed jsonb's maximum size (256 MB)", {},
	            "Split the call into several smaller ones.");
}

} // namespace

JsonbArrayBuilder::JsonbArrayBuilder() : context_(CurrentMemoryContext) {}

void
JsonbArrayBuilder::Reserve(std::size_t more) {
	const std::size_t needed = used_ + more + 3;
	if (needed <= capacity_)
		return;
	/* Grows by half: a large chunk's repalloc is a realloc, which the C library does by
	 * remapping rather than copying. */
	std::size_t capacity = std::max(needed, capacity_ + capacity_ / 2);
	data_ = static_cast<char *>(
	    data_ ? PgCall([](void *p, Size s) { return repalloc_huge(p, s); }, static_cast<void *>(data_), capacity)
	          : PgCall([](MemoryContext c, Size s) { return MemoryContextAllocHuge(c, s); }, context_, capacity));
	capacity_ = capacity;
}

void
JsonbArrayBuilder::Add(uint32 type, const char *data, uint32 length) {
	if (entries_.size() + 1 > JB_CMASK)
		TooBig();
	if (type == JENTRY_ISCONTAINER || type == JENTRY_ISNUMERIC) {
		const std::size_t padded = INTALIGN(used_);
		std::memset(data_ + used_, 0, padded - used_);
		used_ = padded;
	}
	if (used_ + length > JENTRY_OFFLENMASK)
		TooBig();
	std::memcpy(data_ + used_, data, length);
	used_ += length;
	entries_.push_back(type | static_cast<uint32>(used_));
}

void
JsonbArrayBuilder::Append(Datum array, const std::vector<bool> *keep) {
	Jsonb *jsonb = PgCall([](Datum d) { return DatumGetJsonbP(d); }, array);
	if (!JB_ROOT_IS_ARRAY(jsonb) || JB_ROOT_IS_SCALAR(jsonb))
		throw Error(sqlstate::kInternalError, "JsonbArrayBuilder: not a jsonb array");
	JsonbContainer *container = &jsonb->root;
	const int n = static_cast<int>(JsonContainerSize(container));
	if (keep && keep->size() != static_cast<std::size_t>(n))
		throw Error(sqlstate::kInternalError, "JsonbArrayBuilder: a mask of another length");
	/* At most 3 bytes of padding per element. */
	Reserve(VARSIZE(jsonb) + 3 * static_cast<std::size_t>(n));
	const char *source_base = reinterpret_cast<const char *>(&container->children[n]);
	entries_.reserve(entries_.size() + n);
	for (int i = 0; i < n; ++i) {
		if (keep && !(*keep)[i])
			continue;
		const uint32 type = container->children[i] & JENTRY_TYPEMASK;
		uint32 offset = getJsonbOffset(container, i);
		uint32 length = getJsonbLength(container, i);
		if (type == JENTRY_ISCONTAINER || type == JENTRY_ISNUMERIC) {
			const uint32 aligned = INTALIGN(offset);
			length -= aligned - offset; /* the source's own padding */
			offset = aligned;
		}
		Add(type, source_base + offset, length);
	}
	PgCall(pfree, static_cast<void *>(jsonb));
	if (DatumGetPointer(array) != static_cast<void *>(jsonb))
		PgCall(pfree, DatumGetPointer(array));
}

void
JsonbArrayBuilder::AppendValue(Datum value) {
	Jsonb *jsonb = PgCall([](Datum d) { return DatumGetJsonbP(d); }, value);
	if (JB_ROOT_IS_SCALAR(jsonb)) {
		/* A scalar is stored as a one-element array: its element. */
		JsonbContainer *container = &jsonb->root;
		const char *base = reinterpret_cast<const char *>(&container->children[1]);
		const uint32 type = container->children[0] & JENTRY_TYPEMASK;
		uint32 length = getJsonbLength(container, 0);
		Reserve(length);
		Add(type, base, length);
	} else {
		/* An object or array is a container: its bytes are the element. */
		const uint32 length = static_cast<uint32>(VARSIZE(jsonb) - VARHDRSZ);
		Reserve(length);
		Add(JENTRY_ISCONTAINER, reinterpret_cast<const char *>(&jsonb->root), length);
	}
	if (DatumGetPointer(value) != static_cast<void *>(jsonb))
		PgCall(pfree, static_cast<void *>(jsonb));
}

void
JsonbArrayBuilder::Clear() {
	entries_.clear();
	used_ = 0;
}

Datum
JsonbArrayBuilder::Finish() {
	const std::size_t count = entries_.size();
	const std::size_t head = VARHDRSZ + sizeof(uint32) + count * sizeof(JEntry);
	if (head + used_ > MaxAllocSize)
		throw Error(sqlstate::kProgramLimitExceeded, "the result of this call would exceed 1 GB", {},
		            "Split the call into several smaller ones.");
	/* The header goes in front of the data: the buffer grows by its size and the data moves up
	 * in place. */
	char *out = static_cast<char *>(
	    data_ ? PgCall([](void *p, Size s) { return repalloc_huge(p, s); }, static_cast<void *>(data_), head + used_)
	          : PgCall([](MemoryContext c, Size s) { return MemoryContextAllocHuge(c, s); }, context_, head));
	data_ = nullptr;
	std::memmove(out + head, out, used_);
	auto *root = reinterpret_cast<JsonbContainer *>(out + VARHDRSZ);
	root->header = static_cast<uint32>(count) | JB_FARRAY;
	uint32 start = 0;
	for (std::size_t k = 0; k < count; ++k) {
		const uint32 type = entries_[k] & JENTRY_TYPEMASK;
		const uint32 end = entries_[k] & JENTRY_OFFLENMASK;
		root->children[k] = type | ((k % JB_OFFSET_STRIDE) == 0 ? (end | JENTRY_HAS_OFF) : (end - start));
		start = end;
	}
	SET_VARSIZE(out, head + used_);
	entries_.clear();
	used_ = capacity_ = 0;
	return PointerGetDatum(out);
}

} // namespace link_module::pg
