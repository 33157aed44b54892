// The commit manifest and the per-segment info file: small JSON documents in
// checksummed envelopes (store/checked_file.h).
//
// A commit is the manifest "commit_<generation>" (generation in 20 decimal
// digits): it names the live segments, their deletion files and the schema.
// It is written as "commit_<generation>.tmp", synced, renamed into place and
// the directory synced, so a manifest either exists whole or not at all. The
// newest manifest is the index; files it does not name are leftovers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "index/postings_format.h"
#include "loupe/error.h"
#include "loupe/schema.h"
#include "store/checked_file.h"
#include "store/directory.h"

namespace loupe::index {

// Field numbers: the id field is 0, text field i of the schema is i + 1.
inline constexpr uint32_t kIdField = 0;
inline uint32_t TextFieldNumber(size_t schema_index) { return static_cast<uint32_t>(schema_index + 1); }

struct FieldStats {
  uint32_t number = 0;
  std::string name;
  IndexOptions options = IndexOptions::kDocs;
  uint64_t docs_with_field = 0;  // documents with at least one term
  uint64_t sum_length = 0;       // terms over all documents (BM25's average length)
  uint64_t terms = 0;            // distinct terms
  uint64_t postings = 0;         // (term, document) pairs
  uint64_t positions = 0;        // term occurrences
};

struct SegmentFile {
  std::string extension;
  uint64_t size = 0;
  uint64_t checksum = 0;
};

struct SegmentInfo {
  std::string name;
  uint32_t max_doc = 0;
  uint64_t nonce = 0;
  uint64_t stored_raw_bytes = 0;  // serialised size of the stored documents before compression
  std::string written_by;
  std::vector<FieldStats> fields;
  std::vector<SegmentFile> files;
  uint64_t file_bytes = 0;  // of the .info file, as read (not written)

  const FieldStats* Field(uint32_t number) const;
};

void WriteSegmentInfo(store::Directory& dir, const SegmentInfo& info);
SegmentInfo ReadSegmentInfo(const store::Directory& dir, const std::string& segment);

struct SegmentEntry {
  std::string name;
  uint32_t max_doc = 0;
  uint32_t deleted = 0;
  uint64_t live_generation = 0;  // 0: no deletions file
  uint64_t nonce = 0;
};

struct Manifest {
  uint64_t generation = 0;
  std::string index_id;
  uint64_t next_segment = 1;
  Schema schema;
  std::vector<SegmentEntry> segments;
  std::string written_by;
  std::string unicode_version;
  uint64_t file_bytes = 0;  // of the manifest file, as read (not written)
};

std::string ManifestFileName(uint64_t generation);
// Generation of a manifest file name, or nullopt for other names.
std::optional<uint64_t> ParseManifestFileName(const std::string& name);
// The newest manifest generation in the directory, if any.
std::optional<uint64_t> LatestGeneration(const store::Directory& dir);

// Writes, syncs and atomically publishes a manifest. Throws
// UnsyncedCommitError (loupe/error.h) when only the final directory sync
// failed: the manifest is then in place.
void WriteManifest(store::Directory& dir, const Manifest& manifest);
Manifest ReadManifest(const store::Directory& dir, uint64_t generation);

std::string SchemaToJson(const Schema& schema);

}  // namespace loupe::index
