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
	std::size_t lb = 0, rb = 0;
	while (lb < left.ids.size() && rb < right.ids.size()) {
		/* the next entry with ids on both sides */
		const int32_t entry = std::max(left.entries[lb], right.entries[rb]);
		while (lb < left.ids.size() && left.entries[lb] < entry)
			++lb;
		while (rb < right.ids.size() && right.entries[rb] < entry)
			++rb;
		if (lb == left.ids.size() || rb == right.ids.size() || left.entries[lb] != entry || right.entries[rb] != entry)
			continue;
		std::size_t le = lb, re = rb;
		while (le < left.ids.size() && left.entries[le] == entry)
			++le;
		while (re < right.ids.size() && right.entries[re] == entry)
			++re;
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
