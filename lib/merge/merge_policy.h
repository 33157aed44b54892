// Which segments to merge: a tiered policy in the spirit of Lucene's
// TieredMergePolicy. Segments are grouped into tiers of similar size (each
// tier holds segments up to `tier_factor` times larger than the one below);
// when a tier has `segments_per_tier` segments, the smallest run of them (at
// most `max_merge_at_once`) that no one of them dominates (over half of the
// merge; two may be 2:1) is merged into one of the next tier: a much larger
// segment waits for peers of its size. Segments with many deletions are
// merged even when their tier is not full, to reclaim the space. No merge of
// several segments makes one past `max_segment_bytes` (segments of half of
// it are left alone); one already past it (a forced merge's) is only
// rewritten alone, to drop its deletions. So the number of segments grows
// with the logarithm of the index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loupe::merge {

struct SegmentSize {
  std::string name;
  uint64_t bytes = 0;    // files on disk
  uint32_t docs = 0;     // max_doc
  uint32_t deleted = 0;
  // Its .post and .pos files: the ones the format caps.
  uint64_t postings_bytes = 0;
  uint64_t positions_bytes = 0;
  double live_bytes() const { return LiveShare(bytes); }
  double LiveShare(uint64_t of) const { return docs == 0 ? 0.0 : static_cast<double>(of) * (docs - deleted) / docs; }
};

struct MergePolicyOptions {
  size_t segments_per_tier = 10;
  size_t max_merge_at_once = 10;
  // Forced merges take more at once: the merge streams every source side by
  // side (one block per source in memory), and each extra round would
  // rewrite the data again.
  size_t max_forced_merge_at_once = 100;
  double tier_factor = 10.0;
  uint64_t floor_bytes = uint64_t{2} << 20;        // smaller segments all count as this size
  uint64_t max_segment_bytes = uint64_t{2} << 30;  // .post/.pos offsets are 32-bit
  double reclaim_deletes_ratio = 0.3;              // merge a segment this deleted regardless
  // A merge's largest source is at most this share of it (2/3 in a merge of
  // two); a larger one would be rewritten for little gain, and waits
  // (Lucene's TieredMergePolicy prefers merges of low skew likewise).
  double max_merge_skew = 0.5;
  // A forced merge into more than one segment rewrites a segment it leaves
  // when more than this share of its documents is deleted.
  double forced_purge_deletes_ratio = 0.1;
};

// Merges to run now, each a list of segment indices (into `segments`). A
// segment is in at most one merge.
std::vector<std::vector<size_t>> FindMerges(const std::vector<SegmentSize>& segments,
                                            const MergePolicyOptions& options = {});

// Merges that bring the index to at most `max_segments` segments (smallest
// first, at most max_forced_merge_at_once at a time; run them and ask again
// until none is returned), then rewrite each segment left with deleted
// documents (with max_segments > 1, only those over
// forced_purge_deletes_ratio). Ignores the size limit, as a forced merge
// must.
std::vector<std::vector<size_t>> FindForcedMerges(const std::vector<SegmentSize>& segments, size_t max_segments,
                                                  const MergePolicyOptions& options = {});

// Why forcing the index to `max_segments` would make a segment whose .post or
// .pos passes `limit` bytes (the format's 32-bit offsets), or "" when as far
// as the sizes tell it would not. Plays FindForcedMerges' rounds through, a
// merge's output estimated as its sources' live share of those files, so
// that a forced merge bound to fail is refused before it rewrites anything.
// (Only an estimate: the segment writer still refuses the real overflow.)
// The limit IndexWriter::ForceMerge passes: index::kMaxPostingsFileBytes
// (a test lowers it to reach it with small indexes).
uint64_t ForcedMergeLimit();
void SetForcedMergeLimitForTesting(uint64_t bytes);

std::string ForcedMergeOverLimit(const std::vector<SegmentSize>& segments, size_t max_segments, uint64_t limit,
                                 const MergePolicyOptions& options = {});

}  // namespace loupe::merge
