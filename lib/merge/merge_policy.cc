#include "merge/merge_policy.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>

#include "index/postings_format.h"

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

namespace {

std::atomic<uint64_t> forced_merge_limit{index::kMaxPostingsFileBytes};

std::string GiB(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / (uint64_t{1} << 30));
  return text;
}

}  // namespace

uint64_t ForcedMergeLimit() { return forced_merge_limit.load(std::memory_order_relaxed); }
void SetForcedMergeLimitForTesting(uint64_t bytes) { forced_merge_limit = bytes; }

std::string ForcedMergeOverLimit(const std::vector<SegmentSize>& segments, size_t max_segments, uint64_t limit,
                                 const MergePolicyOptions& options) {
  max_segments = std::max<size_t>(max_segments, 1);
  if (FindForcedMerges(segments, max_segments, options).empty()) return "";  // nothing to merge
  double total = 0;
  for (const SegmentSize& s : segments) total += s.live_postings_bytes();
  const auto fewest = static_cast<uint64_t>(std::ceil(total / static_cast<double>(limit)));
  const std::string advice = "; the format allows " + GiB(static_cast<double>(limit)) +
                             " of postings or positions per segment (docs/FORMAT.md, Limits): ask for at least " +
                             std::to_string(std::max<uint64_t>(fewest, max_segments + 1)) + " segments";
  if (total > static_cast<double>(limit) * static_cast<double>(max_segments)) {
    return "the index holds about " + GiB(total) + " of postings or positions, too much for " +
           std::to_string(max_segments) + (max_segments == 1 ? " segment" : " segments") + advice;
  }
  // Each round's sources become one segment of their summed live size.
  std::vector<SegmentSize> current = segments;
  for (;;) {
    const auto merges = FindForcedMerges(current, max_segments, options);
    if (merges.empty()) return "";
    SegmentSize merged{.name = "merged"};
    double bytes = 0, postings = 0;
    for (size_t i : merges[0]) {
      bytes += current[i].live_bytes();
      postings += current[i].live_postings_bytes();
      merged.docs += current[i].docs - current[i].deleted;
    }
    if (postings > static_cast<double>(limit)) {
      return "merging " + std::to_string(merges[0].size()) + (merges[0].size() == 1 ? " segment" : " segments") +
             " into one would make about " + GiB(postings) + " of postings or positions" + advice;
    }
    merged.bytes = static_cast<uint64_t>(bytes);
    merged.postings_bytes = static_cast<uint64_t>(postings);
    std::vector<bool> gone(current.size(), false);
    for (size_t i : merges[0]) gone[i] = true;
    std::vector<SegmentSize> next;
    for (size_t i = 0; i < current.size(); ++i) {
      if (!gone[i]) next.push_back(std::move(current[i]));
    }
    // A merge of one segment (purging its deletions) leaves no deletions to
    // purge: the next round finds nothing.
    next.push_back(std::move(merged));
    current = std::move(next);
  }
}

}  // namespace loupe::merge
