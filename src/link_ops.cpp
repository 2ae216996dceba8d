/* SQL functions that manage links: link_create, link_dismiss, link_update, link_list. Each call
 * parses its payload once, resolves every entry to a link, and runs a fixed number of
 * set-based statements per link, whatever the number of entries. */
#include <algorithm>
#include <chrono>
#include <functional>
#include <unordered_set>

#include "core/error.hpp"
#include "core/link_sql.hpp"
#include "core/list_chunks.hpp"
#include "core/payload.hpp"
#include "cascade.hpp"
#include "pg/as_owner.hpp"
#include "pg/citus.hpp"
#include "pg/encoding.hpp"
#include "pg/guard.hpp"
#include "pg/json_edge.hpp"
#include "pg/jsonb_array.hpp"
#include "pg/payload_reader.hpp"
#include "pg/plan_cache.hpp"
#include "pg/spi.hpp"
#include "link_cache.hpp"
#include "registry.hpp"
#include "settings.hpp"

extern "C" {
#include "commands/async.h"
#include "mb/pg_wchar.h"
#include "port.h"
}

namespace link_module {

namespace {

using link_cache::StoredLinks;

/* Calls fn(begin, end) over [0, count) in chunks of link_module.batch_size rows: one statement
 * takes one chunk, so a call's working memory per statement stays bounded. */
template <typename Fn>
void
ForEachChunk(std::size_t count, Fn fn) {
	const auto size = static_cast<std::size_t>(settings::batch_size);
	for (std::size_t begin = 0; begin < count; begin += size) {
		pg::ScratchMemory scratch; /* the chunk's parameters; its results go to the caller's memory */
		fn(begin, std::min(count, begin + size));
	}
}

/* A PostgreSQL error from a link statement, told in terms of the link. */
[[noreturn]] void
RethrowForLink(const pg::PgError &error, const LinkDefinition &link, const std::string &function) {
	std::string state = pg::SqlState(error.data());
	const std::string detail = error.Utf8Detail();
	if (state == sqlstate::kUniqueViolation)
		throw Error(sqlstate::kUniqueViolation, CardinalityMessage(link),
		            detail + " A concurrent transaction linked it first.",
		            "Each id of a side without isList on the other side may have one active link.");
	if (state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0)
		throw Error(state.c_str(),
		            function + " on link " + Quoted(link.names.service_name) + ": " + error.Utf8Message(), detail);
	throw error;
}

/* Runs one of a link's statements through its cached plan. */
void
RunLinkStatement(const LinkDefinition &link, const std::string &function, const std::string &kind,
                 const std::string &sql, const std::vector<Oid> &types, const std::vector<pg::Param> &params,
                 pg::Planning planning = pg::Planning::Generic) {
	SPIPlanPtr plan = pg::CachedPlan(kind + ":" + link.names.service_name, sql, types, planning);
	try {
		pg::ExecutePlan(plan, params);
	} catch (const pg::PgError &error) {
		RethrowForLink(error, link, function);
	}
}

/* Every linked record must exist and be live; the rows are locked FOR SHARE until commit, so a
 * concurrent delete or soft delete waits for this transaction and then sees its links. The
 * check runs as the owner of the records' table, as PostgreSQL's foreign-key checks run as the
 * referenced table's owner: the caller needs no rights on it (whoever defined the link had
 * REFERENCES on it), and learns only whether the ids it gave exist. */
void
CheckRecords(const LinkBatch &batch, const StoredLinks &stored, const std::string &function) {
	const LinkDefinition &link = *batch.link;
	std::size_t at = stored.IndexOf(&link);
	const Quoter &q = pg::PgQuoter();
	auto check = [&](const std::optional<link_sql::RecordTable> &table, const LinkSide &side, bool left) {
		if (!table || !table->validate)
			return;
		std::vector<std::string> ids;
		std::unordered_map<std::string, std::size_t> first_entry;
		for (const auto &row : batch.rows) {
			const std::string &id = left ? row.left : row.right;
			if (first_entry.emplace(id, row.index).second)
				ids.push_back(id);
		}
		const std::string table_key = table->relation + ":" + table->primary_key;
		std::optional<std::vector<std::string>> short_chunk;
		ForEachChunk(ids.size(), [&](std::size_t begin, std::size_t end) {
			if (short_chunk)
				return;
			std::vector<std::string> chunk(ids.begin() + begin, ids.begin() + end);
			pg::AsOwner as_owner(table->owner);
			std::size_t found = 0;
			for (const auto &shard : pg::citus::ByShard(table->oid, table->relation, table->key_type, chunk)) {
				RunLinkStatement(link, function, "lock:" + table_key, link_sql::LockRecords(*table, q), {TEXTARRAYOID},
				                 {pg::TextArray(shard)});
				if (auto count = pg::ResultDatum(1))
					found += static_cast<std::size_t>(DatumGetInt64(*count));
			}
			if (found != chunk.size())
				short_chunk = std::move(chunk);
		});
		if (!short_chunk)
			return;
		{
			pg::AsOwner as_owner(table->owner);
			RunLinkStatement(link, function, "missing:" + table_key, link_sql::FindMissingRecord(*table, q),
			                 {TEXTARRAYOID}, {pg::TextArray(*short_chunk)});
		}
		auto missing = pg::ResultText(0, 1);
		if (!missing)
			return; /* two spellings of one id (a UUID in either case) counted once: none missing */
		const std::string &id = *missing;
		bool soft_deleted = pg::ResultText(0, 2) == std::optional<std::string>("t");
		throw Error(sqlstate::kForeignKeyViolation,
		            "links[" + std::to_string(first_entry[id]) + "]: " + side.module + "." + side.key + " '" + id +
		                (soft_deleted ? "' is soft-deleted" : "' does not exist"),
		            "Link " + Quoted(link.names.service_name) + " needs a live record of " + table->relation + " with " +
		                Quoted(table->primary_key) + " = '" + id + "'.",
		            "Create the record first, or register the linkable with {\"validate\": false}.");
	};
	check(stored.left_tables[at], link.left, true);
	check(stored.right_tables[at], link.right, false);
}

/* The arrays of a create/update statement for the rows at `positions` of the batch. */
std::vector<pg::Param>
RowParams(const LinkBatch &batch, const std::vector<int32> &positions, const std::vector<std::string> &generated_ids,
          std::size_t generated_from, Datum payload) {
	std::vector<int32> ord;
	std::vector<std::string> left, right;
	std::vector<std::optional<int32>> data_index;
	std::vector<std::optional<std::string>> merged, ids;
	for (int32 position : positions) {
		const LinkRow &row = batch.rows[position - 1];
		ord.push_back(position);
		left.push_back(row.left);
		right.push_back(row.right);
		data_index.push_back(row.HasData() && !row.merged_data
		                         ? std::optional<int32>(static_cast<int32>(row.data_entries.front()))
		                         : std::nullopt);
		merged.push_back(row.merged_data);
		ids.push_back(generated_ids.empty() ? std::nullopt
		                                    : std::optional<std::string>(generated_ids[position - 1 - generated_from]));
	}
	return {pg::Int4Array(ord), pg::TextArray(left), pg::TextArray(right), pg::Int4Array(data_index),
	        pg::TextArray(merged), pg::TextArray(ids), {payload, false}, pg::Bool(settings::notify),
	        {TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), false}};
}

const std::vector<Oid> kRowTypes = {INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID,
                                    TEXTARRAYOID, JSONBOID,     BOOLOID,      TIMESTAMPTZOID};

/* Collects the rows the last statement wrote, notifies `event` with their ids (delivered at
 * commit, when link_module.notify is on), and returns the row numbers it left over. */
std::vector<int32>
Collect(pg::JsonbArrayBuilder &result, const LinkDefinition &link, const char *event) {
	std::vector<int32> leftover = pg::ResultInt4Array(3); /* the first row's */
	std::vector<std::string> ids;
	for (uint64 i = 1; i < SPI_processed; ++i) {
		result.AppendValue(*pg::ResultValue(i, 1));
		if (settings::notify)
			ids.push_back(pg::ResultText(i, 2).value_or(""));
	}
	if (settings::notify)
		for (const auto &payload : EventPayloads(link.names.entity + "." + event, ids))
			pg::Notify(payload);
	return leftover;
}

/* A row that cannot be linked because a unique key of it already has another active partner. */
struct Conflict {
	const LinkRow *row;
	bool on_left; /* the left key is the one taken */
	std::string partner;
};

/* The first of the rows at `positions` that breaks cardinality against the table, if any. */
std::optional<Conflict>
FindConflict(const LinkBatch &batch, const std::vector<int32> &positions, const std::string &function) {
	const LinkDefinition &link = *batch.link;
	std::vector<std::string> left, right;
	for (int32 position : positions) {
		left.push_back(batch.rows[position - 1].left);
		right.push_back(batch.rows[position - 1].right);
	}
	RunLinkStatement(link, function, "partner", link_sql::FindPartner(link, pg::PgQuoter()),
	                 {TEXTARRAYOID, TEXTARRAYOID}, {pg::TextArray(left), pg::TextArray(right)});
	if (SPI_processed == 0)
		return std::nullopt;
	auto value = [](int column) { return pg::ResultText(0, column).value_or(""); };
	const LinkRow &row = batch.rows[positions[std::stoi(value(1)) - 1] - 1];
	bool on_left = value(2) == "t";
	return Conflict{&row, on_left, on_left ? value(4) : value(3)};
}

[[noreturn]] void
ThrowConflict(const LinkDefinition &link, const Conflict &conflict) {
	const LinkSide &side = conflict.on_left ? link.left : link.right;
	const LinkSide &other = conflict.on_left ? link.right : link.left;
	throw Error(sqlstate::kUniqueViolation, CardinalityMessage(link),
	            "links[" + std::to_string(conflict.row->index) + "]: " + Quoted(side.key) + " '" +
	                (conflict.on_left ? conflict.row->left : conflict.row->right) +
	                "' already has an active link to " + Quoted(other.key) + " '" + conflict.partner + "'.",
	            "Dismiss that link first, or define the link with isList on " + Quoted(other.alias) + ".");
}

/* Inserts new pairs, then revives or updates existing ones; a row left after both breaks
 * cardinality. A conflicting row that vanished meanwhile (a concurrent dismiss) gets another
 * round. Works through the batch in chunks. */
void
CreateBatch(const LinkBatch &batch, Datum payload, LinkIdGenerator &id_generator, pg::JsonbArrayBuilder &result) {
	const LinkDefinition &link = *batch.link;
	const Quoter &q = pg::PgQuoter();
	ForEachChunk(batch.rows.size(), [&](std::size_t begin, std::size_t end) {
		std::vector<std::string> generated;
		std::vector<int32> remaining;
		for (std::size_t i = begin; i < end; ++i) {
			generated.push_back(id_generator.Next(link.id_prefix));
			remaining.push_back(static_cast<int32>(i + 1));
		}
		for (int round = 0; round < 3; ++round) {
			RunLinkStatement(link, "link_create", "create-insert", link_sql::CreateInsert(link, q), kRowTypes,
			                 RowParams(batch, remaining, generated, begin, payload));
			std::vector<int32> leftover = Collect(result, link, "attached");
			if (leftover.empty())
				return;
			RunLinkStatement(link, "link_create", "create-update", link_sql::CreateUpdate(link, q), kRowTypes,
			                 RowParams(batch, leftover, generated, begin, payload));
			remaining = Collect(result, link, "attached");
			if (remaining.empty())
				return;
			if (auto conflict = FindConflict(batch, remaining, "link_create"))
				ThrowConflict(link, *conflict);
		}
		throw Error(sqlstate::kSerializationFailure, "link_create: concurrent changes kept links of " + Quoted(link.names.service_name) +
		                         " from being written",
		            {}, "Retry the transaction.");
	});
}

/* The payload argument, detoasted once: entries are read from it one by one, and statements
 * read each row's data from it. */
Datum
PayloadArg(FunctionCallInfo fcinfo, const char *function) {
	if (PG_ARGISNULL(0))
		throw Error(sqlstate::kNullValueNotAllowed, std::string(function) + ": links must not be null");
	Datum raw = PG_GETARG_DATUM(0);
	return pg::PgCall([](Datum d) { return PointerGetDatum(PG_DETOAST_DATUM(d)); }, raw);
}

bool
IsDataException(int code) {
	return ERRCODE_TO_CATEGORY(code) == ERRCODE_DATA_EXCEPTION;
}

/* Runs `sql` ($1 text[]: `ids`) in a subtransaction; false when it fails with a data exception
 * (an id that is no value of a key's type). `read` takes its result. */
bool
RunOnIds(const std::string &key, const std::string &sql, const std::vector<std::string> &ids,
         const std::function<void()> &read = {}) {
	return pg::InSubtransaction(
	    [&] {
		    pg::ExecutePlan(pg::CachedPlan(key, sql, {TEXTARRAYOID}), {pg::TextArray(ids)});
		    if (read)
			    read();
	    },
	    IsDataException);
}

/* The error for ids of `side` of which one at least is no value of its key's type: it names the
 * first such id and its entry, found by halving the list (each half cast in a subtransaction: a
 * few statements, however many ids). */
Error
NotAValue(const LinkDefinition &link, const LinkSide &side, const std::vector<std::string> &ids,
          const std::function<std::size_t(std::size_t)> &entry_of) {
	const std::string sql = "SELECT $1::text[]::" + side.key_type + "[]";
	std::size_t begin = 0, end = ids.size();
	while (end - begin > 1) {
		const std::size_t middle = begin + (end - begin) / 2;
		if (RunOnIds("values:" + side.key_type, sql, std::vector<std::string>(ids.begin() + begin, ids.begin() + middle)))
			begin = middle;
		else
			end = middle;
	}
	/* the id alone, outside a subtransaction, for PostgreSQL's own words */
	std::string words;
	try {
		pg::ExecutePlan(pg::CachedPlan("values:" + side.key_type, sql, {TEXTARRAYOID}),
		                {pg::TextArray(std::vector<std::string>{ids[begin]})});
	} catch (const pg::PgError &error) {
		return Error(pg::SqlState(error.data()).c_str(),
		             "links[" + std::to_string(entry_of(begin)) + "]: " + Quoted(side.key) + " of module " +
		                 Quoted(side.module) + " must be of type " + side.key_type + ", not '" + ids[begin] + "'",
		             error.Utf8Message() + ".",
		             "Link " + Quoted(link.names.service_name) + " joins records by " + Quoted(side.key) + ".");
	}
	return Error(sqlstate::kInvalidTextRepresentation,
	             "links[" + std::to_string(entry_of(begin)) + "]: " + Quoted(side.key) + " of module " +
	                 Quoted(side.module) + " must be of type " + side.key_type + ", not '" + ids[begin] + "'");
}

/* The ids of a side whose key type spells one value several ways, each mapped to the spelling
 * that stands for its value, when that is another (none for text keys: no statement). An id
 * that is no value of the type is an error naming its entry. */
std::unordered_map<std::string, std::string>
Respellings(const LinkBatch &batch, bool left) {
	const LinkSide &side = left ? batch.link->left : batch.link->right;
	std::unordered_map<std::string, std::string> respelled;
	if (link_sql::OneSpellingPerValue(side.key_type))
		return respelled;
	std::vector<std::string> ids;
	std::vector<std::size_t> entries;
	std::unordered_set<std::string> seen;
	for (const auto &row : batch.rows)
		if (const std::string &id = left ? row.left : row.right; seen.insert(id).second) {
			ids.push_back(id);
			entries.push_back(row.index);
		}
	/* All of them in one statement: a value's spellings may be anywhere in the batch. */
	pg::ScratchMemory scratch;
	std::vector<std::string> spellings;
	const std::string key = std::string(left ? "spellings-left:" : "spellings-right:") + batch.link->names.service_name;
	if (!RunOnIds(key, link_sql::Spellings(side.key_type), ids, [&] { spellings = pg::ResultTextArray(1); }))
		throw NotAValue(*batch.link, side, ids, [&](std::size_t i) { return entries[i]; });
	for (std::size_t i = 0; i < ids.size() && i < spellings.size(); ++i)
		if (spellings[i] != ids[i])
			respelled.emplace(ids[i], spellings[i]);
	return respelled;
}

/* One spelling per value of a key (a uuid in either case, "01" and "1" of an integer), so that
 * grouping by pair, the cardinality checks and the row counts see values, not strings. */
void
MergeSpellings(LinkBatch &batch) {
	auto left = Respellings(batch, true);
	auto right = Respellings(batch, false);
	if (!left.empty() || !right.empty())
		MergeSpellings(batch, left, right);
}

bool
NonAscii(const std::string &text) {
	return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

/* In a database not in UTF8, Citus stores non-ASCII text that an INSERT ... SELECT writes into a
 * distributed table as its UTF-8 bytes, and compares such text in a multi-shard UPDATE so too
 * (plain SQL shows it, no link_module involved): a write of non-ASCII ids or data to a
 * distributed link table there is refused, before anything is written, never stored garbled. */
void
RefuseNonAsciiOnDistributed(const std::vector<LinkBatch> &batches, Datum payload, const char *function) {
	if (pg::ServerIsUtf8() || GetDatabaseEncoding() == PG_SQL_ASCII)
		return;
	std::optional<bool> payload_non_ascii; /* read once, if a row has data */
	for (const auto &batch : batches) {
		if (!batch.link->Distributed())
			continue;
		for (std::size_t i = 0; i < batch.rows.size(); ++i) {
			const LinkRow &row = batch.rows[i];
			if (i % 4096 == 4095)
				pg::CheckForInterrupts();
			bool refused = NonAscii(row.left) || NonAscii(row.right);
			if (!refused && row.HasData()) {
				if (!payload_non_ascii)
					payload_non_ascii = NonAscii(pg::PgCall([](Datum d) {
						Jsonb *jb = DatumGetJsonbP(d);
						return JsonbToCString(nullptr, &jb->root, VARSIZE(jb));
					}, payload));
				refused = *payload_non_ascii;
			}
			if (refused)
				throw Error(sqlstate::kFeatureNotSupported,
				            std::string(function) + " cannot write non-ASCII ids or data to the distributed table of link " +
				                Quoted(batch.link->names.service_name) + " in a database encoded " +
				                GetDatabaseEncodingName(),
				            "Citus stores non-ASCII text that a statement writes into a distributed table of such a "
				            "database as its UTF-8 bytes.",
				            "Keep the link's table a reference table, or use a UTF8 database (README, \"Scaling out "
				            "with Citus\").");
		}
	}
}

/* Reads, resolves, validates and groups the payload's entries, and locks their links' tables. */
std::vector<LinkBatch>
ReadBatches(Datum payload, const link_cache::Use &cache, const LinkResolver &resolver, const char *function,
            bool data_allowed) {
	BatchBuilder builder(resolver, function, data_allowed);
	pg::ForEachEntry(payload, function, [&](const Json &item, std::size_t index) { builder.Add(ParseEntry(item, index)); });
	auto batches = builder.Finish();
	RefuseNonAsciiOnDistributed(batches, payload, function);
	std::vector<const LinkDefinition *> links;
	for (const auto &batch : batches)
		links.push_back(batch.link);
	cache.LockTables(links);
	for (auto &batch : batches)
		MergeSpellings(batch);
	/* A pair given several times with data: its data objects merged (read again, rare). */
	for (auto &batch : batches)
		for (auto &row : batch.rows)
			if (row.NeedsMerge())
				row.merged_data = pg::MergedData(payload, row.data_entries);
	return batches;
}

/* The frame every link function shares: its payload, an SPI connection and the stored links.
 * `body` appends the jsonb arrays of the rows it writes or reads to the result. It
 * starts again when a concurrent change of the links it uses committed before it wrote
 * anything (link_cache::Changed). */
using LinkBody = std::function<void(Datum payload, const link_cache::Use &cache, const LinkResolver &resolver,
                                    pg::JsonbArrayBuilder &result)>;

Datum
RunLinkFunction(FunctionCallInfo fcinfo, const char *function, const LinkBody &body) {
	Datum payload = PayloadArg(fcinfo, function);
	pg::JsonbArrayBuilder result;
	{
		pg::SpiConnection spi;
		for (int attempt = 1;; ++attempt) {
			try {
				link_cache::Use cache;
				LinkResolver resolver(cache.links().links);
				body(payload, cache, resolver, result);
				break;
			} catch (const link_cache::Changed &) {
				if (attempt == 3)
					throw Error(sqlstate::kSerializationFailure,
					            std::string(function) + ": the links' definitions kept changing while it waited",
					            "", "Retry the transaction.");
				result.Clear();
			}
		}
		spi.Finish();
	}
	return result.Finish();
}

LinkIdGenerator
NewIdGenerator() {
	uint8_t random[10];
	uint8_t *buffer = random;
	if (!pg::PgCall([](uint8_t *b) { return pg_strong_random(b, 10); }, buffer))
		throw Error(sqlstate::kInternalError, "could not generate random bytes for link ids");
	auto now = std::chrono::system_clock::now().time_since_epoch();
	return LinkIdGenerator(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()),
	                       random);
}

} // namespace

} // namespace link_module

