// Names, kinds and the version of the files of a Loupe index (docs/FORMAT.md).
#pragma once

#include <cstdint>
#include <string>

#include "store/checked_file.h"

namespace loupe::index {

// The on-disk format version, independent of the library version. Every file
// carries it in its header; a reader refuses files of a newer version, and
// of versions older than kMinFormatVersion.
//   1  first format
//   2  positions coded against each document's position span, stored in
//      .lens: first positions in a width from the span, gaps in Rice codes
//      with a parameter from the span and the frequency
//   3  stored documents (.docs) in runs, each with its own field names and
//      dictionary, so merges can copy compressed blocks; version 2 files
//      (one run) are still read
//   4  scalar fields: the schema lists them, and a segment may have a
//      columns file (.cols); older segments have no columns
//   5  a text field's stemmer may be "lucene-porter", which releases that
//      read up to version 4 do not know: they refuse the index as newer
//      instead of calling it damaged. Files are otherwise as in version 4.
inline constexpr uint32_t kFormatVersion = 5;
inline constexpr uint32_t kMinFormatVersion = 2;

inline constexpr store::FileKind kTermsKind = store::MakeKind("TERM");
inline constexpr store::FileKind kPostingsKind = store::MakeKind("POST");
inline constexpr store::FileKind kPositionsKind = store::MakeKind("POSN");
inline constexpr store::FileKind kLengthsKind = store::MakeKind("LENS");
inline constexpr store::FileKind kIdsKind = store::MakeKind("IDS_");
inline constexpr store::FileKind kStoredKind = store::MakeKind("DOCS");
inline constexpr store::FileKind kColumnsKind = store::MakeKind("COLS");
inline constexpr store::FileKind kLiveKind = store::MakeKind("LIVE");
inline constexpr store::FileKind kInfoKind = store::MakeKind("INFO");
inline constexpr store::FileKind kManifestKind = store::MakeKind("MANI");

// File extensions of a segment's files, in a fixed order.
inline constexpr const char* kSegmentExtensions[] = {"info", "terms", "post", "pos", "lens", "ids", "docs", "cols"};

inline std::string SegmentFileName(const std::string& segment, const char* extension) {
  return segment + "." + extension;
}

// Deletions of a segment as of one commit generation: "seg_000003_5.live".
inline std::string LiveFileName(const std::string& segment, uint64_t generation) {
  return segment + "_" + std::to_string(generation) + ".live";
}

inline constexpr const char* kLockFileName = "write.lock";
inline constexpr const char* kManifestPrefix = "commit_";

}  // namespace loupe::index
