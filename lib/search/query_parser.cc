// The query language (docs/QUERY.md), parsed by recursive descent:
//
//   query    := or_expr
//   or_expr  := and_expr ( ("OR" | "||") and_expr )*
//   and_expr := sequence ( ("AND" | "&&") sequence )*
//   sequence := clause+                    (juxtaposition: the default operator)
//   clause   := [ "+" | "-" | "NOT" | "!" ] atom [ "^" number ]
//   atom     := "(" query ")" | field ":" atom | word | word* | "phrase" [ "~" number ] | "*"
//             | scalar ":" ( value | "phrase" | ("[" | "{") bound "TO" bound ("]" | "}") )
//
// Recursion depth is bounded (kMaxQueryDepth) and so is the number of terms
// (kMaxQueryTerms), so no query text can exhaust the stack or the memory.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "loupe/error.h"
#include "loupe/query.h"
#include "util/date.h"
#include "util/utf8.h"

namespace loupe {
namespace {

enum class Tok { kEnd, kWord, kPhrase, kField, kLParen, kRParen, kPlus, kMinus, kNot, kAnd, kOr, kCaret, kTilde };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;   // word, phrase or field text (unescaped)
  size_t offset = 0;  // byte offset in the query
  bool prefix = false;  // a word ending in an unescaped '*'
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsSpecial(char c) { return c == '(' || c == ')' || c == '"' || c == ':' || c == '^' || c == '~'; }

class Parser {
 public:
  Parser(std::string_view text, const Schema& schema, const QueryParseOptions& options)
      : text_(text), schema_(schema), options_(options) {
    if (options_.default_fields.empty()) {
      for (const TextField& f : schema_.text_fields) default_fields_.push_back(&f);
    } else {
      for (const std::string& name : options_.default_fields) {
        const TextField* f = schema_.Find(name);
        if (f == nullptr) throw InvalidArgumentError("unknown default field '" + name + "'");
        // Named twice, a field would count twice.
        if (std::find(default_fields_.begin(), default_fields_.end(), f) == default_fields_.end()) {
          default_fields_.push_back(f);
        }
      }
    }
  }

  QueryPtr Parse() {
    if (text_.size() > kMaxQueryBytes) Fail(kMaxQueryBytes, "query longer than 1 MiB");
    if (util::FindInvalidUtf8(text_) != std::string_view::npos) {
      Fail(util::FindInvalidUtf8(text_), "invalid UTF-8 in the query");
    }
    Advance();
    if (token_.kind == Tok::kEnd) return Query::MatchNone();
    QueryPtr q = ParseOr(0, default_fields_);
    if (token_.kind == Tok::kRParen) Fail(token_.offset, "unmatched ')'");
    if (token_.kind != Tok::kEnd) Fail(token_.offset, "unexpected " + Describe(token_));
    return TopLevel(q);
  }

 private:
  using Fields = std::vector<const TextField*>;

  [[noreturn]] void Fail(size_t offset, const std::string& reason) const {
    // Column in characters, from 1.
    const auto column = static_cast<uint32_t>(1 + util::CountCharacters(text_.substr(0, offset)));
    throw QuerySyntaxError(std::string(text_), column, reason);
  }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd: return "end of query";
      case Tok::kWord: return "word '" + t.text + "'";
      case Tok::kPhrase: return "phrase";
      case Tok::kField: return "field '" + t.text + ":'";
      case Tok::kLParen: return "'('";
      case Tok::kRParen: return "')'";
      case Tok::kPlus: return "'+'";
      case Tok::kMinus: return "'-'";
      case Tok::kNot: return "NOT";
      case Tok::kAnd: return "AND";
      case Tok::kOr: return "OR";
      case Tok::kCaret: return "'^'";
      case Tok::kTilde: return "'~'";
    }
    return "token";
  }