using namespace link_module;

LM_FUNCTION(link_create) {
	return RunLinkFunction(fcinfo, "link_create", [](Datum payload, const link_cache::Use &cache,
	                                                 const LinkResolver &resolver, pg::JsonbArrayBuilder &result) {
		const StoredLinks &stored = cache.links();
		auto batches = ReadBatches(payload, cache, resolver, "link_create", true);
		for (const auto &batch : batches)
			CheckBatchCardinality(batch);
		for (const auto &batch : batches)
			CheckRecords(batch, stored, "link_create");
		LinkIdGenerator ids = NewIdGenerator();
		for (const auto &batch : batches)
			CreateBatch(batch, payload, ids, result);
	});
}

LM_FUNCTION(link_dismiss) {
	return RunLinkFunction(fcinfo, "link_dismiss", [](Datum payload, const link_cache::Use &cache,
	                                                  const LinkResolver &resolver, pg::JsonbArrayBuilder &result) {
		for (const auto &batch : ReadBatches(payload, cache, resolver, "link_dismiss", false)) {
			ForEachChunk(batch.rows.size(), [&](std::size_t begin, std::size_t end) {
				std::vector<int32> ord;
				std::vector<std::string> left, right;
				for (std::size_t i = begin; i < end; ++i) {
					ord.push_back(static_cast<int32>(i + 1));
					left.push_back(batch.rows[i].left);
					right.push_back(batch.rows[i].right);
				}
				RunLinkStatement(*batch.link, "link_dismiss", "dismiss", link_sql::Dismiss(*batch.link, pg::PgQuoter()),
				                 {INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, BOOLOID},
				                 {pg::Int4Array(ord), pg::TextArray(left), pg::TextArray(right),
				                  pg::Bool(settings::notify)});
				Collect(result, *batch.link, "detached");
			});
		}
	});
}

