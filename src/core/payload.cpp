#include "core/payload.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "core/error.hpp"
#include "core/cpp_only.hpp"

namespace link_module {

namespace {

std::string
EntryName(std::size_t index) {
	return "links[" + std::to_string(index) + "]";
}

std::string
Sides(const LinkDefinition &link) {
	return link.left.module + "." + link.left.key + " - " + link.right.module + "." + link.right.key;
}

std::string
KeyName(const std::string &module, const std::string &key) {
	return module + "." + key;
}

/* A JSON value in a message: strings without JSON escaping noise, anything else as JSON. */
std::string
Shown(const Json &value) {
	if (!value.is_string())
		return Excerpt(value);
	const std::string &text = value.get_ref<const std::string &>();
	return "'" + (text.size() > 200 ? text.substr(0, 200) + "..." : text) + "'";
}

/* An id as given: a non-empty string, or a JSON number where the key is numeric (as link rows
 * return such keys). */
std::string
Id(const Json &value, const std::string &where, const LinkSide &side) {
	if (value.is_string() && !value.get_ref<const std::string &>().empty())
		return value.get<std::string>();
	const bool numeric = IsNumericKeyType(side.key_type);
	if (value.is_number() && numeric) {
		/* An integral float (1.0) names the integer: integer keys do not read "1.0". */
		const bool integer_key = side.key_type == "smallint" || side.key_type == "integer" || side.key_type == "bigint";
		if (integer_key && value.is_number_float()) {
			const double number = value.get<double>();
			if (number == std::floor(number) && std::fabs(number) < 9007199254740992.0)
				return std::to_string(static_cast<int64_t>(number));
		}
		return value.dump();
	}
	throw Error(sqlstate::kInvalidParameterValue,
	            where + ": " + Quoted(side.key) + " of module " + Quoted(side.module) + " must be a non-empty string id" +
	                (numeric ? " or a number" : "") + ", not " + Excerpt(value),
	            {}, value.is_number() ? "The key is " + side.key_type + ": give its ids as strings." : "");
}

/* JSON number syntax. */
bool
IsNumberText(const std::string &text) {
	std::size_t i = 0;
	auto digits = [&] {
		const std::size_t from = i;
		while (i < text.size() && text[i] >= '0' && text[i] <= '9')
			++i;
		return i > from;
	};
	if (i < text.size() && text[i] == '-')
		++i;
	if (!digits())
		return false;
	if (i < text.size() && text[i] == '.') {
		++i;
		if (!digits())
			return false;
	}
	if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
		++i;
		if (i < text.size() && (text[i] == '+' || text[i] == '-'))
			++i;
		if (!digits())
			return false;
	}
	return i == text.size();
}

Error
DataTypeError(const std::string &where, const LinkDefinition &link, const ExtraColumn &column, const Json &value,
              const char *expected) {
	return Error(sqlstate::kInvalidTextRepresentation,
	             where + ": invalid value " + Shown(value) + " for column " + Quoted(column.name) + " of link " +
	                 Quoted(link.names.service_name),
	             "Column " + Quoted(column.name) + " is " + column.type + " (" + column.sql_type + "): expected " +
	                 expected + ".");
}

void
ValidateColumnValue(const LinkDefinition &link, const ExtraColumn &column, const Json &value, const std::string &where) {
	if (value.is_null()) {
		if (!column.nullable)
			throw Error(sqlstate::kNotNullViolation,
			            where + ": column " + Quoted(column.name) + " of link " + Quoted(link.names.service_name) +
			                " cannot be null",
			            "The extra column is NOT NULL.");
		return;
	}
	const std::string &type = column.type;
	auto in_range = [&](int64_t lo, int64_t hi) {
		if (value.is_number_unsigned())
			return value.get<uint64_t>() <= static_cast<uint64_t>(hi);
		return value.is_number_integer() && value.get<int64_t>() >= lo && value.get<int64_t>() <= hi;
	};
	if (type == "json")
		return;
	if (type == "boolean") {
		if (!value.is_boolean())
			throw DataTypeError(where, link, column, value, "true or false");
	} else if (type == "integer" || type == "mediumint") {
		if (!in_range(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()))
			throw DataTypeError(where, link, column, value, "an integer from -2147483648 to 2147483647");
	} else if (type == "smallint" || type == "tinyint") {
		if (!in_range(std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()))
			throw DataTypeError(where, link, column, value, "an integer from -32768 to 32767");
	} else if (type == "bigint") {
		if (!in_range(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()))
			throw DataTypeError(where, link, column, value, "a 64-bit integer");
	} else if (type == "float" || type == "double") {
		/* A number no double holds exactly arrives as its text (pg/json_edge). */
		if (!value.is_number() && !(value.is_string() && IsNumberText(value.get_ref<const std::string &>())))
			throw DataTypeError(where, link, column, value, "a number");
	} else if (type == "decimal") {
		if (!value.is_number() && !value.is_string())
			throw DataTypeError(where, link, column, value, "a number, or a string holding one");
	} else if (type == "array" || type == "enumArray") {
		bool ok = value.is_array() && std::all_of(value.begin(), value.end(), [](const Json &v) { return v.is_string(); });
		if (!ok)
			throw DataTypeError(where, link, column, value, "an array of strings");
		if (type == "enumArray")
			for (const auto &item : value)
				if (std::find(column.items.begin(), column.items.end(), item.get<std::string>()) == column.items.end())
					throw DataTypeError(where, link, column, item, "items of the enum");
	} else {
		/* string, text, enum, uuid, date, time, datetime, blob, uint8array: text forms. */
		if (!value.is_string())
			throw DataTypeError(where, link, column, value, "a string");
		if (type == "enum" &&
		    std::find(column.items.begin(), column.items.end(), value.get<std::string>()) == column.items.end())
			throw DataTypeError(where, link, column, value, "one of its enum items");
	}
}

} // namespace

