// Queries: built in code or parsed from the query language (docs/QUERY.md).
//
// A Query is an immutable tree. Its leaves name analysed terms of one field:
// the parser analyses query text with the field's analyzer, exactly as the
// documents were analysed, so a query built in code should pass terms through
// the same Analyzer (Query::Analyzed does).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/schema.h"

namespace loupe {

class Query;
using QueryPtr = std::shared_ptr<const Query>;

class Query {
 public:
  enum class Kind {
    kTerm,      // one term of one field
    kPhrase,    // terms at fixed relative positions, with an optional slop
    kPrefix,    // every term of a field that starts with a prefix
    kBoolean,   // clauses that must, should or must not match
    kMatchAll,  // every document (score 0)
    kMatchNone  // no document (what a query of only stop words becomes)
  };
  enum class Occur { kMust, kShould, kMustNot };

  struct Clause {
    Occur occur;
    QueryPtr query;
  };
  struct PhraseTerm {
    std::string term;
    uint32_t position;  // relative position; stop words leave gaps
  };

  static QueryPtr Term(std::string field, std::string term, float boost = 1.0f);
  static QueryPtr Phrase(std::string field, std::vector<PhraseTerm> terms, uint32_t slop = 0, float boost = 1.0f);
  static QueryPtr Prefix(std::string field, std::string prefix, float boost = 1.0f);
  static QueryPtr Boolean(std::vector<Clause> clauses, float boost = 1.0f);
  static QueryPtr MatchAll();
  static QueryPtr MatchNone();

  // `text` analysed with `field`'s analyzer: one term gives a Term query,
  // several a Phrase, none (only stop words) MatchNone.
  static QueryPtr Analyzed(const TextField& field, std::string_view text, float boost = 1.0f);

  Kind kind() const { return kind_; }
  const std::string& field() const { return field_; }
  const std::string& term() const { return term_; }  // the term, or the prefix
  const std::vector<PhraseTerm>& phrase() const { return phrase_; }
  uint32_t slop() const { return slop_; }
  float boost() const { return boost_; }
  const std::vector<Clause>& clauses() const { return clauses_; }

  // A canonical text form, e.g. (+body:china title:"trade talk"~2^2 -body:war).
  std::string ToString() const;

 private:
  Query() = default;

  Kind kind_ = Kind::kMatchNone;
  std::string field_;
  std::string term_;
  std::vector<PhraseTerm> phrase_;
  uint32_t slop_ = 0;
  float boost_ = 1.0f;
  std::vector<Clause> clauses_;
};

struct QueryParseOptions {
  // Between bare terms: OR (ranked by BM25) or AND.
  bool default_and = false;
  // Fields searched by terms without "field:"; empty means every text field.
  std::vector<std::string> default_fields;
};

// Limits that keep hostile queries bounded.
inline constexpr size_t kMaxQueryDepth = 64;        // nested parentheses and operators
inline constexpr size_t kMaxQueryTerms = 1024;      // terms after analysis and field expansion
inline constexpr size_t kMaxQueryBytes = 1 << 20;   // query text

// Parses the query language against a schema. Throws QuerySyntaxError with
// the column (in characters, from 1) of the problem.
QueryPtr ParseQuery(std::string_view text, const Schema& schema, const QueryParseOptions& options = {});

// Plain text as a bag of words, the way Anserini builds queries: every
// analysed term, a repeated one boosted by its count, each searched in every
// field of `fields` (empty: all text fields); the terms are required
// (`all_required`) or optional (ranked disjunction).
QueryPtr BagOfWordsQuery(std::string_view text, const Schema& schema, bool all_required,
                         const std::vector<std::string>& fields = {});

// Plain text as one phrase (stop words keeping their positions) in each
// field; a single term is a term query.
QueryPtr PhraseTextQuery(std::string_view text, const Schema& schema, const std::vector<std::string>& fields = {});

}  // namespace loupe
