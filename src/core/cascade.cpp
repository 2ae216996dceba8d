#include "core/cascade.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/cpp_only.hpp"

namespace link_module {

std::vector<RecordIds>
ParseRecords(const Json &records, std::string_view function) {
	const std::string fn(function);
	if (!records.is_object())
		throw Error(sqlstate::kInvalidParameterValue, fn + " expects {\"<module>\": {\"<key>\": [ids]}}, not " + Excerpt(records));
	std::vector<RecordIds> out;
	for (const auto &module : records.items()) {
		if (!module.value().is_object())
			throw Error(sqlstate::kInvalidParameterValue,
			            fn + ": module " + Quoted(module.key()) + " must map keys to ids, not " + Excerpt(module.value()),
			            {}, "Write {\"" + module.key() + "\": {\"<key>\": [\"<id>\", ...]}}.");
		for (const auto &key : module.value().items()) {
			RecordIds entry{module.key(), key.key(), {}};
			const Json &value = key.value();
			InterruptTicker ticker;
			auto take = [&](const Json &id) {
				ticker.Tick();
				if (id.is_number()) {
					entry.numbers = true;
					entry.ids.push_back(id.dump());
					return;
				}
				if (!id.is_string() || id.get<std::string>().empty())
					throw Error(sqlstate::kInvalidParameterValue,
					            fn + ": ids of " + Quoted(module.key() + "." + key.key()) +
					                " must be non-empty strings or numbers, not " + Excerpt(id));
				entry.ids.push_back(id.get<std::string>());
			};
			if (value.is_array())
				for (const auto &id : value)
					take(id);
			else
				take(value);
			out.push_back(std::move(entry));
		}
	}
	return out;
}

void
CascadeResult::AddLinkRows(const LinkDefinition &link, const std::vector<std::string> &left,
                           const std::vector<std::string> &right, bool once) {
	if (left.empty())
		return;
	auto [it, added] = link_rows_.try_emplace(link.names.service_name);
	if (added) {
		link_order_.push_back(link.names.service_name);
		it->second.left_key = link.left.key;
		it->second.right_key = link.right.key;
	}
	Rows &rows = it->second;
	for (std::size_t i = 0; i < left.size() && i < right.size(); ++i) {
		if (once && !rows.pairs.emplace(left[i], right[i]).second)
			continue;
		rows.left.push_back(left[i]);
		rows.right.push_back(right[i]);
	}
}

void
CascadeResult::RemoveLinkRows(const LinkDefinition &link, const std::vector<std::string> &left,
                              const std::vector<std::string> &right) {
	auto it = link_rows_.find(link.names.service_name);
	if (it == link_rows_.end())
		return;
	std::set<std::pair<std::string, std::string>> gone;
	for (std::size_t i = 0; i < left.size() && i < right.size(); ++i)
		gone.emplace(left[i], right[i]);
	Rows &rows = it->second;
	Rows kept{rows.left_key, rows.right_key, {}, {}, {}};
	for (std::size_t i = 0; i < rows.left.size(); ++i)
		if (!gone.count({rows.left[i], rows.right[i]})) {
			kept.left.push_back(rows.left[i]);
			kept.right.push_back(rows.right[i]);
			kept.pairs.emplace(rows.left[i], rows.right[i]);
		}
	if (kept.left.empty()) {
		link_rows_.erase(it);
		link_order_.erase(std::find(link_order_.begin(), link_order_.end(), link.names.service_name));
	} else {
		rows = std::move(kept);
	}
}

void
CascadeResult::AddRecords(const std::string &module, const std::string &key, const std::vector<std::string> &ids) {
	if (ids.empty())
		return;
	auto name = std::make_pair(module, key);
	auto [it, added] = records_.try_emplace(name);
	if (added)
		record_order_.push_back(name);
	for (const auto &id : ids)
		if (it->second.second.insert(id).second)
			it->second.first.push_back(id);
}

Json
CascadeResult::Merge(Json json) const {
	for (const auto &name : record_order_) {
		Json &ids = json[name.first][name.second];
		const auto &[first, mine] = records_.at(name);
		Json merged = first; /* this result's ids first, then the others */
		for (const auto &id : ids)
			if (!mine.count(id.get<std::string>()))
				merged.push_back(id);
		ids = std::move(merged);
	}
	return json;
}

Json
CascadeResult::ToJson() const {
	Json json = Json::object();
	for (const auto &service : link_order_) {
		const Rows &rows = link_rows_.at(service);
		if (rows.left_key == rows.right_key)
			json[service] = {{rows.left_key, rows.left}};
		else
			json[service] = {{rows.left_key, rows.left}, {rows.right_key, rows.right}};
	}
	for (const auto &name : record_order_) {
		Json &module = json[name.first];
		if (!module.is_object())
			module = Json::object();
		module[name.second] = records_.at(name).first;
	}
	return json;
}

} // namespace link_module