Error
NotAPayload(std::string_view function, const std::string &shown) {
	return Error(sqlstate::kInvalidParameterValue,
	             std::string(function) + " expects a link object or an array of link objects, not " + shown, {},
	             "A link is {\"<module>\": {\"<key>\": \"<id>\"}, \"<module>\": {\"<key>\": \"<id>\"}, "
	             "\"data\": {...}}.");
}

PayloadEntry
ParseEntry(const Json &item, std::size_t index, bool one_side) {
	PayloadEntry entry;
	entry.index = index;
	const std::string where = EntryName(index);
	if (!item.is_object())
		throw Error(sqlstate::kInvalidParameterValue, where + " must be a link object, not " + Excerpt(item));
	std::size_t modules = 0;
	for (const auto &member : item.items()) {
		const std::string &name = member.key();
		const Json &value = member.value();
		if (name == "data") {
			if (!value.is_object() && !value.is_null())
				throw Error(sqlstate::kInvalidParameterValue,
				            where + ": \"data\" must be an object of extra column values, not " + Excerpt(value));
			entry.data = value.is_null() ? nullptr : &value;
			continue;
		}
		if (name == "link") {
			if (!value.is_string())
				throw Error(sqlstate::kInvalidParameterValue,
				            where + ": \"link\" must be a link's entry point or service name, not " + Excerpt(value));
			entry.link = value.get<std::string>();
			continue;
		}
		++modules;
		if (!value.is_object() || value.empty())
			throw Error(sqlstate::kInvalidParameterValue,
			            where + ": module " + Quoted(name) + " must map keys to ids, not " + Excerpt(value), {},
			            "Write {\"" + name + "\": {\"<key>\": \"<id>\"}}.");
		for (const auto &key : value.items())
			entry.keys.push_back({name, key.key(), &key.value()});
	}
	if (modules > 2)
		throw Error(sqlstate::kInvalidParameterValue, "Only two modules can be linked.",
		            where + " names " + std::to_string(modules) + " modules.");
	if (entry.keys.size() != 2 && !(one_side && entry.keys.size() == 1))
		throw Error(sqlstate::kInvalidParameterValue,
		            where + " gives " + std::to_string(entry.keys.size()) + " key(s); a link needs two", {},
		            one_side ? "Give one key per module, or one key alone to list every link of its records."
		                     : "Give one key per module, or both keys of a link between two models of one module.");
	return entry;
}

