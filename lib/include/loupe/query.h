/// @file
/// Queries: built in code or parsed from the query language (docs/QUERY.md).
///
/// A Query is an immutable tree. Its leaves name analysed terms of one field:
/// the parser analyses query text with the field's analyzer, exactly as the
/// documents were analysed, so a query built in code should pass terms through
/// the same Analyzer (Query::Analyzed does).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/schema.h"

namespace loupe {

class Query;
/// Queries are shared, immutable trees.
using QueryPtr = std::shared_ptr<const Query>;

/// A node of a query tree. Build one with the static functions or
/// ParseQuery(); a query names fields and terms, not an index, so one query
/// may be run against any reader whose schema has those fields.
///
/// Thread safety: immutable; share one between any number of threads.
class Query {
 public:
  /// What a node does.
  enum class Kind {
    kTerm,      ///< one term of one field
    kPhrase,    ///< terms at fixed relative positions, with an optional slop
    kPrefix,    ///< every term of a field that starts with a prefix
    kBoolean,   ///< clauses that must, should or must not match
    kKeyword,   ///< a filter: documents whose keyword field has a value (score 0)
    kRange,     ///< a filter: documents whose date or integer field lies in a range (score 0)
    kMatchAll,  ///< every document (score 0)
    kMatchNone  ///< no document (what a query of only stop words becomes)
  };
  /// How a clause of a Boolean query takes part.
  enum class Occur {
    kMust,     ///< required, and scored
    kShould,   ///< optional, adds to the score; at least one must match if there is no kMust
    kMustNot,  ///< excluded
  };

  /// One clause of a Boolean query.
  struct Clause {
    Occur occur{};   ///< how it takes part
    QueryPtr query{};  ///< the sub-query
  };
  /// One term of a Phrase query.
  struct PhraseTerm {
    std::string term{}; ///< an analysed term
    uint32_t position{};  ///< relative position; stop words leave gaps
  };

  /// Boosts scale a query's score; they must be positive and finite
  /// (InvalidArgumentError otherwise), as the query language's `^N` is.
  ///
  /// One analysed term of a field (see Analyzed() for raw text).
  static QueryPtr Term(std::string field, std::string term, float boost = 1.0f);
  /// Analysed terms at the given relative positions, at most `slop` moves
  /// apart. Positions must not decrease along `terms` (equal ones stand on
  /// one word), and the last at most 2^20 past the first
  /// (InvalidArgumentError otherwise).
  static QueryPtr Phrase(std::string field, std::vector<PhraseTerm> terms, uint32_t slop = 0, float boost = 1.0f);
  /// Every term of the field starting with `prefix` (already analysed: e.g. lower-cased).
  static QueryPtr Prefix(std::string field, std::string prefix, float boost = 1.0f);
  /// Clauses that must, should or must not match; none may be null
  /// (InvalidArgumentError).
  static QueryPtr Boolean(std::vector<Clause> clauses, float boost = 1.0f);
  /// Documents whose keyword field `field` holds exactly `value`. A filter:
  /// it matches without adding to the score.
  static QueryPtr Keyword(std::string field, std::string value);
  /// Documents whose date or integer field `field` has a value in
  /// [lower, upper] (dates in milliseconds since 1970, UTC; INT64_MIN and
  /// INT64_MAX leave an end open). A filter, like Keyword().
  static QueryPtr Range(std::string field, int64_t lower, int64_t upper);
  /// Every live document, with score 0.
  static QueryPtr MatchAll();
  /// No document.
  static QueryPtr MatchNone();

  /// `text` analysed with `field`'s analyzer: one term gives a Term query,
  /// several a Phrase, none (only stop words) MatchNone.
  static QueryPtr Analyzed(const TextField& field, std::string_view text, float boost = 1.0f);

  /// What this node does.
  Kind kind() const { return kind_; }
  /// The field of a Term, Phrase or Prefix node.
  const std::string& field() const { return field_; }
  /// The term of a Term node, or the prefix of a Prefix node.
  const std::string& term() const { return term_; }
  /// The terms of a Phrase node.
  const std::vector<PhraseTerm>& phrase() const { return phrase_; }
  /// The slop of a Phrase node.
  uint32_t slop() const { return slop_; }
  /// kRange: the inclusive bounds.
  int64_t lower() const { return lower_; }
  int64_t upper() const { return upper_; }
  /// The node's score multiplier.
  float boost() const { return boost_; }
  /// The clauses of a Boolean node.
  const std::vector<Clause>& clauses() const { return clauses_; }

  /// A canonical text form, e.g. (+body:china title:"trade talk"~2^2 -body:war).
  /// A range holds integers: one over a date field is in milliseconds since
  /// 1970-01-01 UTC here.
  std::string ToString() const;
  /// The same, with ranges over the schema's date fields written as ISO 8601
  /// dates (date:[2020-01-01T00:00:00.000Z TO *]), as explanations show them.
  std::string ToString(const Schema& schema) const;

 private:
  Query() = default;
  std::string Text(const Schema* schema) const;

  Kind kind_ = Kind::kMatchNone;
  std::string field_;
  std::string term_;
  std::vector<PhraseTerm> phrase_;
  uint32_t slop_ = 0;
  int64_t lower_ = 0, upper_ = 0;
  float boost_ = 1.0f;
  std::vector<Clause> clauses_;
};

/// How ParseQuery() reads a query.
struct QueryParseOptions {
  /// Between bare terms: OR (ranked by BM25, the default) or AND.
  bool default_and = false;
  /// Fields searched by terms without "field:"; empty means every text field.
  std::vector<std::string> default_fields{};
};

/// Limit on nested parentheses and operators, which keeps hostile queries bounded.
inline constexpr size_t kMaxQueryDepth = 64;
/// Limit on terms after analysis and field expansion.
inline constexpr size_t kMaxQueryTerms = 1024;
/// The largest boost of a query, and of the product of the boosts down a
/// query tree: with field weights at most 10^6 and at most kMaxQueryTerms
/// terms, every score stays a finite float.
inline constexpr float kMaxBoost = 1e12f;
/// Limit on the query text, in bytes.
inline constexpr size_t kMaxQueryBytes = 1 << 20;

/// Parses the query language (docs/QUERY.md) against a schema, analysing
/// each term with its field's analyzer.
/// @throws QuerySyntaxError the text does not parse or passes a limit above;
///         column() says where, in characters from 1
/// @throws InvalidArgumentError a default field the schema does not have
QueryPtr ParseQuery(std::string_view text, const Schema& schema, const QueryParseOptions& options = {});

/// Plain text as a bag of words, the way Anserini builds queries: every
/// analysed term, a repeated one boosted by its count, each searched in every
/// field of `fields` (empty: all text fields); the terms are required
/// (`all_required`) or optional (ranked disjunction). Any text is accepted
/// (there is no syntax).
/// @throws InvalidArgumentError a field the schema does not have
/// @throws QuerySyntaxError more than kMaxQueryTerms terms
QueryPtr BagOfWordsQuery(std::string_view text, const Schema& schema, bool all_required,
                         const std::vector<std::string>& fields = {});

/// Plain text as one phrase (stop words keeping their positions) in each
/// field; a single term is a term query.
/// @throws InvalidArgumentError a field the schema does not have
/// @throws QuerySyntaxError more than kMaxQueryTerms terms
QueryPtr PhraseTextQuery(std::string_view text, const Schema& schema, const std::vector<std::string>& fields = {});

}  // namespace loupe
