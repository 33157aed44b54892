/// @file
/// Writing an index: add, replace and delete documents, then commit.
///
/// Nothing is visible to readers before Commit() returns, and everything a
/// successful Commit() wrote survives a crash (see docs/DURABILITY.md). One
/// writer per index at a time: a second one, in this process or another, gets
/// LockedError. A writer destroyed without committing discards its changes;
/// the last commit stays as it was.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/schema.h"

namespace loupe {

/// How IndexWriter::Open() opens or creates an index. The analyzers per
/// field are part of the schema; BM25's parameters are chosen per search
/// (SearchOptions), not here.
struct IndexWriterOptions {
  /// Start a new, empty index. An existing Loupe index in the directory is
  /// replaced at the first commit (until then it stays readable); a directory
  /// holding other files is refused.
  bool create = false;
  /// The schema of a new index (default: Schema::Default()); it is stored by
  /// the first commit, so a writer closed before one leaves no schema behind,
  /// and the next Open() without one starts from the default. For an existing
  /// index it may be left out; if given, its text fields must equal the
  /// stored ones, and its scalar fields are added to the stored ones (a field
  /// already there must keep its type).
  std::optional<Schema> schema{};
  /// What a scalar value that does not fit its field's type does (e.g. a
  /// date field's "3-MAR-1987"): kReject refuses the document
  /// (InvalidArgumentError); kStoreOnly indexes the document with the value
  /// stored but left out of the column, and says so in AddDocument's notes.
  enum class MalformedValues { kReject, kStoreOnly };
  MalformedValues malformed_values = MalformedValues::kReject;
  /// Documents are inverted in memory until this budget is used, then written
  /// out as a segment. The budget also holds the ids added since the last
  /// commit (about 50 bytes each, freed by Commit()); they may take up to
  /// half of it, and beyond that go over it: commit now and then when adding
  /// many millions of documents on a small budget. At least 1 MiB (Open
  /// throws InvalidArgumentError below).
  size_t ram_budget_bytes = size_t{256} << 20;
  /// Merge policy: after each commit, merge segments in a background thread
  /// as the tiered policy asks (tiers of similar size, about ten per tier; a
  /// much larger segment waits for peers of its size),
  /// each merge made visible by a commit of its own.
  bool background_merges = false;
  /// With background merges, what destroying the writer does with them: let
  /// the merges the policy has chosen finish first (the default, as Lucene's
  /// close() does), so that a program that opens, adds, commits and closes
  /// in quick succession still gets its segments merged; or, when false,
  /// cancel a running merge at once (a quick shutdown: the next writer's
  /// policy chooses it again).
  bool finish_merges_on_close = true;
  /// Merge policy: at each commit, merge the segments flushed since the last
  /// one into one before publishing them (a bulk load then ends as one
  /// segment, as after Lucene's flushes and merges). Such a merge is an
  /// optimisation: if it fails with an IoError (a full disk: it needs room
  /// for a copy), the commit goes on without it and the stats say so.
  bool merge_on_commit = false;
  /// Merge policy: merges chosen by the policy and merges at commit stop
  /// short of making a segment larger than this (capped at 2 GiB, which keeps
  /// every segment within the format's 32-bit offsets); but a segment already
  /// larger (a forced merge's) is still rewritten alone to drop deletions. Forced merges
  /// (ForceMerge) ignore it, as they must reach the segment count asked for.
  uint64_t max_merged_segment_bytes = uint64_t{2} << 30;
};

/// Counters of what a writer has done since it was opened.
struct IndexWriterStats {
  uint64_t documents_added = 0;     ///< including replacements
  uint64_t documents_replaced = 0;  ///< adds that replaced a document with the same id
  uint64_t documents_deleted = 0;   ///< by DeleteDocument
  uint64_t segments_flushed = 0;    ///< in-memory segments written out
  uint64_t bytes_flushed = 0;       ///< size of the segment files written
  uint64_t commits = 0;             ///< by Commit() (merges' own commits not counted)
  uint64_t merges = 0;              ///< merges committed
  uint64_t segments_merged = 0;     ///< segments they consumed
  uint64_t bytes_merged = 0;        ///< size of the segments they consumed
  /// Merges at a commit (merge_on_commit) that failed with an IoError, a
  /// full disk say: the commit went on with those segments as they were.
  uint64_t commit_merges_given_up = 0;
  std::string commit_merge_error{};  ///< the error of the last one
};

/// The one writer of an index.
///
/// Thread safety: every member may be called from several threads at once.
/// Concurrent AddDocument() calls invert into separate in-memory segments;
/// Commit() waits for the adds and deletes in flight and publishes them.
/// Errors: an IoError from AddDocument(), DeleteDocument() or Commit()
/// leaves the writer unusable: from then on those calls throw IoError.
/// Destroy it and open a new one; the last commit is intact. The exception
/// is UnsyncedCommitError (loupe/error.h): the commit did happen and the
/// writer goes on from it.
/// Held by std::unique_ptr (Open() makes it); never copied or moved.
class IndexWriter {
 public:
  /// Opens the index at `path` for writing, creating it (and the directory)
  /// if there is none.
  /// @throws LockedError another writer holds the index
  /// @throws InvalidArgumentError a schema different from the stored one, or
  ///         a directory holding files that are not a Loupe index
  /// @throws UnsupportedFormatError a format version this library does not read
  /// @throws CorruptionError damaged files
  /// @throws IoError the operating system refused a read or write
  static std::unique_ptr<IndexWriter> Open(const std::string& path, const IndexWriterOptions& options = {});
  /// Discards uncommitted changes, lets background merges finish (or, with
  /// finish_merges_on_close false, cancels a running one), and releases the
  /// lock. Never throws: a merge that fails then leaves the index as it was.
  ~IndexWriter();

