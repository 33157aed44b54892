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
  // The segments of [first, last) from the first on, as many as one merge
  // takes (max_merge_at_once) without its result passing the size cap.
  const auto fill = [&](auto first, auto last) {
    std::vector<size_t> merge;
    double total = 0;
    for (; first != last && merge.size() < options.max_merge_at_once && (merge.empty() || total + live(*first) <= cap);
         ++first) {
      merge.push_back(*first);
      total += live(*first);
    }
    return std::make_pair(std::move(merge), total);
  };
  for (auto& [tier, members] : tiers) {
    std::sort(members.begin(), members.end(), [&](size_t a, size_t b) { return live(a) < live(b); });
    while (members.size() >= options.segments_per_tier) {
      // The smallest run of segments whose merge is not mostly one of them:
      // such a merge would rewrite that one to take in a little (a 17 MB
      // segment and nine of 10 kB, which the floor puts in one tier), so it
      // waits for peers of its size while the window slides past it. A
      // window of two (all the cap allows near it, or a tier's last two)
      // may be 2:1, or unequal segments near the cap would never merge.
      std::vector<size_t> merge;
      size_t start = 0;
      for (; start + 1 < members.size(); ++start) {
        auto [window, total] = fill(members.begin() + static_cast<long>(start), members.end());
        const double skew = window.size() == 2 ? std::max(options.max_merge_skew, 2.0 / 3) : options.max_merge_skew;
        if (window.size() >= 2 && live(window.back()) <= skew * total) {
          merge = std::move(window);
          break;
        }
      }
      if (merge.empty()) break;
      members.erase(members.begin() + static_cast<long>(start),
                    members.begin() + static_cast<long>(start + merge.size()));
      for (size_t i : merge) taken[i] = true;
      merges.push_back(std::move(merge));
    }
  }
  // Segments with many deletions: rewritten to drop the deleted documents,
  // the smallest together while the result stays within the cap (one past
  // it alone: it only shrinks).
  std::vector<size_t> deleted;
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentSize& s = segments[i];
    if (!taken[i] && s.docs > 0 && static_cast<double>(s.deleted) / s.docs >= options.reclaim_deletes_ratio) {
      deleted.push_back(i);
    }
  }
  std::sort(deleted.begin(), deleted.end(), [&](size_t a, size_t b) { return live(a) < live(b); });
  for (auto at = deleted.begin(); at != deleted.end();) {
    auto merge = fill(at, deleted.end()).first;
    at += static_cast<long>(merge.size());
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
    // Few enough: what is left is purging deletions, a segment rewritten
    // alone (one per round): any deletion when one segment is asked for (as
    // Lucene's forceMerge(1)), else over forced_purge_deletes_ratio of its
    // documents (as Lucene's forceMergeDeletes, 10% by default), so that
    // one deletion does not rewrite a big segment.
    const double ratio = max_segments == 1 ? 0.0 : options.forced_purge_deletes_ratio;
    for (size_t i = 0; i < segments.size(); ++i) {
      const SegmentSize& s = segments[i];
      if (s.deleted > 0 && static_cast<double>(s.deleted) > ratio * s.docs) return {{i}};
    }
    return {};
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return segments[a].live_bytes() < segments[b].live_bytes(); });
  // Merge the smallest ones: as many as it takes to reach the target, at
  // most max_forced_merge_at_once in this round.
  const size_t excess = segments.size() - max_segments + 1;
  const size_t n = std::min(excess, std::max<size_t>(options.max_forced_merge_at_once, 2));
  return {std::vector<size_t>(order.begin(), order.begin() + static_cast<long>(n))};
}

namespace {

std::atomic<uint64_t> forced_merge_limit{index::kMaxPostingsFileBytes};

std::string GiB(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / (uint64_t{1} << 30));
  return text;
}

// The first forced merge into `max_segments` whose .post or .pos would pass
// `limit`, described, or "": FindForcedMerges' rounds played through, each
// round's sources becoming one segment of their summed live sizes.
std::string FirstMergeOverLimit(std::vector<SegmentSize> current, size_t max_segments, uint64_t limit,
                                const MergePolicyOptions& options) {
  for (;;) {
    const auto merges = FindForcedMerges(current, max_segments, options);
    if (merges.empty()) return "";
    SegmentSize merged{.name = "merged"};
    double bytes = 0, postings = 0, positions = 0;
    for (size_t i : merges[0]) {
      bytes += current[i].live_bytes();
      postings += current[i].LiveShare(current[i].postings_bytes);
      positions += current[i].LiveShare(current[i].positions_bytes);
      merged.docs += current[i].docs - current[i].deleted;
    }
    if (std::max(postings, positions) > static_cast<double>(limit)) {
      return "merging " + std::to_string(merges[0].size()) + (merges[0].size() == 1 ? " segment" : " segments") +
             " into one would make about " + GiB(std::max(postings, positions)) + " of " +
             (postings > positions ? "postings" : "positions");
    }
    merged.bytes = static_cast<uint64_t>(bytes);
    merged.postings_bytes = static_cast<uint64_t>(postings);
    merged.positions_bytes = static_cast<uint64_t>(positions);
    std::vector<bool> gone(current.size(), false);
    for (size_t i : merges[0]) gone[i] = true;
    std::vector<SegmentSize> next;
    for (size_t i = 0; i < current.size(); ++i) {
      if (!gone[i]) next.push_back(std::move(current[i]));
    }
    // A merge of one segment (purging its deletions) leaves no deletions to
    // purge: the next round finds nothing for it.
    next.push_back(std::move(merged));
    current = std::move(next);
  }
}

}  // namespace

uint64_t ForcedMergeLimit() { return forced_merge_limit.load(std::memory_order_relaxed); }
void SetForcedMergeLimitForTesting(uint64_t bytes) { forced_merge_limit = bytes; }

std::string ForcedMergeOverLimit(const std::vector<SegmentSize>& segments, size_t max_segments, uint64_t limit,
                                 const MergePolicyOptions& options) {
  max_segments = std::max<size_t>(max_segments, 1);
  const std::string why = FirstMergeOverLimit(segments, max_segments, limit, options);
  if (why.empty()) return "";
  // The fewest segments that can be asked for: with as many as there are,
  // nothing is merged, so there is always an answer.
  size_t fewest = max_segments + 1;
  while (fewest < segments.size() && !FirstMergeOverLimit(segments, fewest, limit, options).empty()) ++fewest;
  return why + "; the format allows " + GiB(static_cast<double>(limit)) +
         " of postings or of positions per segment (docs/FORMAT.md, Limits): ask for at least " +
         std::to_string(fewest) + " segments";
}

}  // namespace loupe::merge
