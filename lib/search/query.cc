#include "loupe/query.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "loupe/error.h"
#include "util/date.h"
#include "util/utf8.h"

namespace loupe {

namespace {

// Pruning bounds assume boosts that only scale scores up or down: a negative,
// zero or NaN boost would make the top k differ from an exhaustive search.
float CheckedBoost(float boost) {
  if (!(boost > 0 && boost <= kMaxBoost)) throw InvalidArgumentError("a boost must be a positive number, at most 10^12");
  return boost;
}

}  // namespace

QueryPtr Query::Term(std::string field, std::string term, float boost) {
  auto q = std::shared_ptr<Query>(new Query());
  q->kind_ = Kind::kTerm;
  q->field_ = std::move(field);
  q->term_ = std::move(term);
  q->boost_ = CheckedBoost(boost);
  return q;
}

constexpr uint32_t kMaxPhraseSpan = uint32_t{1} << 20;

QueryPtr Query::Phrase(std::string field, std::vector<PhraseTerm> terms, uint32_t slop, float boost) {
  if (terms.empty()) return MatchNone();
  if (terms.size() == 1) return Term(std::move(field), std::move(terms[0].term), boost);
  auto q = std::shared_ptr<Query>(new Query());
  q->kind_ = Kind::kPhrase;
  q->field_ = std::move(field);
  // Positions relative to the first term, in order (as Lucene's
  // PhraseQuery requires), and within what a query of 1 MiB could span: a
  // wrapped-around or huge gap matched nothing and wrote gigabytes of
  // stop-word gaps in ToString().
  const uint32_t first = terms[0].position;
  for (size_t i = 1; i < terms.size(); ++i) {
    if (terms[i].position < terms[i - 1].position) {
      throw InvalidArgumentError("phrase positions must not decrease: '" + terms[i].term + "' at " +
                                 std::to_string(terms[i].position) + " follows " + std::to_string(terms[i - 1].position));
    }
  }
  if (terms.back().position - first > kMaxPhraseSpan) {
    throw InvalidArgumentError("a phrase may span at most 2^20 positions");
  }
  for (auto& t : terms) t.position -= first;
  q->phrase_ = std::move(terms);
  q->slop_ = slop;
  q->boost_ = CheckedBoost(boost);
  return q;
}

QueryPtr Query::Prefix(std::string field, std::string prefix, float boost) {
  auto q = std::shared_ptr<Query>(new Query());
  q->kind_ = Kind::kPrefix;
  q->field_ = std::move(field);
  q->term_ = std::move(prefix);
  q->boost_ = CheckedBoost(boost);
  return q;
}

QueryPtr Query::Boolean(std::vector<Clause> clauses, float boost) {
  for (const Clause& c : clauses) {
    if (c.query == nullptr) throw InvalidArgumentError("a Boolean query's clause has no query (null)");
  }
  auto q = std::shared_ptr<Query>(new Query());
  q->kind_ = Kind::kBoolean;
  q->clauses_ = std::move(clauses);
  q->boost_ = CheckedBoost(boost);
  return q;
}

QueryPtr Query::Keyword(std::string field, std::string value) {
  auto q = std::shared_ptr<Query>(new Query());
  q->kind_ = Kind::kKeyword;
  q->field_ = std::move(field);
  q->term_ = std::move(value);
  return q;
}

QueryPtr Query::Range(std::string field, int64_t lower, int64_t upper) {
  // An empty range (lower > upper) stays a range, not MatchNone: a required
  // empty range must still match nothing, where a clause that analysed to
  // nothing (stop words) vanishes.
  auto q = std::shared_ptr<Query>(new Query());
  q->kind_ = Kind::kRange;
  q->field_ = std::move(field);
  q->lower_ = lower;
  q->upper_ = upper;
  return q;
}

QueryPtr Query::MatchAll() {
  auto q = std::shared_ptr<Query>(new Query());
  q->kind_ = Kind::kMatchAll;
  return q;
}

QueryPtr Query::MatchNone() {
  static const QueryPtr none = [] {
    auto q = std::shared_ptr<Query>(new Query());
    q->kind_ = Kind::kMatchNone;
    return q;
  }();
  return none;
}

QueryPtr Query::Analyzed(const TextField& field, std::string_view text, float boost) {
  TokenStream stream(field.MakeAnalyzer());
  stream.Reset(text);
  std::vector<PhraseTerm> terms;
  while (stream.Next()) terms.push_back({std::string(stream.token().term), stream.token().position});
  return Phrase(field.name, std::move(terms), 0, boost);
}

namespace {

std::vector<const TextField*> FieldsOf(const Schema& schema, const std::vector<std::string>& names) {
  std::vector<const TextField*> out;
  if (names.empty()) {
    for (const TextField& f : schema.text_fields) out.push_back(&f);
    return out;
  }
  for (const std::string& n : names) {
    const TextField* f = schema.Find(n);
    if (f == nullptr) throw InvalidArgumentError("unknown field '" + n + "'");
    out.push_back(f);
  }
  return out;
}

// Plain-text queries obey the parser's bound on terms, so batch mode cannot
// be made to build (and run) a query of 100,000 clauses either.
[[noreturn]] void ThrowTooManyTerms(std::string_view text, size_t byte_offset) {
  const auto column = static_cast<uint32_t>(1 + util::CountCharacters(text.substr(0, byte_offset)));
  throw QuerySyntaxError(std::string(text), column, "too many terms (limit " + std::to_string(kMaxQueryTerms) + ")");
}

QueryPtr AnyOf(std::vector<Query::Clause> clauses) {
  if (clauses.empty()) return Query::MatchNone();
  if (clauses.size() == 1) return clauses[0].query;
  return Query::Boolean(std::move(clauses));
}

}  // namespace

QueryPtr BagOfWordsQuery(std::string_view text, const Schema& schema, bool all_required,
                         const std::vector<std::string>& fields) {
  const auto targets = FieldsOf(schema, fields);
  // Each field analyses the text its own way (one may drop stop words that
  // another keeps), so the fields' terms are matched up by the place in the
  // text they come from: a word is its terms in every field, and one clause
  // per distinct word (first-seen order) matches any of them, boosted by how
  // often the word occurs.
  struct Occurrence {
    size_t start;  // byte offset of the token in the text
    size_t field;  // index in targets
    std::string term;
  };
  std::vector<Occurrence> occurrences;
  for (size_t f = 0; f < targets.size(); ++f) {
    TokenStream stream(targets[f]->MakeAnalyzer());
    stream.Reset(text);
    while (stream.Next()) {
      occurrences.push_back({stream.token().start, f, std::string(stream.token().term)});
    }
  }
  std::stable_sort(occurrences.begin(), occurrences.end(),
                   [](const Occurrence& a, const Occurrence& b) { return a.start < b.start; });
  struct Word {
    std::vector<const std::string*> terms;  // per field, null where it has none
    uint32_t count = 0;
  };
  std::vector<Word> words;
  std::unordered_map<std::string, size_t> index;  // a word's terms, joined -> its index in words
  size_t term_clauses = 0;
  for (size_t i = 0; i < occurrences.size();) {
    const size_t word_start = occurrences[i].start;
    std::vector<const std::string*> terms(targets.size(), nullptr);
    size_t j = i;
    for (; j < occurrences.size() && occurrences[j].start == occurrences[i].start; ++j) {
      // One term per field and place; a second one there (no analyzer makes
      // one today) counts as a word of its own.
      if (terms[occurrences[j].field] != nullptr) break;
      terms[occurrences[j].field] = &occurrences[j].term;
    }
    i = j;
    std::string key;
    for (const std::string* t : terms) {
      const size_t n = t == nullptr ? 0 : t->size();
      key.append(reinterpret_cast<const char*>(&n), sizeof n);
      if (t != nullptr) key += *t;
    }
    const auto [it, added] = index.try_emplace(std::move(key), words.size());
    if (added) {
      term_clauses += static_cast<size_t>(std::count_if(terms.begin(), terms.end(), [](auto* t) { return t != nullptr; }));
      if (term_clauses > kMaxQueryTerms) ThrowTooManyTerms(text, word_start);
      words.push_back({std::move(terms), 0});
    }
    ++words[it->second].count;
  }
  std::vector<Query::Clause> clauses;
  for (const Word& w : words) {
    std::vector<Query::Clause> any;
    for (size_t f = 0; f < targets.size(); ++f) {
      if (w.terms[f] == nullptr) continue;
      any.push_back({Query::Occur::kShould, Query::Term(targets[f]->name, *w.terms[f], static_cast<float>(w.count))});
    }
    clauses.push_back({all_required ? Query::Occur::kMust : Query::Occur::kShould, AnyOf(std::move(any))});
  }
  if (clauses.empty()) return Query::MatchNone();
  return Query::Boolean(std::move(clauses));
}

QueryPtr PhraseTextQuery(std::string_view text, const Schema& schema, const std::vector<std::string>& fields) {
  std::vector<Query::Clause> any;
  size_t term_count = 0;
  for (const TextField* f : FieldsOf(schema, fields)) {
    TokenStream stream(f->MakeAnalyzer());
    stream.Reset(text);
    while (stream.Next()) {
      if (++term_count > kMaxQueryTerms) ThrowTooManyTerms(text, stream.token().start);
    }
    QueryPtr q = Query::Analyzed(*f, text);
    if (q->kind() != Query::Kind::kMatchNone) any.push_back({Query::Occur::kShould, q});
  }
  return AnyOf(std::move(any));
}

namespace {

std::string Quote(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string BoostText(float boost) {
  if (boost == 1.0f) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "^%g", static_cast<double>(boost));
  return buf;
}

}  // namespace

std::string Query::ToString() const { return Text(nullptr); }

std::string Query::ToString(const Schema& schema) const { return Text(&schema); }

std::string Query::Text(const Schema* schema) const {
  switch (kind_) {
    case Kind::kTerm: return field_ + ":" + term_ + BoostText(boost_);
    case Kind::kPrefix: return field_ + ":" + term_ + "*" + BoostText(boost_);
    case Kind::kPhrase: {
      std::string s = field_ + ":\"";
      bool first = true;
      uint32_t expected = 0;
      for (const PhraseTerm& t : phrase_) {
        for (; expected < t.position; ++expected, first = false) s += first ? "?" : " ?";  // a stop-word gap
        s += (first ? "" : " ") + Quote(t.term);
        first = false;
        expected = t.position + 1;
      }
      s += "\"";
      if (slop_ > 0) s += "~" + std::to_string(slop_);
      return s + BoostText(boost_);
    }
    case Kind::kBoolean: {
      std::string s = "(";
      for (size_t i = 0; i < clauses_.size(); ++i) {
        if (i) s += " ";
        if (clauses_[i].occur == Occur::kMust) s += "+";
        if (clauses_[i].occur == Occur::kMustNot) s += "-";
        s += clauses_[i].query->Text(schema);
      }
      return s + ")" + BoostText(boost_);
    }
    case Kind::kKeyword: return field_ + ":\"" + Quote(term_) + "\"";
    case Kind::kRange: {
      const ScalarField* scalar = schema != nullptr ? schema->FindScalar(field_) : nullptr;
      const bool dates = scalar != nullptr && scalar->type == ScalarType::kDate;
      const auto end = [&](int64_t v, int64_t open) {
        if (v == open) return std::string("*");
        return dates ? util::FormatDate(v, util::DatePrecision::kMillisecond) : std::to_string(v);
      };
      return field_ + ":[" + end(lower_, INT64_MIN) + " TO " + end(upper_, INT64_MAX) + "]";
    }
    case Kind::kMatchAll: return "*";
    case Kind::kMatchNone: return "<nothing>";
  }
  return "";
}

}  // namespace loupe
