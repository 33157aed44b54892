// Searching an opened index: ranked top-k (BM25 with block-max pruning),
// counting, explaining scores, fetching documents and making snippets.
//
// A Searcher is safe to use from many threads at once: per-search state lives
// in each call, and the caches it shares (per-document BM25 length factors)
// are filled under a lock.
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

struct SearchOptions {
  size_t k = 10;       // hits to return
  size_t offset = 0;   // hits to skip first (for paging)
  // BM25 parameters. The defaults are Anserini's (Lucene's own are 1.2/0.75).
  float k1 = 0.9f;
  float b = 0.4f;
  // Field weights by name; a field not listed keeps its schema weight.
  std::map<std::string, float> field_weights;
  // Dynamic pruning (block-max WAND and friends). Turning it off scores every
  // matching document: the same hits, slower; for tests and measurements.
  bool prune = true;
};

struct Hit {
  std::string id;
  float score = 0;
  // Where the document is in this reader's snapshot (for Fetch and Explain).
  uint32_t segment = 0;
  uint32_t doc = 0;
};

struct SearchResults {
  std::vector<Hit> hits;  // best first; equal scores ordered by id
};

// Why a document got its score: a tree in the manner of Lucene's explain.
struct Explanation {
  float value = 0;
  std::string description;
  std::vector<Explanation> details;
  std::string ToString(int indent = 0) const;
};

struct SnippetOptions {
  size_t max_chars = 240;              // about this long
  std::string before_match = "[";      // around each matched word
  std::string after_match = "]";
  std::string ellipsis = "\u2026";
};

class Searcher {
 public:
  explicit Searcher(std::shared_ptr<const IndexReader> reader);
  ~Searcher();

  const IndexReader& reader() const { return *reader_; }

  // The best `options.k` hits after `options.offset`: exactly those an
  // exhaustive BM25 scorer would rank there.
  SearchResults Search(const Query& query, const SearchOptions& options = {}) const;
  // The number of live documents the query matches.
  uint64_t Count(const Query& query) const;
  Explanation Explain(const Query& query, const Hit& hit, const SearchOptions& options = {}) const;
  // The stored document of a hit.
  Document Fetch(const Hit& hit) const;
  // The best fragment of `text` for the query's terms in `field`, with the
  // matched words marked.
  std::string Snippet(const Query& query, const std::string& field, std::string_view text,
                      const SnippetOptions& options = {}) const;

  struct Impl;

 private:
  std::shared_ptr<const IndexReader> reader_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loupe
