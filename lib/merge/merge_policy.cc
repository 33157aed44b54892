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
  const auto live = [&](size_t i) { return segments[i].live_bytes(); };
  const auto cap = static_cast<double>(options.max_segment_bytes);
  for (auto& [tier, members] : tiers) {
    std::sort(members.begin(), members.end(), [&](size_t a, size_t b) { return live(a) < live(b); });
    while (members.size() >= options.segments_per_tier) {
      // The smallest ones, as many as one merge takes without its result
      // passing the size cap (any two fit: each is below half of it).
      std::vector<size_t> merge;
      double total = 0;
      for (size_t i : members) {
        if (merge.size() == options.max_merge_at_once || total + live(i) > cap) break;
        merge.push_back(i);
        total += live(i);
      }
      if (merge.size() < 2) break;
      // A merge that is mostly one source would rewrite it to take in a
      // little (a 17 MB segment and nine of 10 kB: the tier's floor lumps
      // them together). That one waits for peers of its size.
      if (live(merge.back()) > options.max_merge_skew * total) {
        members.erase(std::find(members.begin(), members.end(), merge.back()));
        continue;
      }
      members.erase(members.begin(), members.begin() + static_cast<long>(merge.size()));
      for (size_t i : merge) taken[i] = true;
      merges.push_back(std::move(merge));
    }
  }
  // Segments with many deletions: rewritten to drop the deleted documents,
  // the smallest together while the result stays within the cap (a big one
  // alone: it only shrinks).
  std::vector<size_t> deleted;
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentSize& s = segments[i];
    if (!taken[i] && s.docs > 0 && static_cast<double>(s.deleted) / s.docs >= options.reclaim_deletes_ratio) {
      deleted.push_back(i);
    }
  }
  std::sort(deleted.begin(), deleted.end(), [&](size_t a, size_t b) { return live(a) < live(b); });
  for (size_t at = 0; at < deleted.size();) {
    std::vector<size_t> merge{deleted[at]};
    double total = live(deleted[at]);
    for (++at; at < deleted.size() && merge.size() < options.max_merge_at_once && total + live(deleted[at]) <= cap; ++at) {
      merge.push_back(deleted[at]);
      total += live(deleted[at]);
    }
    merges.push_back(std::move(merge));
  }
  return merges;
}

std::vector<std::vector<size_t>> FindForcedMerges(const std::vector<SegmentSize>& segments, size_t max_segments,
                                                  const MergePolicyOptions& options) {
  max_segments = std::max<size_t>(max_segments, 1);
  std::vector<size_t> order(segments.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (segments.size() <= max_segments) {
    // Few enough: what is left is purging deletions, a segment holding some
    // rewritten alone (one per round), so that a forced merge always leaves
    // an index without deleted documents, as Lucene's forceMerge(1) does
    // for one segment and forceMergeDeletes for any number.
    for (size_t i = 0; i < segments.size(); ++i) {
      if (segments[i].deleted > 0) return {{i}};
    }
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