  // ---- lexer ----
  void Advance() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
    token_ = Token{};
    token_.offset = pos_;
    if (pos_ >= text_.size()) return;
    const char c = text_[pos_];
    const bool at_term_start = pos_ == 0 || IsSpace(text_[pos_ - 1]) || text_[pos_ - 1] == '(' ||
                               text_[pos_ - 1] == ':';
    switch (c) {
      case '(': ++pos_; token_.kind = Tok::kLParen; return;
      case ')': ++pos_; token_.kind = Tok::kRParen; return;
      case '^': ++pos_; token_.kind = Tok::kCaret; return;
      case '~': ++pos_; token_.kind = Tok::kTilde; return;
      case ':': Fail(pos_, "':' without a field name before it");
      case '"': LexPhrase(); return;
      default: break;
    }
    if (at_term_start && (c == '+' || c == '-' || c == '!')) {
      ++pos_;
      // "+-trade" or "--trade" would otherwise lex the second operator into
      // the word, where the analyzer drops it: "+-trade" would require trade.
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-' || text_[pos_] == '!')) {
        Fail(pos_, std::string("'") + text_[pos_] + "' right after the operator '" + c + "': use one operator");
      }
      token_.kind = c == '+' ? Tok::kPlus : c == '-' ? Tok::kMinus : Tok::kNot;
      return;
    }
    if (text_.compare(pos_, 2, "&&") == 0 || text_.compare(pos_, 2, "||") == 0) {
      token_.kind = c == '&' ? Tok::kAnd : Tok::kOr;
      pos_ += 2;
      return;
    }
    LexWord();
  }

  void LexPhrase() {
    const size_t start = pos_++;
    std::string text;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      text.push_back(text_[pos_++]);
    }
    if (pos_ >= text_.size()) Fail(start, "unclosed quote");
    ++pos_;
    token_.kind = Tok::kPhrase;
    token_.text = std::move(text);
  }

  void LexWord() {
    std::string text;
    bool escaped_last = false;
    while (pos_ < text_.size() && !IsSpace(text_[pos_]) && !IsSpecial(text_[pos_])) {
      if (text_[pos_] == '\\') {
        if (pos_ + 1 >= text_.size()) Fail(pos_, "'\\' at the end of the query");
        ++pos_;
        escaped_last = true;
      } else {
        escaped_last = false;
        // Only a prefix's trailing '*' is a wildcard; elsewhere the analyzer
        // would drop it and quietly search for something else.
        if (text_[pos_] == '*' && pos_ + 1 < text_.size() && !IsSpace(text_[pos_ + 1]) &&
            !IsSpecial(text_[pos_ + 1])) {
          Fail(pos_, "'*' can only end a word (a prefix, as in chin*); write \\* for the character itself");
        }
      }
      text.push_back(text_[pos_++]);
    }
    if (pos_ < text_.size() && text_[pos_] == ':') {
      ++pos_;
      token_.kind = Tok::kField;
      token_.text = std::move(text);
      return;
    }
    token_.kind = Tok::kWord;
    if (text == "AND") token_.kind = Tok::kAnd;
    if (text == "OR") token_.kind = Tok::kOr;
    if (text == "NOT") token_.kind = Tok::kNot;
    if (!escaped_last && text.size() > 1 && text.back() == '*') {
      token_.prefix = true;
      text.pop_back();
    } else if (text == "*" && !escaped_last) {
      token_.prefix = true;
      text.clear();
    }
    token_.text = std::move(text);
  }

  // ---- grammar ----
  void CheckDepth(size_t depth, size_t offset) const {
    if (depth > kMaxQueryDepth) Fail(offset, "query nested too deeply (limit " + std::to_string(kMaxQueryDepth) + ")");
  }

  // `depth` counts open groups and field scopes; the grammar's own levels
  // are loops, so the stack is bounded by kMaxQueryDepth groups.
  QueryPtr ParseOr(size_t depth, const Fields& fields) {
    CheckDepth(depth, token_.offset);
    std::vector<QueryPtr> items = {ParseAnd(depth, fields)};
    while (token_.kind == Tok::kOr) {
      const size_t at = token_.offset;
      Advance();
      if (!StartsClause()) Fail(at, "OR needs a term after it");
      items.push_back(ParseAnd(depth, fields));
    }
    std::erase_if(items, [](const QueryPtr& q) { return q->kind() == Query::Kind::kMatchNone; });
    if (items.empty()) return Query::MatchNone();
    if (items.size() == 1) return items[0];
    std::vector<Query::Clause> clauses;
    for (auto& q : items) clauses.push_back({Query::Occur::kShould, q});
    return Query::Boolean(std::move(clauses));
  }

  // Clauses that became MatchNone (only stop words) vanish, as in Lucene; a
  // single positive clause left is the query itself.
  static QueryPtr Simplify(std::vector<Query::Clause> clauses) {
    std::erase_if(clauses, [](const Query::Clause& c) { return c.query->kind() == Query::Kind::kMatchNone; });
    if (clauses.empty()) return Query::MatchNone();
    if (clauses.size() == 1 && clauses[0].occur != Query::Occur::kMustNot) return clauses[0].query;
    return Query::Boolean(std::move(clauses));
  }

  QueryPtr ParseAnd(size_t depth, const Fields& fields) {
    std::vector<Query::Clause> clauses;
    const auto add = [&](QueryPtr q) {
      // "a AND NOT b": a sequence made only of exclusions excludes at this level.
      if (q->kind() == Query::Kind::kBoolean && q->boost() == 1.0f &&
          std::all_of(q->clauses().begin(), q->clauses().end(),
                      [](const Query::Clause& c) { return c.occur == Query::Occur::kMustNot; })) {
        for (const auto& c : q->clauses()) clauses.push_back(c);
      } else {
        clauses.push_back({Query::Occur::kMust, q});
      }
    };
    add(ParseSequence(depth, fields));
    while (token_.kind == Tok::kAnd) {
      const size_t at = token_.offset;
      Advance();
      if (!StartsClause()) Fail(at, "AND needs a term after it");
      add(ParseSequence(depth, fields));
    }
    return Simplify(std::move(clauses));
  }

  bool StartsClause() const {
    switch (token_.kind) {
      case Tok::kWord: case Tok::kPhrase: case Tok::kField: case Tok::kLParen:
      case Tok::kPlus: case Tok::kMinus: case Tok::kNot:
        return true;
      default:
        return false;
    }
  }

  QueryPtr ParseSequence(size_t depth, const Fields& fields) {
    std::vector<Query::Clause> clauses;
    if (!StartsClause()) {
      if (token_.kind == Tok::kEnd) Fail(token_.offset, "the query ends where a term was expected");
      Fail(token_.offset, "expected a term, found " + Describe(token_));
    }
    while (StartsClause()) {
      Query::Occur occur = options_.default_and ? Query::Occur::kMust : Query::Occur::kShould;
      bool explicit_occur = false;
      if (token_.kind == Tok::kPlus || token_.kind == Tok::kMinus || token_.kind == Tok::kNot) {
        occur = token_.kind == Tok::kPlus ? Query::Occur::kMust : Query::Occur::kMustNot;
        explicit_occur = true;
        const size_t at = token_.offset;
        Advance();
        if (!StartsClause() || token_.kind == Tok::kPlus || token_.kind == Tok::kMinus || token_.kind == Tok::kNot) {
          Fail(at, "an operator needs a term right after it");
        }
      }
      QueryPtr q = ParseAtom(depth, fields);
      q = ParseBoost(q);
      clauses.push_back({occur, q});
      if (clauses.size() == 1 && !explicit_occur && !StartsClause()) return q;  // a lone term
    }
    return Simplify(std::move(clauses));
  }

  QueryPtr ParseBoost(QueryPtr q) {
    if (token_.kind == Tok::kTilde) Fail(token_.offset, "'~' (fuzzy or proximity) only follows a quoted phrase");
    if (token_.kind != Tok::kCaret) return q;
    const size_t at = token_.offset;
    Advance();
    const double value = Number(at, "'^' needs a positive number after it");
    // Bounded on both sides: a float holds the boost and its products.
    if (!(value >= 1e-6 && value <= 1e6)) Fail(at, "a boost must be between 0.000001 and 1000000");
    const auto boost = static_cast<float>(value);
    // Boosts multiply down the tree: the largest product from here to a
    // term is bounded too (scores stay finite), and checked here, at the
    // '^' that would pass the bound, rather than when the query runs.
    const float combined = LargestBoostProduct(*q) * boost;
    // The node's own boost too: a group's may reach zero while a clause's
    // large one keeps the largest product above it.
    if (!(combined > 0) || !(q->boost() * boost > 0)) {
      Fail(at, "the boosts here multiply beyond what a float holds (to zero)");
    }
    if (combined > kMaxBoost) Fail(at, "the boosts here multiply to more than 10^12");
    return Reboost(q, boost);
  }

  static float LargestBoostProduct(const Query& q) {
    float largest = 1;
    if (q.kind() == Query::Kind::kBoolean) {
      for (const Query::Clause& c : q.clauses()) largest = std::max(largest, LargestBoostProduct(*c.query));
    }
    return q.boost() * largest;
  }

  double Number(size_t at, const char* message) {
    if (token_.kind != Tok::kWord || token_.text.empty() || token_.prefix) Fail(at, message);
    char* end = nullptr;
    const double v = std::strtod(token_.text.c_str(), &end);
    if (end != token_.text.c_str() + token_.text.size() || !std::isfinite(v)) Fail(token_.offset, message);
    Advance();
    return v;
  }

  static QueryPtr Reboost(const QueryPtr& q, float boost) {
    switch (q->kind()) {
      case Query::Kind::kTerm: return Query::Term(q->field(), q->term(), q->boost() * boost);
      case Query::Kind::kPrefix: return Query::Prefix(q->field(), q->term(), q->boost() * boost);
      case Query::Kind::kPhrase: return Query::Phrase(q->field(), q->phrase(), q->slop(), q->boost() * boost);
      case Query::Kind::kBoolean: return Query::Boolean(q->clauses(), q->boost() * boost);
      default: return q;
    }
  }

  QueryPtr ParseAtom(size_t depth, const Fields& fields) {
    switch (token_.kind) {
      case Tok::kLParen: {
        const size_t open = token_.offset;
        Advance();
        if (token_.kind == Tok::kRParen) Fail(token_.offset, "empty parentheses");
        QueryPtr q = ParseOr(depth + 1, fields);
        if (token_.kind != Tok::kRParen) Fail(open, "'(' is never closed");
        Advance();
        return q;
      }
      case Tok::kField: {
        const size_t at = token_.offset;
        const TextField* field = schema_.Find(token_.text);
        if (field == nullptr) {
          const ScalarField* scalar = schema_.FindScalar(token_.text);
          if (scalar != nullptr && scalar->type != ScalarType::kStored) return ParseScalar(*scalar, at);
          std::string known;
          for (const TextField& f : schema_.text_fields) known += (known.empty() ? "" : ", ") + f.name;
          for (const ScalarField& f : schema_.scalar_fields) {
            if (f.type != ScalarType::kStored) known += ", " + f.name;
          }
          if (scalar != nullptr) Fail(at, "field '" + token_.text + "' is stored only, not searchable (fields: " + known + ")");
          Fail(at, "unknown field '" + token_.text + "' (fields: " + known + ")");
        }
        if (pos_ < text_.size() && (text_[pos_] == '[' || text_[pos_] == '{')) {
          Fail(at, "field '" + field->name + "' is a text field: ranges need a date or integer field");
        }
        Advance();
        if (token_.kind != Tok::kWord && token_.kind != Tok::kPhrase && token_.kind != Tok::kLParen) {
          Fail(at, "a field name needs a term, phrase or '(' right after the ':'");
        }
        CheckDepth(depth + 1, at);
        return ParseAtom(depth + 1, Fields{field});
      }
      case Tok::kWord: {
        Token word = token_;
        Advance();
        if (word.prefix && word.text.empty()) return Query::MatchAll();
        if (word.prefix) return PerField(fields, word, [&](const TextField& f) { return PrefixQuery(f, word); });
        return PerField(fields, word, [&](const TextField& f) { return Query::Analyzed(f, word.text); });
      }
      case Tok::kPhrase: {
        Token phrase = token_;
        Advance();
        uint32_t slop = 0;
        if (token_.kind == Tok::kTilde) {
          const size_t at = token_.offset;
          Advance();
          const double v = Number(at, "'~' needs a whole number of positions after it");
          if (v < 0 || v > 10000 || v != std::floor(v)) Fail(at, "'~' needs a whole number between 0 and 10000");
          slop = static_cast<uint32_t>(v);
        }
        return PerField(fields, phrase, [&](const TextField& f) {
          QueryPtr q = Query::Analyzed(f, phrase.text);
          if (q->kind() == Query::Kind::kPhrase && slop > 0) return Query::Phrase(q->field(), q->phrase(), slop);
          return q;
        });
      }
      default:
        Fail(token_.offset, "expected a term, found " + Describe(token_));
    }
  }

  // A filter on a scalar field; pos_ is just after the ':'. Values are not
  // analysed: keywords match exactly, dates name a period (a year, month,
  // day, ...), integers a number.
  QueryPtr ParseScalar(const ScalarField& field, size_t at) {
    if (pos_ < text_.size() && (text_[pos_] == '[' || text_[pos_] == '{')) {
      const size_t open = pos_;
      const bool lower_inclusive = text_[pos_] == '[';
      const size_t close = text_.find_first_of("]}", pos_);
      if (close == std::string_view::npos) Fail(open, "range never closed (expected ']' or '}')");
      const bool upper_inclusive = text_[close] == ']';
      std::vector<std::pair<std::string, size_t>> parts;  // (text, offset)
      for (size_t i = open + 1; i < close;) {
        while (i < close && IsSpace(text_[i])) ++i;
        const size_t start = i;
        while (i < close && !IsSpace(text_[i])) ++i;
        if (i > start) parts.emplace_back(std::string(text_.substr(start, i - start)), start);
      }
      if (parts.size() != 3 || parts[1].first != "TO") Fail(open, "a range is written [LOWER TO UPPER] ('*' for an open end)");
      if (field.type == ScalarType::kKeyword) Fail(at, "field '" + field.name + "' is a keyword field: ranges need a date or integer field");
      pos_ = close + 1;
      const std::optional<int64_t> lower =
          parts[0].first == "*" ? INT64_MIN : Bound(field, parts[0].first, parts[0].second, true, lower_inclusive);
      const std::optional<int64_t> upper =
          parts[2].first == "*" ? INT64_MAX : Bound(field, parts[2].first, parts[2].second, false, upper_inclusive);
      Advance();
      // An end beyond the integers ({MAX TO ...]) leaves nothing: an empty range.
      if (!lower || !upper) return Query::Range(field.name, 1, 0);
      return Query::Range(field.name, *lower, *upper);
    }
    // A value is read as written up to a space, ')' or '^' ("n:-5" is
    // minus five, not an exclusion), a backslash making the next character
    // literal as in words (t:R\&D, t:a\)b), or quoted.
    if (pos_ < text_.size() && text_[pos_] == '(') {
      Fail(at, "field '" + field.name + "' takes one value or a range after the ':'; a group is for text fields (write (" +
                   field.name + ":a OR " + field.name + ":b))");
    }
    Token value;
    if (pos_ < text_.size() && text_[pos_] != '"' && !IsSpace(text_[pos_]) && text_[pos_] != ')') {
      value.offset = pos_;
      bool escaped_end = false;
      while (pos_ < text_.size() && !IsSpace(text_[pos_]) && text_[pos_] != ')' && text_[pos_] != '^') {
        escaped_end = text_[pos_] == '\\';
        if (escaped_end) {
          if (pos_ + 1 >= text_.size()) Fail(pos_, "'\\' at the end of the query");
          ++pos_;
        }
        value.text.push_back(text_[pos_++]);
      }
      if (value.text.back() == '*' && !escaped_end) {
        Fail(pos_ - 1, "'*' (a prefix) needs a text field; '" + field.name + "' has type " + ScalarTypeName(field.type));
      }
      Advance();
    } else {
      Advance();
      if (token_.kind != Tok::kPhrase) {
        Fail(at, "field '" + field.name + "' needs a value, a quoted value or a range right after the ':'");
      }
      value = token_;
      Advance();
    }
    ++terms_;
    if (field.type == ScalarType::kKeyword) return Query::Keyword(field.name, value.text);
    return Query::Range(field.name, *Bound(field, value.text, value.offset, true, true),
                        *Bound(field, value.text, value.offset, false, true));
  }

  // One end of a range over a date or integer field, as an inclusive bound;
  // none when an exclusive end is past the last integer.
  std::optional<int64_t> Bound(const ScalarField& field, const std::string& text, size_t offset, bool lower,
                               bool inclusive) const {
    if (field.type == ScalarType::kDate) {
      const std::optional<util::DatePeriod> p = util::ParseIsoDate(text);
      if (!p) {
        Fail(offset, "'" + text + "' is not a date (YYYY, YYYY-MM, YYYY-MM-DD or " +
                         "YYYY-MM-DDThh:mm[:ss[.fff]][Z|+hh:mm|-hh:mm])");
      }
      if (lower) return inclusive ? p->first_ms : p->last_ms + 1;
      return inclusive ? p->last_ms : p->first_ms - 1;
    }
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || v == INT64_MIN) {
      Fail(offset, "'" + text + "' is not an integer");
    }
    if (inclusive) return v;
    if (lower) return v == INT64_MAX ? std::nullopt : std::optional<int64_t>(v + 1);
    return v - 1;  // v > INT64_MIN
  }

  // A prefix is normalised like the field's terms but not stemmed (the
  // dictionary holds stems, and the stem of a word's beginning is not the
  // beginning of its stem).
  QueryPtr PrefixQuery(const TextField& field, const Token& word) {
    if (word.text.empty()) Fail(word.offset, "a lone '*' is not a query (prefixes need at least one character)");
    AnalyzerConfig config = field.analyzer;
    config.stemmer.clear();
    config.stop_words = StopWords::kNone;
    const auto tokens = Analyzer(field.analyzer_name, config).Analyze(word.text);
    if (tokens.size() != 1) Fail(word.offset, "a prefix must be a single word");
    return Query::Prefix(field.name, tokens[0].term);
  }

  // A term without a field searches every default field.
  template <typename Make>
  QueryPtr PerField(const Fields& fields, const Token& at, Make make) {
    std::vector<Query::Clause> clauses;
    for (const TextField* f : fields) {
      QueryPtr q = make(*f);
      terms_ += q->kind() == Query::Kind::kPhrase ? q->phrase().size() : 1;
      if (terms_ > kMaxQueryTerms) {
        Fail(at.offset, "too many terms (limit " + std::to_string(kMaxQueryTerms) + " after analysis, a word counting once " +
                            "for each field it searches: " + std::to_string(fields.size()) + " here)");
      }
      if (q->kind() != Query::Kind::kMatchNone) clauses.push_back({Query::Occur::kShould, q});
    }
    if (clauses.empty()) return Query::MatchNone();
    if (clauses.size() == 1) return clauses[0].query;
    return Query::Boolean(std::move(clauses));
  }

  // A query made only of exclusions ("-war") means "everything except".
  static QueryPtr TopLevel(const QueryPtr& q) {
    if (q->kind() != Query::Kind::kBoolean || q->clauses().empty()) return q;
    const bool only_excluded = std::all_of(q->clauses().begin(), q->clauses().end(), [](const Query::Clause& c) {
      return c.occur == Query::Occur::kMustNot;
    });
    if (!only_excluded) return q;
    std::vector<Query::Clause> clauses = q->clauses();
    clauses.insert(clauses.begin(), {Query::Occur::kMust, Query::MatchAll()});
    return Query::Boolean(std::move(clauses), q->boost());
  }

  std::string_view text_;
  const Schema& schema_;
  const QueryParseOptions& options_;
  Fields default_fields_;
  size_t pos_ = 0;
  Token token_;
  size_t terms_ = 0;
};

}  // namespace

QueryPtr ParseQuery(std::string_view text, const Schema& schema, const QueryParseOptions& options) {
  return Parser(text, schema, options).Parse();
}

}  // namespace loupe
