#include "pg/payload_reader.hpp"

#include "core/payload.hpp"
#include "pg/guard.hpp"

namespace link_module::pg {

namespace {

/* Text of a jsonb value, parsed; the palloc'd intermediates are freed at once. */
Json
ParseValue(JsonbValue *value) {
	char *text = PgCall(
	    [](JsonbValue *v) {
		    Jsonb *jsonb = JsonbValueToJsonb(v);
		    char *out = JsonbToCString(nullptr, &jsonb->root, VARSIZE(jsonb));
		    pfree(jsonb);
		    return out;
	    },
	    value);
	Json json = ParseJson(text, "links");
	PgCall(pfree, static_cast<void *>(text));
	return json;
}

Jsonb *
PayloadJsonb(Datum payload) {
	return PgCall([](Datum d) { return DatumGetJsonbP(d); }, payload);
}

/* Element `index` of the root array. */
Json
Element(Jsonb *jsonb, std::size_t index) {
	JsonbValue *value = PgCall([](JsonbContainer *c, uint32 i) { return getIthJsonbValueFromContainer(c, i); },
	                           &jsonb->root, static_cast<uint32>(index));
	Json json = ParseValue(value);
	PgCall(pfree, static_cast<void *>(value));
	return json;
}

Json
Whole(Jsonb *jsonb) {
	char *text = PgCall([](Jsonb *j) { return JsonbToCString(nullptr, &j->root, VARSIZE(j)); }, jsonb);
	Json json = ParseJson(text, "links");
	PgCall(pfree, static_cast<void *>(text));
	return json;
}

} // namespace

void
ForEachEntry(Datum payload, std::string_view function, const std::function<void(const Json &, std::size_t)> &fn) {
	Jsonb *jsonb = PayloadJsonb(payload);
	if (JB_ROOT_IS_SCALAR(jsonb))
		throw NotAPayload(function, Whole(jsonb).dump());
	if (JB_ROOT_IS_OBJECT(jsonb)) {
		fn(Whole(jsonb), 0);
		return;
	}
	std::size_t count = JB_ROOT_COUNT(jsonb);
	for (std::size_t i = 0; i < count; ++i) {
		if (i % 4096 == 4095)
			CheckForInterrupts();
		fn(Element(jsonb, i), i);
	}
}

Json
EntryAt(Datum payload, std::size_t index) {
	Jsonb *jsonb = PayloadJsonb(payload);
	return JB_ROOT_IS_ARRAY(jsonb) ? Element(jsonb, index) : Whole(jsonb);
}

} // namespace link_module::pg
