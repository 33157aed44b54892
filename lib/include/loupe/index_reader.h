// Reading an index: a snapshot of one commit. Opening reads the newest commit;
// the snapshot does not change when later commits happen (open a new reader to
// see them). Safe to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/schema.h"

namespace loupe {

struct IndexReaderOptions {
  // Verify every file's checksum on open (fast: XXH3 at memory speed), so
  // damaged bytes are reported instead of searched.
  bool verify_checksums = true;
};

struct FieldSummary {
  std::string name;
  uint64_t documents = 0;  // documents with at least one term
  uint64_t terms = 0;      // distinct terms (summed over segments)
  uint64_t postings = 0;   // (term, document) pairs
  uint64_t positions = 0;  // term occurrences
  uint64_t total_length = 0;
};

struct SegmentSummary {
  std::string name;
  uint32_t documents = 0;  // including deleted ones
  uint32_t deleted = 0;
  std::map<std::string, uint64_t> bytes;  // by file kind: terms, postings, positions, lengths, ids, stored, deletions, info
  std::vector<FieldSummary> fields;
  uint64_t stored_raw_bytes = 0;
};

struct IndexSummary {
  std::string path;
  uint64_t generation = 0;
  std::string index_id;
  std::string written_by;
  uint64_t documents = 0;  // live
  uint64_t deleted = 0;
  std::vector<SegmentSummary> segments;
  std::map<std::string, uint64_t> bytes;  // totals by file kind, plus "manifest"
  std::vector<FieldSummary> fields;       // totals over segments
  Schema schema;
  std::string unicode_version;
};

class IndexReader {
 public:
  // Throws NotFoundError (no index there), CorruptionError,
  // UnsupportedFormatError, IoError.
  static std::shared_ptr<const IndexReader> Open(const std::string& path, const IndexReaderOptions& options = {});
  ~IndexReader();

  const Schema& schema() const;
  uint64_t generation() const;
  uint64_t document_count() const;  // live documents
  uint64_t deleted_count() const;
  // The live document with this id.
  std::optional<Document> Find(std::string_view id) const;
  IndexSummary Summary() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit IndexReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What `loupe verify` reports: errors make the index unsound; notes are
// harmless leftovers (files of an interrupted write, a stale lock).
struct VerifyReport {
  std::vector<std::string> errors;
  std::vector<std::string> notes;
  uint64_t documents = 0;
  uint64_t segments = 0;
  uint64_t files_checked = 0;
  uint64_t bytes_checked = 0;
  bool ok() const { return errors.empty(); }
};

// Checks every checksum and structural invariant of the files the newest
// commit names. Never throws for damage (it is reported); throws only if
// `path` cannot be read at all.
VerifyReport VerifyIndex(const std::string& path);

}  // namespace loupe