LM_FUNCTION(link_update) {
	return RunLinkFunction(fcinfo, "link_update", [](Datum payload, const link_cache::Use &cache,
	                                                 const LinkResolver &resolver, pg::JsonbArrayBuilder &result) {
		for (const auto &batch : ReadBatches(payload, cache, resolver, "link_update", true)) {
			std::vector<int32> missing;
			ForEachChunk(batch.rows.size(), [&](std::size_t begin, std::size_t end) {
				std::vector<int32> chunk;
				for (std::size_t i = begin; i < end; ++i)
					chunk.push_back(static_cast<int32>(i + 1));
				RunLinkStatement(*batch.link, "link_update", "update",
				                 link_sql::UpdateExisting(*batch.link, pg::PgQuoter()), kRowTypes,
				                 RowParams(batch, chunk, {}, 0, payload));
				for (int32 position : Collect(result, *batch.link, "attached"))
					missing.push_back(position);
			});
			if (!missing.empty()) {
				std::string detail;
				for (std::size_t i = 0; i < missing.size() && i < 5; ++i) {
					const LinkRow &row = batch.rows[missing[i] - 1];
					detail += (detail.empty() ? "" : "; ") + std::string("links[") + std::to_string(row.index) +
					          "]: " + batch.link->left.key + " '" + row.left + "', " + batch.link->right.key + " '" +
					          row.right + "'";
				}
				throw Error(sqlstate::kNoDataFound, "Could not find all existing links from data",
				            "No active link of " + Quoted(batch.link->names.service_name) + " for " + detail +
				                (missing.size() > 5 ? " (and " + std::to_string(missing.size() - 5) + " more)" : "") +
				                ".",
				            "Create links with link_create; link_update changes existing ones only.");
			}
		}
	});
}

