#include "core/list_chunks.hpp"

#include <algorithm>

#include "core/json.hpp"

namespace link_module {

void
PlanListChunks(const AskedIds &left, const AskedIds &right, std::size_t batch,
               const std::function<void(const ListChunk &)> &run) {
	batch = std::max<std::size_t>(batch, 1);
	ListChunk chunk;
	auto flush = [&](bool at_least) {
		if (chunk.Size() >= (at_least ? batch : 1)) {
			run(chunk);
			chunk = ListChunk();
		}
	};
	InterruptTicker ticker;
	auto alone = [](const AskedIds &side, int32_t entry) {
		return std::binary_search(side.alone.begin(), side.alone.end(), entry);
	};
	std::size_t lb = 0, rb = 0;
	while (lb < left.ids.size() || rb < right.ids.size()) {
		/* the next entry, and its ids on either side */
		const int32_t entry = lb == left.ids.size()    ? right.entries[rb]
		                      : rb == right.ids.size() ? left.entries[lb]
		                                               : std::min(left.entries[lb], right.entries[rb]);
		std::size_t le = lb, re = rb;
		while (le < left.ids.size() && left.entries[le] == entry)
			++le;
		while (re < right.ids.size() && right.entries[re] == entry)
			++re;
		if (lb == le || rb == re) {
			for (std::size_t i = lb; i < le && alone(left, entry); ++i) {
				ticker.Tick();
				chunk.left_alone_ord.push_back(static_cast<int32_t>(i));
				chunk.left_alone_id.push_back(left.ids[i]);
				flush(true);
			}
			for (std::size_t j = rb; j < re && alone(right, entry); ++j) {
				ticker.Tick();
				chunk.right_alone_left_ord.push_back(static_cast<int32_t>(lb));
				chunk.right_alone_ord.push_back(static_cast<int32_t>(j));
				chunk.right_alone_id.push_back(right.ids[j]);
				flush(true);
			}
			lb = le;
			rb = re;
			continue;
		}
		if (std::min(le - lb, re - rb) <= kPairedSideMax) {
			for (std::size_t i = lb; i < le; ++i)
				for (std::size_t j = rb; j < re; ++j) {
					ticker.Tick();
					chunk.pair_left_ord.push_back(static_cast<int32_t>(i));
					chunk.pair_right_ord.push_back(static_cast<int32_t>(j));
					chunk.pair_left.push_back(left.ids[i]);
					chunk.pair_right.push_back(right.ids[j]);
					flush(true);
				}
		} else {
			/* Left ids in slices of the batch, each with all the entry's right ids. */
			for (std::size_t from = lb; from < le; from += batch) {
				const std::size_t to = std::min(le, from + batch);
				for (std::size_t i = from; i < to; ++i) {
					ticker.Tick();
					chunk.probe_entry.push_back(entry);
					chunk.probe_ord.push_back(static_cast<int32_t>(i));
					chunk.probe_id.push_back(left.ids[i]);
				}
				for (std::size_t j = rb; j < re; ++j) {
					ticker.Tick();
					chunk.match_entry.push_back(entry);
					chunk.match_ord.push_back(static_cast<int32_t>(j));
					chunk.match_id.push_back(right.ids[j]);
				}
				flush(true);
			}
		}
		lb = le;
		rb = re;
	}
	flush(false);
}

} // namespace link_module
