#include "core/naming.hpp"

#include <cctype>
#include <cstdint>
#include <regex>
#include <set>
#include <vector>

#include "core/cpp_only.hpp"

namespace link_module::naming {

namespace {

/* Decodes UTF-8 into UTF-16 code units, the units JavaScript's charCodeAt sees. Invalid
 * bytes count as one unit each (PostgreSQL text is valid UTF-8, so this is a fallback). */
std::vector<uint16_t>
Utf16Units(std::string_view text) {
	std::vector<uint16_t> units;
	units.reserve(text.size());
	for (std::size_t i = 0; i < text.size();) {
		auto byte = static_cast<unsigned char>(text[i]);
		std::size_t len = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
		uint32_t cp = byte;
		if (len > 1 && i + len <= text.size()) {
			cp = byte & (0xFF >> (len + 1));
			for (std::size_t k = 1; k < len; ++k)
				cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
		} else {
			len = 1;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			units.push_back(static_cast<uint16_t>(0xD800 + (cp >> 10)));
			units.push_back(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
		} else {
			units.push_back(static_cast<uint16_t>(cp));
		}
		i += len;
	}
	return units;
}

std::vector<std::string>
Split(std::string_view text, char sep) {
	std::vector<std::string> parts;
	std::size_t start = 0;
	for (;;) {
		auto pos = text.find(sep, start);
		parts.emplace_back(text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
		if (pos == std::string_view::npos)
			return parts;
		start = pos + 1;
	}
}

std::string
Join(const std::vector<std::string> &parts, std::string_view sep) {
	std::string out;
	for (std::size_t i = 0; i < parts.size(); ++i) {
		if (i)
			out += sep;
		out += parts[i];
	}
	return out;
}

bool
EndsWithIgnoreCase(std::string_view text, std::string_view suffix) {
	if (text.size() < suffix.size())
		return false;
	auto tail = text.substr(text.size() - suffix.size());
	for (std::size_t i = 0; i < suffix.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(tail[i])) != std::tolower(static_cast<unsigned char>(suffix[i])))
			return false;
	return true;
}

/* JavaScript's String.length: UTF-16 units. Identifiers are ASCII, so this equals bytes there. */
std::size_t
JsLength(std::string_view text) {
	return Utf16Units(text).size();
}

} // namespace

std::string
SimpleHash(std::string_view text) {
	int64_t h = 5381;
	for (uint16_t c : Utf16Units(text)) {
		/* (h << 5) in JavaScript: ToInt32(h), then a 32-bit shift; the additions are exact. */
		auto low = static_cast<uint32_t>(static_cast<uint64_t>(h));
		auto shifted = static_cast<int32_t>(low << 5);
		h = static_cast<int64_t>(shifted) + h + c;
	}
	static const char *digits = "0123456789abcdef";
	uint64_t magnitude = h < 0 ? static_cast<uint64_t>(-h) : static_cast<uint64_t>(h);
	std::string hex;
	do {
		hex.insert(hex.begin(), digits[magnitude % 16]);
		magnitude /= 16;
	} while (magnitude);
	return h < 0 ? "-" + hex : hex;
}

std::string
ToLower(std::string_view text) {
	std::string out(text);
	for (auto &ch : out)
		ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
	return out;
}

std::string
CamelToSnakeCase(std::string_view text) {
	std::string out;
	for (std::size_t i = 0; i < text.size(); ++i) {
		out += text[i];
		if (i + 1 < text.size() && std::islower(static_cast<unsigned char>(text[i])) &&
		    std::isupper(static_cast<unsigned char>(text[i + 1])))
			out += '_';
	}
	return ToLower(out);
}

std::string
CompressName(std::string_view name, std::size_t limit) {
	if (JsLength(name) <= limit)
		return ToLower(name);

	std::string hash = ToLower(SimpleHash(name));

	/* Drop each part equal to the one right before it ("product_product" -> "product"). */
	auto parts = Split(ToLower(name), '_');
	std::vector<std::string> kept;
	for (std::size_t i = 0; i < parts.size(); ++i)
		if (i == 0 || parts[i] != parts[i - 1])
			kept.push_back(parts[i]);
	std::string result = Join(kept, "_");

	/* Still too long: the first four characters of every snake_case part. */
	if (JsLength(result) > limit) {
		std::vector<std::string> shortened;
		for (const auto &part : Split(CamelToSnakeCase(name), '_'))
			shortened.push_back(part.substr(0, 4));
		result = Join(shortened, "_");
	}

	if (result.size() + hash.size() > limit)
		return result.substr(0, limit > hash.size() ? limit - hash.size() : 0) + hash;
	return result + hash;
}

std::string
StripIdOrService(std::string_view part) {
	if (EndsWithIgnoreCase(part, "_id"))
		return std::string(part.substr(0, part.size() - 3));
	if (EndsWithIgnoreCase(part, "Service"))
		return std::string(part.substr(0, part.size() - 7));
	return std::string(part);
}

std::string
ComposeTableName(std::initializer_list<std::string_view> parts) {
	std::vector<std::string> stripped;
	for (auto part : parts)
		stripped.push_back(StripIdOrService(part));
	return Join(stripped, "_");
}

std::string
ToPascalCase(std::string_view text) {
	/* JavaScript: s.replace(/(^\w|_\w)/g, m => m.replace(/_/g, "").toUpperCase()). */
	auto is_word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
	auto upper = [](char ch) { return static_cast<char>(std::toupper(static_cast<unsigned char>(ch))); };
	std::string out;
	std::size_t i = 0;
	if (!text.empty() && is_word(text[0])) {
		if (text[0] != '_')
			out += upper(text[0]);
		i = 1;
	}
	for (; i < text.size(); ++i) {
		if (text[i] == '_' && i + 1 < text.size() && is_word(text[i + 1])) {
			out += text[i + 1] == '_' ? std::string() : std::string(1, upper(text[i + 1]));
			++i;
		} else {
			out += text[i];
		}
	}
	return out;
}

LinkNames
ComposeLinkNames(const NameSide &left, const NameSide &right, std::string_view custom_table) {
	LinkNames names;
	std::string service = ToPascalCase(ComposeTableName({left.module, left.alias, right.module, right.alias, "link"}));
	if (!service.empty())
		service[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(service[0])));
	names.service_name = service;
	names.entry_point = std::string(left.alias) + "_" + std::string(right.alias);
	names.entity = ToPascalCase("Link_" + std::string(left.module) + "_" + std::string(left.alias) + "_" +
	                            std::string(right.module) + "_" + std::string(right.alias));
	names.logical_table = custom_table.empty()
	                          ? ToLower(ComposeTableName({left.module, left.key, right.module, right.key}))
	                          : std::string(custom_table);
	names.table = CompressName(names.logical_table);
	names.hash = SimpleHash(names.logical_table);
	return names;
}

std::string
TruncateIdentifier(std::string name) {
	if (name.size() > kMaxIdentifierLength)
		name.resize(kMaxIdentifierLength);
	return name;
}

bool
IsValidIdentifier(std::string_view name) {
	if (name.empty() || name.size() > kMaxIdentifierLength)
		return false;
	auto first = static_cast<unsigned char>(name[0]);
	if (!(std::isalpha(first) || first == '_'))
		return false;
	for (char ch : name)
		if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'))
			return false;
	return true;
}

std::string
Pluralize(std::string_view word) {
	const std::string lower = ToLower(word);
	/* Words with no plural, matched as the whole string only. */
	static const std::set<std::string> kUncountable = {
	    "equipment", "information", "rice", "money", "species", "series", "fish", "sheep", "deer", "news",
	    "moose", "swine", "bison", "aircraft", "metadata", "data", "media", "feedback", "software", "traffic"};
	if (kUncountable.count(lower))
		return std::string(word);
	/* Irregular words, whole string; their plurals stay as they are. */
	static const std::vector<std::pair<std::string, std::string>> kIrregular = {
	    {"person", "people"}, {"child", "children"}, {"man", "men"},   {"woman", "women"}, {"tooth", "teeth"},
	    {"foot", "feet"},     {"goose", "geese"},    {"mouse", "mice"}, {"ox", "oxen"},     {"die", "dice"}};
	for (const auto &[singular, plural] : kIrregular)
		if (lower == singular || lower == plural)
			return plural;
	/* Suffix rules, the first that matches wins. */
	static const std::vector<std::pair<std::regex, std::string>> kRules = [] {
		std::vector<std::pair<std::regex, std::string>> rules;
		for (const auto &[pattern, replacement] : std::vector<std::pair<const char *, const char *>>{
		         {"(pe)(?:rson|ople)$", "$1ople"},
		         {"(child)(?:ren)?$", "$1ren"},
		         {"([^aeiouy]|qu)y$", "$1ies"},
		         {"(x|ch|ss|sh|zz)$", "$1es"},
		         {"sis$", "ses"},
		         {"(kni|wi|li)fe$", "$1ves"},
		         {"(ar|l|ea|eo|oa|hoo)f$", "$1ves"},
		         {"(alias|[^aou]us|t[lm]as|gas|ris)$", "$1es"},
		         {"([^l]ias|[aeiou]las|[ejzr]as|[iu]am)$", "$1"},
		         {"s$", "s"},
		         {"$", "s"}})
			rules.emplace_back(std::regex(pattern, std::regex::icase), replacement);
		return rules;
	}();
	const std::string text(word);
	for (const auto &[rule, replacement] : kRules)
		if (std::regex_search(text, rule))
			return std::regex_replace(text, rule, replacement, std::regex_constants::format_first_only);
	return text + "s";
}

} // namespace link_module::naming
