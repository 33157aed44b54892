/// @file
/// Reading an index: a snapshot of one commit.
///
/// IndexReader::Open() reads the newest commit; the snapshot does not change
/// when later commits happen. IndexReader::Reopen() gives a snapshot of the
/// newest commit, sharing the segments the two have in common.
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

/// How IndexReader::Open() opens an index.
struct IndexReaderOptions {
  /// Verify every file's checksum on open (fast: XXH3 at memory speed), so
  /// damaged bytes are reported as CorruptionError instead of searched.
  bool verify_checksums = true;
};

/// Statistics of one text field (IndexReader::Summary()).
struct FieldSummary {
  std::string name{};        ///< the text field's name
  uint64_t documents = 0;    ///< documents with at least one term
  uint64_t terms = 0;        ///< distinct terms (summed over segments)
  uint64_t postings = 0;     ///< (term, document) pairs
  uint64_t positions = 0;    ///< term occurrences
  uint64_t total_length = 0; ///< sum of the documents' lengths in terms (BM25's field length)
};

/// What one segment holds (IndexReader::Summary()).
struct SegmentSummary {
  std::string name{};      ///< e.g. "seg_000003"
  uint32_t documents = 0;  ///< including deleted ones
  uint32_t deleted = 0;    ///< documents deleted or replaced since the segment was written
  /// Bytes by file kind: terms, postings, positions, lengths, ids, stored, deletions, info.
  std::map<std::string, uint64_t> bytes{};
  std::vector<FieldSummary> fields{};  ///< per text field
  uint64_t stored_raw_bytes = 0;     ///< stored documents' size before compression
};

/// What a snapshot holds, for reports such as `loupe info`.
struct IndexSummary {
  std::string path{};                     ///< the index directory
  uint64_t generation = 0;                ///< the commit's generation
  std::string index_id{};                 ///< random id given to the index when it was created
  std::string written_by{};               ///< library that wrote the commit, e.g. "loupe 0.1.0"
  uint64_t documents = 0;                 ///< live documents
  uint64_t deleted = 0;                   ///< deleted documents still taking space
  std::vector<SegmentSummary> segments{}; ///< in commit order
  std::map<std::string, uint64_t> bytes{};  ///< totals by file kind, plus "manifest"
  std::vector<FieldSummary> fields{};     ///< totals over segments
  Schema schema{};                        ///< the stored schema
  std::string unicode_version{};          ///< of the analysis tables that indexed the documents
};

/// A snapshot of one commit of an index.
///
/// Thread safety: immutable once opened; any number of threads may use one
/// reader (and Searchers over it) at once, including calling Reopen(). Its
/// files stay readable for as long as the reader lives, whatever writers do.
/// Held by std::shared_ptr (Open() makes it); never copied or moved.
class IndexReader : public std::enable_shared_from_this<IndexReader> {
 public:
  /// Opens the newest commit of the index at `path`.
  /// @throws NotFoundError no index there
  /// @throws InvalidArgumentError `path` is not a directory
  /// @throws UnsupportedFormatError not a Loupe index, or a format version
  ///         this library does not read (see SupportedFormatVersions())
  /// @throws CorruptionError damaged files
  /// @throws IoError the operating system refused a read
  static std::shared_ptr<const IndexReader> Open(const std::string& path, const IndexReaderOptions& options = {});
  ~IndexReader();

  /// A snapshot of the newest commit, opened cheaply: segments this reader
  /// has open are shared, only segments new since are opened (a shared
  /// segment whose deletions changed has just its deletions file read).
  /// Returns this very reader when nothing was committed since. This reader
  /// is unchanged either way. Throws as Open() does.
  std::shared_ptr<const IndexReader> Reopen() const;

  /// The schema stored in the index.
  const Schema& schema() const;
  /// The commit's generation: it grows by one with every commit.
  uint64_t generation() const;
  /// Live documents (deleted ones excluded).
  uint64_t document_count() const;
  /// Deleted documents whose space a merge has not reclaimed yet.
  uint64_t deleted_count() const;
  /// The live document with this id, with its stored fields; nullopt if
  /// there is none. Throws CorruptionError if its stored bytes are damaged.
  std::optional<Document> Find(std::string_view id) const;
  /// Segments, files, sizes and field statistics.
  IndexSummary Summary() const;

  /// Internal state, for Loupe's own layers; not part of the stable API.
  struct Impl;
  /// @private
  const Impl& impl() const { return *impl_; }

 private:
  explicit IndexReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// What VerifyIndex() (and `loupe verify`) reports.
struct VerifyReport {
  std::vector<std::string> errors{};  ///< damage: the index is unsound
  std::vector<std::string> notes{}; ///< harmless leftovers (files of an interrupted write, a stale lock)
  uint64_t documents = 0;           ///< live documents in the checked segments
  uint64_t segments = 0;            ///< segments the commit names
  uint64_t files_checked = 0;       ///< files whose checksum was verified
  uint64_t bytes_checked = 0;       ///< their total size
  /// True when no damage was found.
  bool ok() const { return errors.empty(); }
};

/// Checks every checksum and structural invariant of the files the newest
/// commit names. Never throws for damage (it is reported); throws IoError or
/// NotFoundError if `path` cannot be read or holds no commit at all, and
/// InvalidArgumentError for an empty path. Safe beside a writer:
/// if a newer commit replaces the one being checked, it checks the newer one.
VerifyReport VerifyIndex(const std::string& path);

}  // namespace loupe