  /// The index's schema, as of now: a copy, since adding documents may add
  /// inferred scalar fields to it (Schema::infer_scalar_fields).
  Schema schema() const;

  /// What AddDocument() did.
  enum class AddResult {
    kAdded,      ///< a new id
    kReplaced,   ///< a document with this id existed and was replaced
    kDuplicate,  ///< only with replace_pending = false: the id was added since the last commit; nothing changed
  };
  /// Adds a document, replacing any document with the same id (committed, or
  /// added since; with `replace_pending` false, an id added since the last
  /// commit is refused instead): adding is also how a document is updated.
  /// Scalar fields the schema does not know are typed from their values
  /// first (Schema::infer_scalar_fields).
  /// @param notes if not null, receives a line per value left out of its
  ///        column (with MalformedValues::kStoreOnly)
  /// @throws InvalidArgumentError an empty or overlong id (over 4096 bytes),
  ///         an indexed field too long to index, or (with kReject) a scalar
  ///         value that does not fit its field's type
  /// @throws IoError writing a full in-memory segment out failed
  AddResult AddDocument(const Document& doc, bool replace_pending = true, std::vector<std::string>* notes = nullptr);
  /// Deletes the document with this id; false if there is none.
  bool DeleteDocument(std::string_view id);
  /// Whether a document with `id` was added (or replaced) since the last
  /// commit and is still there: false once it has been deleted again.
  bool IsPending(std::string_view id) const;

  /// Makes every change so far durable and visible to readers opened (or
  /// reopened) from now on. A commit without changes still writes a new
  /// commit (a new generation, which Reopen() sees).
  /// @throws UnsyncedCommitError the commit is made and visible, but the
  ///         directory could not be synced after it (durability unknown)
  /// @throws IoError the commit failed; the previous commit stays the index
  void Commit();

  /// Merges committed segments until at most `max_segments` remain (0 counts
  /// as 1), dropping deleted documents, then rewrites each segment there was
  /// when it was called that holds committed deletions (with max_segments >
  /// 1, only those with more than 10% of their documents deleted, as Lucene's
  /// forceMergeDeletes); each merge is committed (uncommitted changes stay
  /// uncommitted). Waits for background merges first, and for
  /// any that a concurrent commit starts on the segments it would merge.
  /// A writer opened with `create` over an existing index has no committed
  /// segments until its first commit: it merges nothing before then.
  /// @throws InvalidArgumentError a segment it would make would pass the
  ///         format's 4 GiB of postings or positions (docs/FORMAT.md,
  ///         Limits), as estimated from the segments' sizes before merging
  ///         anything; the message says how many segments to ask for
  /// @throws UnsyncedCommitError a merge was committed, but the directory
  ///         could not be synced after it
  /// @throws IoError a merge failed; the index is unchanged by it
  void ForceMerge(size_t max_segments);
  /// Waits for the background merges to finish; rethrows the error of one
  /// that failed (its files are removed; the index is unchanged by it), or
  /// the UnsyncedCommitError of one that was committed unsynced.
  void WaitForMerges();

  /// What the writer has done so far.
  IndexWriterStats stats() const;

  /// Internal state; not part of the stable API.
  struct Impl;

 private:
  explicit IndexWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace loupe
