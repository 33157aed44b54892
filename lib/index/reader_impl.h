// The inside of loupe::IndexReader: one commit's manifest and its open
// segments. The search layer works on this.
#pragma once

#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "index/manifest.h"
#include "index/segment_reader.h"
#include "loupe/index_reader.h"
#include "store/directory.h"

namespace loupe {

struct IndexReader::Impl {
  std::string path;
  std::unique_ptr<store::Directory> dir;
  index::Manifest manifest;
  std::vector<std::shared_ptr<const index::SegmentReader>> segments;
  index::SegmentOpenOptions options;  // as opened; Reopen() opens new segments alike
};

namespace index {

// The newest commit generation in `dir`, listing again when a writer racing
// the listing hides every manifest (see index_reader.cc).
std::optional<uint64_t> SettledLatestGeneration(const store::Directory& dir);

// Opens the newest commit of `dir`, retrying when a concurrent writer
// replaces it between reading the manifest and opening its segments. With a
// `previous` snapshot of the same index, the segments it already has open are
// shared instead of opened again.
std::unique_ptr<IndexReader::Impl> OpenLatestCommit(const std::string& path, const SegmentOpenOptions& options,
                                                    const IndexReader::Impl* previous = nullptr);

// Whether a file name is one Loupe writes: the lock, a manifest (or its
// temporary name), a segment's file. A writer refuses to create an index
// beside any other file and removes only these.
bool IsLoupeFileName(const std::string& name);
// A segment's file ("seg_000001.post", "seg_000001_3.live").
bool IsSegmentFileName(const std::string& name);

}  // namespace index
}  // namespace loupe