std::vector<PayloadEntry>
ParsePayload(const Json &payload, std::string_view function) {
	if (payload.is_object())
		return {ParseEntry(payload, 0)};
	if (!payload.is_array())
		throw NotAPayload(function, Excerpt(payload));
	std::vector<PayloadEntry> entries;
	entries.reserve(payload.size());
	std::size_t index = 0;
	for (const auto &item : payload)
		entries.push_back(ParseEntry(item, index++));
	return entries;
}

LinkResolver::LinkResolver(const std::vector<LinkDefinition> &links) : links_(links) {
	for (std::size_t i = 0; i < links.size(); ++i) {
		if (links[i].read_only)
			continue;
		auto a = KeyName(links[i].left.module, links[i].left.key);
		auto b = KeyName(links[i].right.module, links[i].right.key);
		by_keys_[std::min(a, b) + "\x1f" + std::max(a, b)].push_back(i);
	}
}

const LinkDefinition &
LinkResolver::Resolve(const PayloadEntry &entry, std::string_view function) const {
	const std::string where = EntryName(entry.index);
	if (entry.keys.size() == 1) {
		const auto &[module, key, value] = entry.keys[0];
		std::vector<std::size_t> candidates;
		std::string using_key;
		for (std::size_t i = 0; i < links_.size(); ++i) {
			const LinkDefinition &link = links_[i];
			const bool uses = !link.read_only && ((link.left.module == module && link.left.key == key) ||
			                                      (link.right.module == module && link.right.key == key));
			if (!uses)
				continue;
			using_key += (using_key.empty() ? "" : ", ") + link.names.entry_point;
			if (!entry.link || link.names.entry_point == *entry.link || link.names.service_name == *entry.link)
				candidates.push_back(i);
		}
		if (candidates.size() == 1)
			return links_[candidates[0]];
		const std::string given = Quoted(KeyName(module, key)) + (entry.link ? " named " + Quoted(*entry.link) : "");
		if (candidates.empty())
			throw Error(sqlstate::kUndefinedObject, where + ": no link uses " + given,
			            using_key.empty() ? "No link uses " + Quoted(KeyName(module, key)) + "."
			                              : "Links using it (entry points): " + using_key + ".",
			            "Check the module and key names given to " + std::string(function) + ".");
		throw Error(sqlstate::kInvalidParameterValue, where + ": several links use " + given,
		            "Candidates (entry points): " + using_key + ".",
		            "Add \"link\": \"<entry point>\" to the link object to choose one.");
	}
	auto a = KeyName(entry.keys[0].module, entry.keys[0].key);
	auto b = KeyName(entry.keys[1].module, entry.keys[1].key);
	auto found = by_keys_.find(std::min(a, b) + "\x1f" + std::max(a, b));

	std::vector<std::size_t> candidates;
	if (found != by_keys_.end())
		for (auto i : found->second)
			if (!entry.link || links_[i].names.entry_point == *entry.link || links_[i].names.service_name == *entry.link)
				candidates.push_back(i);
	if (candidates.size() == 1)
		return links_[candidates[0]];

	if (candidates.empty()) {
		/* Name what was given and the links that do exist between these modules. */
		std::string known;
		const std::string &ma = entry.keys[0].module;
		const std::string &mb = entry.keys[1].module;
		for (const auto &link : links_) {
			bool between = (link.left.module == ma && link.right.module == mb) ||
			               (link.left.module == mb && link.right.module == ma);
			if (between && !link.read_only)
				known += (known.empty() ? "" : "; ") + link.names.service_name + " (" + Sides(link) + ")";
		}
		std::string given = Quoted(a) + " and " + Quoted(b) + (entry.link ? " named " + Quoted(*entry.link) : "");
		throw Error(sqlstate::kUndefinedObject, where + ": no link between " + given,
		            known.empty() ? "No link is defined between modules " + Quoted(ma) + " and " + Quoted(mb) + "."
		                          : "Links between these modules: " + known + ".",
		            "Define it with define_link(), or check the module and key names given to " + std::string(function) +
		                ".");
	}
	std::string names;
	for (auto i : candidates)
		names += (names.empty() ? "" : ", ") + links_[i].names.entry_point;
	throw Error(sqlstate::kInvalidParameterValue, where + ": several links join " + Quoted(a) + " and " + Quoted(b),
	            "Candidates (entry points): " + names + ".",
	            "Add \"link\": \"<entry point>\" to the link object to choose one.");
}

