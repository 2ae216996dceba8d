/* Link payloads: Medusa's LinkDefinition JSON ({"product": {"product_id": "p1"}, "blog":
 * {"post_id": "b1"}, "data": {...}}), one object or an array. Parsing, resolution to a link
 * definition, validation of ids and data, and grouping into per-link batches. */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/definition.hpp"
#include "core/error.hpp"

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

/* Checks one entry's shape (the element at `index` of the payload array). The entry keeps
 * pointers into `item`, which must outlive it. With `one_side` (link_list), an entry may give
 * the key of one side only: every link of those records. */
PayloadEntry ParseEntry(const Json &item, std::size_t index, bool one_side = false);

/* A payload that is neither a link object nor an array of them. */
Error NotAPayload(std::string_view function, const std::string &shown);

/* Checks a whole parsed payload (one object or an array): the entries of small payloads and
 * of tests. Large payloads are read entry by entry (ParseEntry). */
std::vector<PayloadEntry> ParsePayload(const Json &payload, std::string_view function);

/* Finds the link an entry addresses, whatever the order of its modules. */
class LinkResolver {
public:
	explicit LinkResolver(const std::vector<LinkDefinition> &links);

	/* The stored link the entry names; throws 42704/22023 naming what was given. An entry of
	 * one key names the link that key belongs to (or its "link", when several do). */
	const LinkDefinition &Resolve(const PayloadEntry &entry, std::string_view function) const;

private:
	const std::vector<LinkDefinition> &links_;
	std::map<std::string, std::vector<std::size_t>> by_keys_; /* sorted "module.key" pair -> links */
};

/* A resolved entry: the link and the two ids in the link's own left/right order. Rows hold no
 * pointer into a parsed payload: statements read each row's data from the payload jsonb. */
struct LinkRow {
	std::size_t index = 0;                 /* the entry's position in the payload */
	std::string left;
	std::string right;
	std::vector<std::size_t> data_entries; /* the entries, in order, whose data this row takes */
	std::optional<std::string> merged_data; /* the merged data when several entries gave the pair */

	bool HasData() const { return !data_entries.empty(); }
	bool NeedsMerge() const { return data_entries.size() > 1; }
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

/* The rows of one batch by their pair of ids: open addressing over row numbers, 4 bytes a slot
 * and at most half full; the ids themselves are kept in the rows only. */
class PairIndex {
public:
	/* The row of the pair, or `rows.size()` (added as that) when new; second: whether new. */
	std::pair<std::size_t, bool> FindOrAdd(const std::vector<LinkRow> &rows, const std::string &left,
	                                       const std::string &right);

private:
	static std::size_t Hash(const std::string &left, const std::string &right);
	std::vector<uint32_t> slots_; /* 0: empty; else row number + 1 */
};

/* Resolves, validates and groups entries by link, in first-appearance order, one entry at a
 * time: it keeps nothing of an entry but its ids and whether it had data. With `data_allowed`
 * false a "data" member is ignored (dismiss). */
class BatchBuilder {
public:
	BatchBuilder(const LinkResolver &resolver, std::string function, bool data_allowed);
	void Add(const PayloadEntry &entry);
	std::vector<LinkBatch> Finish();

private:
	const LinkResolver &resolver_;
	std::string function_;
	bool data_allowed_;
	std::vector<LinkBatch> batches_;
	std::unordered_map<const LinkDefinition *, std::size_t> batch_of_;
	std::vector<PairIndex> row_of_; /* per batch */
};

/* The same, over a parsed payload's entries. */
std::vector<LinkBatch> BuildBatches(const std::vector<PayloadEntry> &entries, const LinkResolver &resolver,
                                    std::string_view function, bool data_allowed);

/* Ids are grouped as strings, but a key's type may spell one value several ways (a uuid in
 * either case, "1" and "01" of an integer key). Given each such id's chosen spelling (`left`
 * and `right` map an id to it; ids not mapped keep theirs), rewrites the rows' ids and merges
 * the rows that become one pair as the same pair given twice is merged: the first keeps its
 * place, the data objects apply in payload order. */
void MergeSpellings(LinkBatch &batch, const std::unordered_map<std::string, std::string> &left,
                    const std::unordered_map<std::string, std::string> &right);

/* Medusa's rule inside one batch: a unique side may not get two partners. Throws 23505. */
void CheckBatchCardinality(const LinkBatch &batch);

/* Medusa's error message for a cardinality violation. */
std::string CardinalityMessage(const LinkDefinition &link);

/* NOTIFY payloads {"event": "<event>", "ids": [...]} carrying all `ids` in order, each payload
 * at most `max_bytes` long (PostgreSQL's limit is 8000 bytes, including the terminator). An id
 * too long to fit alone is an error. */
std::vector<std::string> EventPayloads(const std::string &event, const std::vector<std::string> &ids,
                                       std::size_t max_bytes = 7999);

/* The records each link row of an event joined: its two keys, aligned with the ids. */
struct EventKeys {
	std::string left_key, right_key;
	std::vector<std::string> left, right;
};

/* With `keys`, each payload also says which records its rows joined, so a consumer learns it
 * even when the rows are gone (a hard delete):
 * {"event": ..., "ids": [...], "links": {"<left key>": [...], "<right key>": [...]}}. */
std::vector<std::string> EventPayloads(const std::string &event, const std::vector<std::string> &ids,
                                       const EventKeys *keys, std::size_t max_bytes = 7999);

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
