/// @file
/// Searching an opened index: ranked top-k (BM25 with block-max pruning),
/// counting, explaining scores, fetching documents and making snippets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loupe/document.h"
#include "loupe/index_reader.h"
#include "loupe/query.h"

namespace loupe {

/// How hits are ordered.
struct SortOrder {
  /// A date or integer field; empty: by score (the default). Documents
  /// without a value come last; ties are ordered by score, then by id.
  std::string field{};
  bool descending = false;  ///< largest (newest) first
};

/// Counts of the values of a field over every matching document.
struct FacetRequest {
  /// Date histograms: buckets of a year, a month or a day.
  enum class Interval { kYear, kMonth, kDay };
  std::string field{};  ///< a keyword, date or integer field
  /// Keyword and integer fields: how many values to return, most frequent
  /// first (ties by value); 0 for all. Date histograms return every bucket.
  size_t top = 10;
  Interval interval = Interval::kMonth;  ///< date fields only
};

/// How Searcher::Search() ranks and pages.
struct SearchOptions {
  size_t k = 10;      ///< hits to return
  size_t offset = 0;  ///< hits to skip first (for paging)
  /// BM25's term-frequency saturation. The defaults are Anserini's (Lucene's
  /// own are k1 = 1.2, b = 0.75).
  float k1 = 0.9f;
  /// BM25's length normalisation, from 0 (none) to 1 (full).
  float b = 0.4f;
  /// Field weights by name; a field not listed keeps its schema weight.
  /// Text fields of the index, positive and below 10^6, as in a schema
  /// (Search throws InvalidArgumentError).
  std::map<std::string, float> field_weights{};
  /// Dynamic pruning (block-max WAND and friends). Turning it off scores every
  /// matching document: the same hits, slower; for tests and measurements.
  bool prune = true;
  /// The order of hits (default: by score).
  SortOrder sort{};
  /// Facet counts to compute over all matching documents (not just the top k).
  std::vector<FacetRequest> facets{};
};

/// One ranked document.
struct Hit {
  std::string id{}; ///< the document's id
  float score = 0;  ///< its BM25 score
  /// Where the document is in this reader's snapshot (for Fetch and Explain;
  /// meaningless with another reader).
  uint32_t segment = 0;
  uint32_t doc = 0;  ///< see `segment`
};

/// One value of a facet and how many matching documents have it.
struct FacetCount {
  std::string value{};  ///< the keyword, the integer, or the date bucket ("1987-03")
  uint64_t count = 0;
};

/// The counts of one FacetRequest.
struct FacetResult {
  std::string field{};
  std::vector<FacetCount> counts{};  ///< keywords and integers: most frequent first; dates: in time order
  uint64_t missing = 0;            ///< matching documents without a value
};

/// What Searcher::Search() returns.
struct SearchResults {
  std::vector<Hit> hits{};  ///< best first; equal scores ordered by id
  std::vector<FacetResult> facets{};  ///< one per SearchOptions::facets, in order
  /// Matching (live) documents, when the search visited them all (sorting by
  /// a field or counting facets does).
  std::optional<uint64_t> total_hits{};
};

/// Why a document got its score: a tree in the manner of Lucene's explain.
struct Explanation {
  float value = 0;                   ///< this node's contribution
  std::string description{};         ///< what it is, in words
  std::vector<Explanation> details{};  ///< what it is made of
  /// The tree as indented text, one node per line.
  std::string ToString(int indent = 0) const;
};

/// How Searcher::Snippet() cuts and marks a fragment.
struct SnippetOptions {
  size_t max_chars = 240;          ///< about this long, in characters
  std::string before_match = "[";  ///< put before each matched word
  std::string after_match = "]";   ///< put after each matched word
  std::string ellipsis = "\u2026";  ///< marks text cut at either end
  /// The fragment is chosen from this much of the text's start (as Lucene's
  /// highlighters limit what they analyse): a 100 MB field costs no more
  /// than its first megabyte; matches beyond are not shown.
  size_t max_analyzed_bytes = size_t{1} << 20;
};

/// Runs queries against one IndexReader snapshot. To see new commits, make
/// a new Searcher over IndexReader::Reopen()'s reader (searches already
/// running on the old one are unaffected).
///
/// Thread safety: any number of threads may call any member at once:
/// per-search state lives in each call, and the caches it shares
/// (per-document BM25 length factors) are filled under a lock.
/// Neither copied nor moved: share one (it is cheap to make another over the
/// same reader), or hold it in a smart pointer.
class Searcher {
 public:
  /// Prepares to search `reader` (reads the collection statistics of BM25).
  explicit Searcher(std::shared_ptr<const IndexReader> reader);
  ~Searcher();

  /// The snapshot searched.
  const IndexReader& reader() const { return *reader_; }

  /// The best `options.k` hits after `options.offset`: exactly those an
  /// exhaustive BM25 scorer would rank there. Deleted documents never match.
  /// @throws InvalidArgumentError a field the index does not have, or one
  ///         the query node cannot search (a term needs a text field, a
  ///         keyword a keyword field, a range a date or integer field),
  ///         k + offset over 1,048,576, or BM25 parameters out of range
  ///         (k1 < 0, b outside [0, 1])
  SearchResults Search(const Query& query, const SearchOptions& options = {}) const;
  /// The number of live documents the query matches.
  /// @throws InvalidArgumentError a field the index does not have, or one
  ///         the query node cannot search (as for Search)
  uint64_t Count(const Query& query) const;
  /// How `hit`'s score comes about under `options`' BM25 parameters.
  /// @throws InvalidArgumentError a hit that does not belong to this reader
  Explanation Explain(const Query& query, const Hit& hit, const SearchOptions& options = {}) const;
  /// The stored document of a hit (IndexReader::Find() fetches one by id).
  /// @throws InvalidArgumentError a hit that does not belong to this reader
  /// @throws CorruptionError damaged stored bytes
  Document Fetch(const Hit& hit) const;
  /// The best fragment of `text` (normally the stored value of `field`) for
  /// the query's terms in `field`, with the matched words marked (the words
  /// of an exact phrase only where the whole phrase occurs).
  /// @throws InvalidArgumentError a field the index does not have
  std::string Snippet(const Query& query, const std::string& field, std::string_view text,
                      const SnippetOptions& options = {}) const;

  /// Internal state; not part of the stable API.
  struct Impl;

 private:
  std::shared_ptr<const IndexReader> reader_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loupe