LM_FUNCTION(link_list) {
	auto given = pg::JsonArg(fcinfo, 1, "link_list options");
	Json options = given ? *given : Json::object();
	if (!options.is_object())
		throw Error(sqlstate::kInvalidParameterValue, "link_list options must be a JSON object, not " + Excerpt(options));
	bool as_definition = false;
	bool with_deleted = false;
	for (const auto &member : options.items()) {
		bool *flag = member.key() == "asLinkDefinition" ? &as_definition
		             : member.key() == "withDeleted"    ? &with_deleted
		                                                : nullptr;
		if (!flag)
			throw Error(sqlstate::kInvalidParameterValue, "unknown key " + Quoted(member.key()) + " in link_list options",
			            {}, "Valid keys are: asLinkDefinition, withDeleted.");
		if (!member.value().is_boolean())
			throw Error(sqlstate::kInvalidParameterValue,
			            Quoted(member.key()) + " in link_list options must be a boolean, not " + Excerpt(member.value()));
		*flag = member.value().get<bool>();
	}

	return RunLinkFunction(fcinfo, "link_list", [&](Datum payload, const link_cache::Use &cache,
	                                               const LinkResolver &resolver, pg::JsonbArrayBuilder &result) {
		/* Per link, each entry's ids on either side, tagged with the entry. */
		std::vector<const LinkDefinition *> order;
		std::unordered_map<const LinkDefinition *, std::pair<AskedIds, AskedIds>> asked;
		pg::ForEachEntry(payload, "link_list", [&](const Json &item, std::size_t index) {
			PayloadEntry entry = ParseEntry(item, index, true);
			const LinkDefinition &link = resolver.Resolve(entry, "link_list");
			auto [left, right] = EntryIds(entry, link, IdMode::Many);
			auto [it, added] = asked.try_emplace(&link);
			if (added)
				order.push_back(&link);
			if (entry.keys.size() == 1) /* one side given: all its links */
				(entry.keys[0].module == link.left.module && entry.keys[0].key == link.left.key ? it->second.first
				                                                                                : it->second.second)
				    .alone.push_back(static_cast<int32>(index));
			for (auto [ids, side] : {std::pair{&left, &it->second.first}, std::pair{&right, &it->second.second}})
				for (auto &id : *ids) {
					side->entries.push_back(static_cast<int32>(index));
					side->ids.push_back(std::move(id));
				}
		});
		cache.LockTables(order, false);
		for (const LinkDefinition *link : order) {
			const auto &[left, right] = asked[link];
			/* Ids that are no values of their key's type are named with their entry before the
			 * list statements cast them. */
			for (const auto *side : {&left, &right}) {
				const LinkSide &key = side == &left ? link->left : link->right;
				if (link_sql::OneSpellingPerValue(key.key_type) ||
				    RunOnIds("values:" + key.key_type, "SELECT $1::text[]::" + key.key_type + "[]", side->ids))
					continue;
				throw NotAValue(*link, key, side->ids,
				                [&](std::size_t i) { return static_cast<std::size_t>(side->entries[i]); });
			}
			/* Every chunk reads the same snapshot, so a row found by two chunks has one tuple id:
			 * later chunks skip the rows earlier ones listed. */
			pg::ReadOnlyStatements one_snapshot;
			std::unordered_set<std::string> listed;
			std::size_t chunks = 0;
			PlanListChunks(left, right, static_cast<std::size_t>(settings::batch_size), [&](const ListChunk &c) {
				pg::ScratchMemory scratch;
				const bool several = ++chunks > 1 || c.Size() >= static_cast<std::size_t>(settings::batch_size);
				RunLinkStatement(*link, "link_list", as_definition ? "list-definition" : "list",
				                 link_sql::List(*link, pg::PgQuoter(), as_definition),
				                 {INT4ARRAYOID, INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, INT4ARRAYOID,
				                  TEXTARRAYOID, INT4ARRAYOID, INT4ARRAYOID, TEXTARRAYOID, BOOLOID, BOOLOID, INT4ARRAYOID,
				                  TEXTARRAYOID, INT4ARRAYOID, INT4ARRAYOID, TEXTARRAYOID},
				                 {pg::Int4Array(c.pair_left_ord), pg::Int4Array(c.pair_right_ord),
				                  pg::TextArray(c.pair_left), pg::TextArray(c.pair_right), pg::Int4Array(c.probe_entry),
				                  pg::Int4Array(c.probe_ord), pg::TextArray(c.probe_id), pg::Int4Array(c.match_entry),
				                  pg::Int4Array(c.match_ord), pg::TextArray(c.match_id), pg::Bool(with_deleted),
				                  pg::Bool(several), pg::Int4Array(c.left_alone_ord), pg::TextArray(c.left_alone_id),
				                  pg::Int4Array(c.right_alone_left_ord), pg::Int4Array(c.right_alone_ord),
				                  pg::TextArray(c.right_alone_id)},
				                 pg::Planning::Probes);
				for (uint64 i = 0; i < SPI_processed; ++i) {
					if (several && !listed.insert(pg::ResultText(i, 2).value_or("")).second)
						continue; /* listed by an earlier chunk */
					result.AppendValue(*pg::ResultValue(i, 1));
				}
			});
		}
	});
}

