/* link_delete and link_restore: their input ({"<module>": {"<key>": [ids]}}) and their result
 * map (link rows by service name and key, records by module and key). */
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/definition.hpp"

namespace link_module {

/* The ids of one module key, as given. */
struct RecordIds {
	std::string module;
	std::string key;
	std::vector<std::string> ids;
	bool numbers = false; /* some ids were JSON numbers (allowed where the key is numeric) */
};

/* {"<module>": {"<key>": ["id", ...] | "id"}}; empty id arrays are allowed (nothing to do). Ids
 * are non-empty strings or JSON numbers. */
std::vector<RecordIds> ParseRecords(const Json &records, std::string_view function);

/* What a cascade removed or restored:
 * {"<serviceName>": {"<keyA>": [...], "<keyB>": [...]}, "<module>": {"<key>": [...]}}.
 * Link rows are listed one entry per row (both arrays aligned); records once each. */
class CascadeResult {
public:
	/* With `once`, a row (pair) already listed is not listed again. */
	void AddLinkRows(const LinkDefinition &link, const std::vector<std::string> &left,
	                 const std::vector<std::string> &right, bool once = false);
	/* Takes back rows listed before (a restore that had to dismiss them again). */
	void RemoveLinkRows(const LinkDefinition &link, const std::vector<std::string> &left,
	                    const std::vector<std::string> &right);
	void AddRecords(const std::string &module, const std::string &key, const std::vector<std::string> &ids);
	bool Empty() const { return link_rows_.empty() && records_.empty(); }
	/* This result's records added to `json` (another result's ToJson()), listed first. */
	Json Merge(Json json) const;
	Json ToJson() const;

private:
	struct Rows {
		std::string left_key, right_key;
		std::vector<std::string> left, right;
		std::set<std::pair<std::string, std::string>> pairs;
	};
	std::vector<std::string> link_order_;
	std::map<std::string, Rows> link_rows_;
	std::vector<std::pair<std::string, std::string>> record_order_;
	std::map<std::pair<std::string, std::string>, std::pair<std::vector<std::string>, std::set<std::string>>> records_;
};

} // namespace link_module
