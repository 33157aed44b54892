#include "merge/merge_policy.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace loupe::merge {

std::vector<std::vector<size_t>> FindMerges(const std::vector<SegmentSize>& segments,
                                            const MergePolicyOptions& options) {
  std::vector<std::vector<size_t>> merges;
  std::vector<bool> taken(segments.size(), false);
  // Tier of a segment: how many factors of tier_factor above the floor it is.
  std::map<int, std::vector<size_t>> tiers;
  for (size_t i = 0; i < segments.size(); ++i) {
    const double size = std::max<double>(segments[i].live_bytes(), static_cast<double>(options.floor_bytes));
    if (size * 2 > static_cast<double>(options.max_segment_bytes)) continue;  // big enough already
    const int tier = static_cast<int>(std::floor(std::log(size / options.floor_bytes) / std::log(options.tier_factor)));
    tiers[tier].push_back(i);
  }
  for (auto& [tier, members] : tiers) {
    std::sort(members.begin(), members.end(),
              [&](size_t a, size_t b) { return segments[a].live_bytes() < segments[b].live_bytes(); });
    while (members.size() >= options.segments_per_tier) {
      std::vector<size_t> merge(members.begin(), members.begin() + std::min(options.max_merge_at_once, members.size()));
      members.erase(members.begin(), members.begin() + static_cast<long>(merge.size()));
      for (size_t i : merge) taken[i] = true;
      merges.push_back(std::move(merge));
    }
  }
  // Segments with many deletions: rewritten alone (or with the next smallest
  // heavily deleted ones) to drop the deleted documents.
  std::vector<size_t> deleted;
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentSize& s = segments[i];
    if (!taken[i] && s.docs > 0 && static_cast<double>(s.deleted) / s.docs >= options.reclaim_deletes_ratio) {
      deleted.push_back(i);
    }
  }
  for (size_t at = 0; at < deleted.size(); at += options.max_merge_at_once) {
    merges.emplace_back(deleted.begin() + static_cast<long>(at),
                        deleted.begin() + static_cast<long>(std::min(deleted.size(), at + options.max_merge_at_once)));
  }
  return merges;
}

std::vector<std::vector<size_t>> FindForcedMerges(const std::vector<SegmentSize>& segments, size_t max_segments,
                                                  const MergePolicyOptions& options) {
  max_segments = std::max<size_t>(max_segments, 1);
  std::vector<size_t> order(segments.size());
  std::iota(order.begin(), order.end(), size_t{0});
  const bool has_deletes = std::any_of(segments.begin(), segments.end(), [](const SegmentSize& s) { return s.deleted > 0; });
  if (segments.size() <= max_segments) {
    // Already few enough; a single segment with deletions is still rewritten
    // when one is asked for, so that "merge to one" also purges deletions.
    if (max_segments == 1 && segments.size() == 1 && has_deletes) return {{0}};
    return {};
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return segments[a].live_bytes() < segments[b].live_bytes(); });
  // Merge the smallest ones: as many as it takes to reach the target, at
  // most max_forced_merge_at_once in this round.
  const size_t excess = segments.size() - max_segments + 1;
  const size_t n = std::min(excess, options.max_forced_merge_at_once);
  return {std::vector<size_t>(order.begin(), order.begin() + static_cast<long>(n))};
}

}  // namespace loupe::merge
