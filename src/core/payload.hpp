/* Link payloads: Medusa's LinkDefinition JSON ({"product": {"product_id": "p1"}, "blog":
 * {"post_id": "b1"}, "data": {...}}), one object or an array. Parsing, resolution to a link
 * definition, validation of ids and data, and grouping into per-link batches. */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/definition.hpp"

namespace link_module {

/* One payload entry, as given. */
struct PayloadEntry {
	std::size_t index = 0; /* position in the array, for errors */
	struct Key {
		std::string module;
		std::string key;
		const Json *value;
	};
	std::vector<Key> keys;                 /* the module keys, in payload order */
	const Json *data = nullptr;            /* nullptr when absent */
	std::optional<std::string> link;       /* optional "link": entry point or service name */
};

/* Checks the payload's shape; `function` names the caller in errors. Entries keep pointers
 * into `payload`, which must outlive them. */
std::vector<PayloadEntry> ParsePayload(const Json &payload, std::string_view function);

/* Finds the link an entry addresses, whatever the order of its modules. */
class LinkResolver {
public:
	explicit LinkResolver(const std::vector<LinkDefinition> &links);

	/* The stored link the entry names; throws 42704/22023 naming what was given. */
	const LinkDefinition &Resolve(const PayloadEntry &entry, std::string_view function) const;

private:
	const std::vector<LinkDefinition> &links_;
	std::map<std::string, std::vector<std::size_t>> by_keys_; /* sorted "module.key" pair -> links */
};

/* A resolved entry: the link and the two ids in the link's own left/right order. */
struct LinkRow {
	std::size_t index = 0;
	std::string left;
	std::string right;
	const Json *data = nullptr;
	std::optional<Json> merged_data; /* set when duplicates of one pair were merged */

	const Json *Data() const { return merged_data ? &*merged_data : data; }
};

/* How ids are read: one id per key (create, dismiss, update) or one or more (list). */
enum class IdMode { Single, Many };

/* The ids of a resolved entry for the link's left and right keys. */
std::pair<std::vector<std::string>, std::vector<std::string>> EntryIds(const PayloadEntry &entry,
                                                                        const LinkDefinition &link, IdMode mode);

/* `data` may only set id and the link's extra columns, each with a value of its type. */
void ValidateData(const LinkDefinition &link, const Json &data, std::size_t index);

/* The entries of one link, duplicates of a pair merged (later data wins, key by key). */
struct LinkBatch {
	const LinkDefinition *link = nullptr;
	std::vector<LinkRow> rows;
};

/* Resolves, validates and groups entries by link, in first-appearance order. With
 * `data_allowed` false a "data" member is ignored (dismiss, list). */
std::vector<LinkBatch> BuildBatches(const std::vector<PayloadEntry> &entries, const LinkResolver &resolver,
                                    std::string_view function, bool data_allowed);

/* Medusa's rule inside one batch: a unique side may not get two partners. Throws 23505. */
void CheckBatchCardinality(const LinkBatch &batch);

/* Medusa's error message for a cardinality violation. */
std::string CardinalityMessage(const LinkDefinition &link);

/* NOTIFY payloads {"event": "<event>", "ids": [...]} carrying all `ids` in order, each payload
 * at most `max_bytes` long (PostgreSQL's limit is 8000 bytes, including the terminator). An id
 * too long to fit alone is an error. */
std::vector<std::string> EventPayloads(const std::string &event, const std::vector<std::string> &ids,
                                       std::size_t max_bytes = 7999);

/* Link ids "<prefix>_<ULID>": 48-bit millisecond time and 80 random bits in Crockford base32.
 * One random draw per call; each further id adds one to the random part (monotonic ULIDs),
 * so ids of one call sort in creation order. */
class LinkIdGenerator {
public:
	LinkIdGenerator(uint64_t unix_ms, const uint8_t random[10]);
	std::string Next(const std::string &prefix);

private:
	uint8_t bytes_[16];
};

} // namespace link_module
