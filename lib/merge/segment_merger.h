// Merging segments into one: a streaming k-way merge of their term
// dictionaries, postings, positions, field lengths, ids and stored documents,
// renumbering documents and dropping deleted ones, written through the same
// writers as a flush (so skip data and block impacts are rebuilt).
//
// Memory: the doc-number maps and the new lengths (4 bytes per document and
// field), one term's block at a time, one stored block at a time; no segment
// is loaded whole.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "index/live_docs.h"
#include "index/manifest.h"
#include "index/segment_reader.h"
#include "loupe/schema.h"
#include "store/directory.h"

namespace loupe::merge {

struct MergeSource {
  std::shared_ptr<const index::SegmentReader> reader;
  const index::LiveDocs* live = nullptr;  // deletions to apply; null: the reader's own
};

struct MergeResult {
  index::SegmentInfo info;
  // For each source, its doc numbers in the new segment (kDropped if deleted).
  std::vector<std::vector<uint32_t>> doc_maps;
  static constexpr uint32_t kDropped = 0xFFFFFFFFu;
};

// Thrown when a merge is cancelled (the writer is closing).
struct MergeCancelled {};

// Stored documents of a source without deletions whose serialised size is at
// least this are copied compressed, not recompressed (32 MiB: a run's
// dictionary, at most 256 KiB, then costs under 1% of it).
inline constexpr uint64_t kStoredCopyThreshold = uint64_t{32} << 20;
uint64_t StoredCopyThreshold();
// Tests lower it to exercise copying on small segments.
void SetStoredCopyThresholdForTesting(uint64_t bytes);

// Writes segment `name` holding the live documents of `sources`, in order.
// Throws on I/O errors, and MergeCancelled once `*cancel` is set (checked
// between terms and documents); the partial segment's files are removed.
MergeResult MergeSegments(store::Directory& dir, const Schema& schema, const std::vector<MergeSource>& sources,
                          const std::string& name, uint64_t nonce, const std::atomic<bool>* cancel = nullptr);

}  // namespace loupe::merge