std::pair<std::vector<std::string>, std::vector<std::string>>
EntryIds(const PayloadEntry &entry, const LinkDefinition &link, IdMode mode) {
	const std::string where = EntryName(entry.index);
	std::vector<std::string> left;
	std::vector<std::string> right;
	for (const auto &key : entry.keys) {
		bool is_left = key.module == link.left.module && key.key == link.left.key;
		auto &ids = is_left ? left : right;
		const LinkSide &side = is_left ? link.left : link.right;
		const Json &value = *key.value;
		if (mode == IdMode::Many && value.is_array()) {
			/* An empty array asks for nothing (as Medusa's list). */
			InterruptTicker ticker;
			ids.reserve(value.size());
			for (const auto &item : value) {
				ticker.Tick();
				ids.push_back(Id(item, where, side));
			}
		} else {
			ids.push_back(Id(value, where, side));
		}
	}
	return {left, right};
}

void
ValidateData(const LinkDefinition &link, const Json &data, std::size_t index) {
	const std::string where = EntryName(index);
	for (const auto &member : data.items()) {
		if (member.key() == "id") {
			if (!member.value().is_string() || member.value().get<std::string>().empty())
				throw Error(sqlstate::kInvalidParameterValue,
				            where + ": data.id must be a non-empty string, not " + Excerpt(member.value()));
			continue;
		}
		const ExtraColumn *column = link.FindColumn(member.key());
		if (!column) {
			std::string columns;
			for (const auto &c : link.extra_columns)
				columns += (columns.empty() ? "" : ", ") + c.name;
			throw Error(sqlstate::kUndefinedColumn,
			            where + ": " + Quoted(member.key()) + " is not an extra column of link " +
			                Quoted(link.names.service_name),
			            columns.empty() ? "The link has no extra columns." : "Its extra columns are: " + columns + ".",
			            "data may set \"id\" and the link's extra columns.");
		}
		ValidateColumnValue(link, *column, member.value(), where);
	}
}

BatchBuilder::BatchBuilder(const LinkResolver &resolver, std::string function, bool data_allowed)
    : resolver_(resolver), function_(std::move(function)), data_allowed_(data_allowed) {}

void
BatchBuilder::Add(const PayloadEntry &entry) {
	const LinkDefinition &link = resolver_.Resolve(entry, function_);
	auto ids = EntryIds(entry, link, IdMode::Single);
	const Json *data = data_allowed_ ? entry.data : nullptr;
	if (data)
		ValidateData(link, *data, entry.index);

	auto [it, added] = batch_of_.emplace(&link, batches_.size());
	if (added) {
		batches_.push_back({&link, {}});
		row_of_.emplace_back();
	}
	LinkBatch &batch = batches_[it->second];
	auto [row, new_pair] = row_of_[it->second].FindOrAdd(batch.rows, ids.first[0], ids.second[0]);
	if (new_pair)
		batch.rows.push_back({entry.index, std::move(ids.first[0]), std::move(ids.second[0]), {}, std::nullopt});
	/* The same pair again is the same link; its data objects are merged later, in order. */
	if (data)
		batch.rows[row].data_entries.push_back(entry.index);
}

