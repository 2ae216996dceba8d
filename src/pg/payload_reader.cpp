#include "pg/payload_reader.hpp"

#include "core/payload.hpp"
#include "pg/encoding.hpp"
#include "pg/guard.hpp"
#include "pg/json_edge.hpp"

namespace link_module::pg {

namespace {

Jsonb *
PayloadJsonb(Datum payload) {
	return PgCall([](Datum d) { return DatumGetJsonbP(d); }, payload);
}

/* Element `index` of the root array. Numbers are read exactly (a number no double holds keeps
 * its text): ids given as numbers name records by their exact value. (The statements read each
 * row's data from the jsonb itself; C++ only checks the values' kinds.) */
Json
Element(Jsonb *jsonb, std::size_t index) {
	JsonbValue *value = PgCall([](JsonbContainer *c, uint32 i) { return getIthJsonbValueFromContainer(c, i); },
	                           &jsonb->root, static_cast<uint32>(index));
	Json json = FromJsonbValue(*value, "links");
	PgCall(pfree, static_cast<void *>(value));
	return json;
}

Json
Whole(Jsonb *jsonb) {
	return FromJsonb(&jsonb->root, "links");
}

} // namespace

void
ForEachEntry(Datum payload, std::string_view function, const std::function<void(const Json &, std::size_t)> &fn) {
	Jsonb *jsonb = PayloadJsonb(payload);
	if (JB_ROOT_IS_SCALAR(jsonb))
		throw NotAPayload(function, Excerpt(Whole(jsonb)));
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

std::string
MergedData(Datum payload, const std::vector<std::size_t> &entries) {
	Jsonb *jsonb = PayloadJsonb(payload);
	Datum merged = 0;
	InterruptTicker ticker;
	for (std::size_t index : entries) {
		ticker.Tick();
		merged = PgCall(
		    [](Jsonb *j, uint32 i, Datum so_far) {
			    JsonbContainer *entry = &j->root;
			    if (JB_ROOT_IS_ARRAY(j))
				    entry = getIthJsonbValueFromContainer(&j->root, i)->val.binary.data;
			    JsonbValue key;
			    key.type = jbvString;
			    key.val.string.val = const_cast<char *>("data");
			    key.val.string.len = 4;
			    Datum data = JsonbPGetDatum(JsonbValueToJsonb(findJsonbValueFromContainer(entry, JB_FOBJECT, &key)));
			    return so_far ? DirectFunctionCall2(jsonb_concat, so_far, data) : data;
		    },
		    jsonb, static_cast<uint32>(index), merged);
	}
	char *text = PgCall([](Datum d) {
		Jsonb *j = DatumGetJsonbP(d);
		return JsonbToCString(nullptr, &j->root, VARSIZE(j));
	}, merged);
	return ToUtf8(text);
}

} // namespace link_module::pg
