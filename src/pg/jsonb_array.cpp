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
Datum
ConcatJsonbArrays(const std::vector<Datum> &arrays) {
	std::vector<Jsonb *> sources;
	uint64 count = 0;
	uint64 bytes = 0;
	for (Datum datum : arrays) {
		Jsonb *jsonb = PgCall([](Datum d) { return DatumGetJsonbP(d); }, datum);
		if (!JB_ROOT_IS_ARRAY(jsonb) || JB_ROOT_IS_SCALAR(jsonb))
			throw Error(sqlstate::kInternalError, "ConcatJsonbArrays: not a jsonb array");
		sources.push_back(jsonb);
		count += JB_ROOT_COUNT(jsonb);
		bytes += VARSIZE(jsonb);
	}
	if (count > JB_CMASK)
		throw Error(sqlstate::kProgramLimitExceeded, "too many link rows for one jsonb result: " + std::to_string(count));

	Size size = VARHDRSZ + sizeof(uint32) + count * sizeof(JEntry) + bytes + 3 * count;
	if (size > MaxAllocSize)
		throw Error(sqlstate::kProgramLimitExceeded, "the result of this call would exceed 1 GB", {},
		            "Split the call into several smaller ones.");
	char *out = static_cast<char *>(PgCall([](Size s) { return palloc0(s); }, size));
	auto *root = reinterpret_cast<JsonbContainer *>(out + VARHDRSZ);
	root->header = static_cast<uint32>(count) | JB_FARRAY;
	char *base = reinterpret_cast<char *>(&root->children[count]);

	uint32 end = 0; /* bytes of element data written, relative to base */
	uint64 k = 0;
	for (Jsonb *source : sources) {
		JsonbContainer *container = &source->root;
		int n = static_cast<int>(JsonContainerSize(container));
		const char *source_base = reinterpret_cast<const char *>(&container->children[n]);
		for (int i = 0; i < n; ++i, ++k) {
			JEntry entry = container->children[i];
			uint32 type = entry & JENTRY_TYPEMASK;
			uint32 offset = getJsonbOffset(container, i);
			uint32 length = getJsonbLength(container, i);
			uint32 start = end;
			if (type == JENTRY_ISCONTAINER || type == JENTRY_ISNUMERIC) {
				uint32 aligned = INTALIGN(offset);
				length -= aligned - offset; /* the source's own padding */
				offset = aligned;
				end = INTALIGN(end); /* palloc0: the new padding is zeros already */
			}
			if (static_cast<uint64>(end) + length > JENTRY_OFFLENMASK)
				throw Error(sqlstate::kProgramLimitExceeded, "the link rows of this call exceed jsonb's maximum size (256 MB)", {},
				            "Split the call into several smaller ones.");
			std::memcpy(base + end, source_base + offset, length);
			end += length;
			root->children[k] = type | ((k % JB_OFFSET_STRIDE) == 0 ? (end | JENTRY_HAS_OFF) : (end - start));
		}
	}
	SET_VARSIZE(out, static_cast<Size>(base - out) + end);
	return PointerGetDatum(out);
}

void
AppendResultPiece(std::vector<Datum> &pieces, Datum array) {
	pieces.push_back(array);
	uint64 bytes = 0;
	for (Datum piece : pieces)
		bytes += VARSIZE_ANY(DatumGetPointer(piece));
	if (bytes > JENTRY_OFFLENMASK)
		throw Error(sqlstate::kProgramLimitExceeded, "the link rows of this call exceed jsonb's maximum size (256 MB)",
		            {}, "Split the call into several smaller ones.");
}

} // namespace link_module::pg