namespace link_module {

namespace {

/* Under row security on a deleteCascade side's table, the written active rows may name only
 * records the writer could update itself (the table's SELECT and UPDATE policies: a row lock
 * applies both): through the link its own deletes would reach them. A record hidden from it (or
 * missing) is refused. */
void
RequireVisibleRecords(const LinkDefinition &link, const LinkSide &side, const link_sql::RecordTable &table) {
	if (*pg::QueryValue("SELECT row_security_active($1::oid)::text", {std::to_string(table.oid)},
	                    "rows-written:row-security") != "true")
		return;
	const Quoter &q = pg::PgQuoter();
	auto hidden = pg::QueryValue("SELECT n.k::text FROM (SELECT DISTINCT t." + q.ident(side.key) +
	                             " AS k FROM link_module_new t WHERE t.deleted_at IS NULL) n WHERE NOT EXISTS "
	                             "(SELECT 1 FROM " + table.relation + " x WHERE x." + q.ident(table.primary_key) +
	                             " = n.k FOR KEY SHARE) LIMIT 1");
	if (hidden)
		throw Error(sqlstate::kInsufficientPrivilege,
		            "cannot write active rows of link " + Quoted(link.names.service_name) + ": record '" + *hidden +
		                "' of " + table.relation + " is not one this role may update (row security)",
		            "Side " + Quoted(side.module + "." + side.model) + " has deleteCascade: deleting the record at "
		            "the other end of such a row deletes this record, which this role could not do itself.",
		            "");
}

} // namespace

void
RequireCascadeRights(const link_cache::StoredLinks &stored, std::size_t i, bool journaled) {
	const LinkDefinition &link = stored.links[i];
	for (bool left : {true, false}) {
		const LinkSide &side = left ? link.left : link.right;
		const auto &table = left ? stored.left_tables[i] : stored.right_tables[i];
		if (!side.delete_cascade || !table || !table->oid)
			continue;
		const std::string missing = registry::MissingPrivileges(table->oid, {"DELETE", "UPDATE"});
		if (missing.empty()) {
			if (!journaled)
				RequireVisibleRecords(link, side, *table);
			else if (*pg::QueryValue("SELECT row_security_active($1::oid)::text", {std::to_string(table->oid)}) == "true")
				throw Error(sqlstate::kFeatureNotSupported,
				            "cannot write active rows of distributed link table of link " +
				                Quoted(link.names.service_name) + ": row security is active on " + table->relation,
				            "Side " + Quoted(side.module + "." + side.model) + " has deleteCascade: the records such "
				            "rows name must be ones this role may update, which link_module cannot check on the "
				            "shards.",
				            "On a Citus cluster, write links as the owner of " + table->relation + ".");
			continue;
		}
		if (!journaled && !pg::QueryValue("SELECT 1 FROM link_module_new WHERE deleted_at IS NULL LIMIT 1"))
			continue;
		throw Error(sqlstate::kInsufficientPrivilege,
		            "cannot write active rows of link " + Quoted(link.names.service_name) +
		                ": permission denied for table " + table->relation,
		            "Side " + Quoted(side.module + "." + side.model) + " has deleteCascade: deleting the record at "
		            "the other end of such a row deletes its record in " + table->relation +
		                ", which this role could not do itself (it lacks " + missing + ").",
		            "The owner of " + table->relation + " can GRANT " + missing + " ON " + table->relation + " TO " +
		                *pg::QueryValue("SELECT quote_ident(current_user)") + ".");
	}
}

} // namespace link_module