std::size_t
PairIndex::Hash(const std::string &left, const std::string &right) {
	const std::size_t h = std::hash<std::string>()(left);
	return h ^ (std::hash<std::string>()(right) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

std::pair<std::size_t, bool>
PairIndex::FindOrAdd(const std::vector<LinkRow> &rows, const std::string &left,
                                   const std::string &right) {
	if (2 * (rows.size() + 1) > slots_.size()) {
		if (rows.size() >= UINT32_MAX - 1)
			throw Error(sqlstate::kProgramLimitExceeded, "too many links in one call", {},
			            "Split the call into several smaller ones.");
		/* Rebuilt twice as large from the rows: amortized linear. */
		std::size_t size = 16;
		while (size < 4 * (rows.size() + 1))
			size *= 2;
		std::vector<uint32_t> slots(size, 0);
		const std::size_t mask = slots.size() - 1;
		for (std::size_t r = 0; r < rows.size(); ++r) {
			std::size_t at = Hash(rows[r].left, rows[r].right) & mask;
			while (slots[at])
				at = (at + 1) & mask;
			slots[at] = static_cast<uint32_t>(r + 1);
		}
		slots_.swap(slots);
	}
	const std::size_t mask = slots_.size() - 1;
	std::size_t at = Hash(left, right) & mask;
	for (; slots_[at]; at = (at + 1) & mask) {
		const LinkRow &row = rows[slots_[at] - 1];
		if (row.left == left && row.right == right)
			return {slots_[at] - 1, false};
	}
	slots_[at] = static_cast<uint32_t>(rows.size() + 1);
	return {rows.size(), true};
}

void
MergeSpellings(LinkBatch &batch, const std::unordered_map<std::string, std::string> &left,
               const std::unordered_map<std::string, std::string> &right) {
	auto respell = [](std::string &id, const std::unordered_map<std::string, std::string> &spelling) {
		auto found = spelling.find(id);
		if (found != spelling.end())
			id = found->second;
	};
	std::vector<LinkRow> rows;
	rows.reserve(batch.rows.size());
	PairIndex index;
	InterruptTicker ticker;
	for (auto &row : batch.rows) {
		ticker.Tick();
		respell(row.left, left);
		respell(row.right, right);
		auto [at, added] = index.FindOrAdd(rows, row.left, row.right);
		if (added) {
			rows.push_back(std::move(row));
			continue;
		}
		/* Both lists are in payload order; so is their merge. */
		std::vector<std::size_t> &entries = rows[at].data_entries;
		std::vector<std::size_t> merged(entries.size() + row.data_entries.size());
		std::merge(entries.begin(), entries.end(), row.data_entries.begin(), row.data_entries.end(), merged.begin());
		entries = std::move(merged);
	}
	batch.rows = std::move(rows);
}

std::vector<LinkBatch>
BatchBuilder::Finish() {
	return std::move(batches_);
}

std::vector<LinkBatch>
BuildBatches(const std::vector<PayloadEntry> &entries, const LinkResolver &resolver, std::string_view function,
             bool data_allowed) {
	BatchBuilder builder(resolver, std::string(function), data_allowed);
	for (const auto &entry : entries)
		builder.Add(entry);
	return builder.Finish();
}

std::string
CardinalityMessage(const LinkDefinition &link) {
	return "Cannot create multiple links between '" + link.left.module + "' and '" + link.right.module + "'";
}

void
CheckBatchCardinality(const LinkBatch &batch) {
	const LinkDefinition &link = *batch.link;
	auto check = [&](bool unique, auto key_of, auto partner_of, const LinkSide &side, const LinkSide &other) {
		if (!unique)
			return;
		std::unordered_map<std::string, const LinkRow *> seen;
		for (const auto &row : batch.rows) {
			auto [it, added] = seen.emplace(key_of(row), &row);
			if (added)
				continue;
			throw Error(sqlstate::kUniqueViolation, CardinalityMessage(link),
			            EntryName(it->second->index) + " and " + EntryName(row.index) + " give " + Quoted(side.key) +
			                " '" + key_of(row) + "' two partners: " + Quoted(other.key) + " '" +
			                partner_of(*it->second) + "' and '" + partner_of(row) + "'.",
			            "Each " + Quoted(side.key) + " may have one active link, unless " + Quoted(other.alias) +
			                " has isList.");
		}
	};
	check(link.LeftKeyUnique(), [](const LinkRow &r) { return r.left; }, [](const LinkRow &r) { return r.right; },
	      link.left, link.right);
	check(link.RightKeyUnique(), [](const LinkRow &r) { return r.right; }, [](const LinkRow &r) { return r.left; },
	      link.right, link.left);
}

std::vector<std::string>
EventPayloads(const std::string &event, const std::vector<std::string> &ids, std::size_t max_bytes) {
	return EventPayloads(event, ids, nullptr, max_bytes);
}

std::vector<std::string>
EventPayloads(const std::string &event, const std::vector<std::string> &ids, const EventKeys *keys,
              std::size_t max_bytes) {
	const std::string head = "{\"event\": " + Json(event).dump() + ", \"ids\": [";
	/* Between the ids and each key's array, and after the last: the parts around the lists. */
	const std::string left_head = keys ? "], \"links\": {" + Json(keys->left_key).dump() + ": [" : "";
	const std::string right_head = keys ? "], " + Json(keys->right_key).dump() + ": [" : "";
	const std::string tail = keys ? "]}}" : "]}";
	const std::size_t frame = head.size() + left_head.size() + right_head.size() + tail.size();
	std::vector<std::string> payloads;
	std::string lists[3]; /* ids, left keys, right keys of the current payload */
	auto flush = [&] {
		payloads.push_back(keys ? head + lists[0] + left_head + lists[1] + right_head + lists[2] + tail
		                        : head + lists[0] + tail);
		for (auto &list : lists)
			list.clear();
	};
	InterruptTicker ticker;
	for (std::size_t i = 0; i < ids.size(); ++i) {
		ticker.Tick();
		std::string items[3] = {Json(ids[i]).dump(), keys ? Json(keys->left.at(i)).dump() : "",
		                        keys ? Json(keys->right.at(i)).dump() : ""};
		const std::size_t added = items[0].size() + items[1].size() + items[2].size();
		const std::size_t separators = keys ? 6 : 2;
		if (!lists[0].empty() &&
		    frame + lists[0].size() + lists[1].size() + lists[2].size() + separators + added > max_bytes)
			flush();
		if (frame + added > max_bytes)
			throw Error(sqlstate::kInvalidParameterValue, "link id " + Quoted(ids[i]) + " is too long for a notification");
		for (int part = 0; part < (keys ? 3 : 1); ++part)
			lists[part] += (lists[part].empty() ? "" : ", ") + items[part];
	}
	if (!lists[0].empty())
		flush();
	return payloads;
}

LinkIdGenerator::LinkIdGenerator(uint64_t unix_ms, const uint8_t random[10]) {
	for (int i = 0; i < 6; ++i)
		bytes_[i] = static_cast<uint8_t>(unix_ms >> (8 * (5 - i)));
	for (int i = 0; i < 10; ++i)
		bytes_[6 + i] = random[i];
}

std::string
LinkIdGenerator::Next(const std::string &prefix) {
	static const char *alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	/* 26 characters of 5 bits over the 128-bit value, read as 130 bits with two leading zeros. */
	std::string id = prefix + "_";
	for (int c = 0; c < 26; ++c) {
		int bit = c * 5 - 2; /* first bit of this character within the 128 bits */
		int value = 0;
		for (int b = 0; b < 5; ++b) {
			int pos = bit + b;
			int v = pos < 0 ? 0 : (bytes_[pos / 8] >> (7 - pos % 8)) & 1;
			value = (value << 1) | v;
		}
		id += alphabet[value];
	}
	/* Monotonic: the next id of this call is one larger in its random part. */
	for (int i = 15; i >= 6; --i)
		if (++bytes_[i] != 0)
			break;
	return id;
}

} // namespace link_module
