/* link_list's work, planned in chunks. An entry asks for every pair of its left and right ids
 * (or, given one side alone, for every row of its ids).
 * Where one side has few ids the pairs are formed, and each is one primary-key probe: a record
 * with many links costs nothing more. Where both sides have many, forming the pairs would cost
 * their product: the left ids probe by key instead, and the rows found are joined to the
 * entry's right ids. */
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace link_module {

/* The ids one side of a link's entries asked for, in payload order, each with its entry. */
struct AskedIds {
	std::vector<int32_t> entries; /* ascending */
	std::vector<std::string> ids;
	std::vector<int32_t> alone;   /* ascending: entries that gave this side only (all its links) */
};

/* One statement's share. Ordinals are positions in the AskedIds, so rows sort by where their
 * ids were first asked (a right id given alone sorts with the left position its entry would
 * have). */
struct ListChunk {
	std::vector<int32_t> pair_left_ord, pair_right_ord;
	std::vector<std::string> pair_left, pair_right;
	std::vector<int32_t> probe_entry, probe_ord; /* left ids that probe */
	std::vector<std::string> probe_id;
	std::vector<int32_t> match_entry, match_ord; /* right ids the probed rows must match */
	std::vector<std::string> match_id;
	std::vector<int32_t> left_alone_ord; /* left ids given alone: all their rows */
	std::vector<std::string> left_alone_id;
	std::vector<int32_t> right_alone_left_ord, right_alone_ord; /* right ids given alone */
	std::vector<std::string> right_alone_id;

	std::size_t Size() const {
		return pair_left.size() + probe_id.size() + match_id.size() + left_alone_id.size() + right_alone_id.size();
	}
};

/* Entries whose smaller side has at most this many ids get their pairs formed. */
constexpr std::size_t kPairedSideMax = 16;

/* Calls `run` with chunks of about `batch` rows (at least one each), in payload order. */
void PlanListChunks(const AskedIds &left, const AskedIds &right, std::size_t batch,
                    const std::function<void(const ListChunk &)> &run);

} // namespace link_module