/* Statement triggers (INSERT, UPDATE) on the tables of links with a deleteCascade side. Through
 * an active link row, a delete of the record at the other end reaches the deleteCascade side's
 * record (the triggers' cascades run as its table's owner): writing one, by link_create or by
 * direct DML, takes the rights on that table such a delete would use, DELETE and UPDATE, as
 * define_link did. Dismissed rows reach nothing and are not checked. */
LM_FUNCTION(link_module_link_rows_written) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		throw Error(sqlstate::kTriggerProtocolViolated, "link_module.link_rows_written() must be called as a trigger");
	auto *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
	pg::SpiConnection spi;
	if (pg::PgCall([](TriggerData *t) { return SPI_register_trigger_data(t); }, trigger) != SPI_OK_TD_REGISTER)
		throw Error(sqlstate::kInternalError, "SPI_register_trigger_data failed");
	link_cache::Use cache;
	const link_cache::StoredLinks &stored = cache.links();
	const auto relid = link_cache::TriggerTable(stored, RelationGetRelid(trigger->tg_relation), false, trigger);
	for (std::size_t i = 0; relid && i < stored.links.size(); ++i)
		if (stored.link_table_oids[i] == *relid)
			RequireCascadeRights(stored, i, false);
	spi.Finish();
	return PointerGetDatum(nullptr);
}
