// Snippets: the fragment of a field's text where the query's terms are
// densest, with the matched words marked. The text is analysed again with
// the field's analyzer, so a match is exactly what the index matched
// (stemmed, folded), and the markers fall on the original words.
#include <algorithm>
#include <map>
#include <set>

#include "analysis/unicode/unicode_tables.h"
#include "loupe/error.h"
#include "loupe/searcher.h"
#include "util/utf8.h"

namespace loupe {
namespace {

constexpr const char* kAsciiSpace = " \t\n\r";

struct QueryTerms {
  std::set<std::string> terms;
  std::vector<std::string> prefixes;
  // Exact phrases: their words are marked only where the whole phrase is.
  std::vector<const std::vector<Query::PhraseTerm>*> phrases;
};

// Terms under an even number of exclusions are marked: `-war` marks
// nothing, `-(-war)` (which is `war`) marks war.
void Collect(const Query& q, const std::string& field, QueryTerms& out, bool excluded = false) {
  if (excluded) {
    if (q.kind() == Query::Kind::kBoolean) {
      for (const auto& c : q.clauses()) {
        if (c.occur == Query::Occur::kMustNot) Collect(*c.query, field, out, false);
      }
    }
    return;
  }
  switch (q.kind()) {
    case Query::Kind::kTerm:
      if (q.field() == field) out.terms.insert(q.term());
      break;
    case Query::Kind::kPrefix:
      if (q.field() == field) out.prefixes.push_back(q.term());
      break;
    case Query::Kind::kPhrase:
      if (q.field() != field) break;
      if (q.slop() == 0 && q.phrase().size() > 1) {
        out.phrases.push_back(&q.phrase());
      } else {
        // A sloppy phrase's words are marked wherever they are.
        for (const auto& t : q.phrase()) out.terms.insert(t.term);
      }
      break;
    case Query::Kind::kBoolean:
      for (const auto& c : q.clauses()) Collect(*c.query, field, out, c.occur == Query::Occur::kMustNot);
      break;
    default:
      break;
  }
}

struct Match {
  uint32_t start, end;  // bytes
  uint32_t char_start, char_end;  // characters (the length limit counts these)
  uint32_t position;
  bool hit;
  std::string term;
};

// Marks the words of each occurrence of an exact phrase.
void MarkPhrases(const QueryTerms& wanted, std::vector<Match>& tokens) {
  const auto at_position = [&](uint32_t position) -> Match* {
    const auto it = std::lower_bound(tokens.begin(), tokens.end(), position,
                                     [](const Match& m, uint32_t p) { return m.position < p; });
    return it != tokens.end() && it->position == position ? &*it : nullptr;
  };
  for (const auto* phrase : wanted.phrases) {
    const Query::PhraseTerm& first = phrase->front();
    for (const Match& token : tokens) {
      if (token.term != first.term || token.position < first.position) continue;
      const uint32_t start = token.position - first.position;
      bool whole = true;
      for (const Query::PhraseTerm& t : *phrase) {
        const Match* m = at_position(start + t.position);
        whole = whole && m != nullptr && m->term == t.term;
      }
      if (!whole) continue;
      for (const Query::PhraseTerm& t : *phrase) at_position(start + t.position)->hit = true;
    }
  }
}

// Where to cut `text` to keep at most `max_chars` characters: never inside
// a character, nor between a character and the marks, format characters and
// joiners that belong to it (UAX #29's rule WB4, and an emoji after a zero
// width joiner), so an accent or a ZWJ sequence is not split.
size_t CutAt(std::string_view text, size_t max_chars) {
  const auto* begin = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = begin + text.size();
  const auto* p = begin;
  size_t chars = 0;
  bool after_zwj = false;
  while (p < end) {
    const util::DecodedChar d = util::DecodeUtf8(p, end);
    const analysis::CharClass c = analysis::ClassOfInfo(analysis::CharInfo(d.code_point));
    const bool attached = c == analysis::CharClass::kExtend || c == analysis::CharClass::kFormat ||
                          c == analysis::CharClass::kZWJ || after_zwj;
    if (!attached && chars >= max_chars) break;
    after_zwj = c == analysis::CharClass::kZWJ;
    ++chars;
    p += d.length;
  }
  return static_cast<size_t>(p - begin);
}

// Whitespace runs (newlines included) become one space in a snippet.
void AppendFlat(std::string& out, std::string_view text) {
  bool space = !out.empty() && out.back() == ' ';
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      if (!space) out.push_back(' ');
      space = true;
    } else {
      out.push_back(c);
      space = false;
    }
  }
}

}  // namespace

std::string Searcher::Snippet(const Query& query, const std::string& field, std::string_view text,
                              const SnippetOptions& options) const {
  const TextField* f = reader_->schema().Find(field);
  if (f == nullptr) throw InvalidArgumentError("unknown field '" + field + "'");
  QueryTerms wanted;
  Collect(query, field, wanted);
  // Only the text's start is analysed, cut at a character boundary.
  size_t analyzed_bytes = std::min(text.size(), std::max<size_t>(options.max_analyzed_bytes, 1024));
  for (int back = 0; back < 3 && analyzed_bytes > 0 && analyzed_bytes < text.size() &&
                     (static_cast<unsigned char>(text[analyzed_bytes]) & 0xC0) == 0x80;
       ++back) {
    --analyzed_bytes;
  }
  const bool cut = analyzed_bytes < text.size();
  text = text.substr(0, analyzed_bytes);
  std::vector<Match> tokens;
  TokenStream stream(f->MakeAnalyzer());
  stream.Reset(text);
  uint32_t counted_to = 0, chars = 0;  // characters before byte counted_to
  while (stream.Next()) {
    const Token& t = stream.token();
    // A word the cut runs through is not the word in the text: left out.
    if (cut && t.end >= analyzed_bytes) break;
    bool hit = wanted.terms.contains(std::string(t.term));
    for (const std::string& p : wanted.prefixes) hit = hit || t.term.starts_with(p);
    const auto char_start = static_cast<uint32_t>(chars + util::CountCharacters(text.substr(counted_to, t.start - counted_to)));
    const auto char_end = static_cast<uint32_t>(char_start + util::CountCharacters(text.substr(t.start, t.end - t.start)));
    counted_to = t.end;
    chars = char_end;
    tokens.push_back({t.start, t.end, char_start, char_end, t.position, hit, std::string(t.term)});
  }
  MarkPhrases(wanted, tokens);
  const size_t limit = std::max<size_t>(options.max_chars, 20);
  // Best window (two pointers over the tokens, counts kept as it slides):
  // most distinct matched terms, then most matches, earliest first.
  size_t best_begin = 0, best_end = 0;
  int64_t best_score = -1;
  std::map<std::string_view, int> counts;
  int64_t matches = 0;
  size_t j = 0;  // one past the window's last token
  for (size_t i = 0; i < tokens.size(); ++i) {
    while (j < tokens.size() && (j == i || tokens[j].char_end - tokens[i].char_start <= limit)) {
      if (tokens[j].hit) {
        ++counts[tokens[j].term];
        ++matches;
      }
      ++j;
    }
    const int64_t score = static_cast<int64_t>(counts.size()) * 1000 + matches;
    if (score > best_score) {
      best_score = score;
      best_begin = i;
      best_end = j - 1;
    }
    if (tokens[i].hit) {
      if (--counts[tokens[i].term] == 0) counts.erase(tokens[i].term);
      --matches;
    }
  }
  std::string out;
  if (tokens.empty()) {
    // No word: the text's start, less its leading white space.
    const std::string_view rest = text.substr(std::min(text.find_first_not_of(kAsciiSpace), text.size()));
    if (rest.empty()) return cut ? options.ellipsis : "";
    const size_t end = CutAt(rest, limit);
    AppendFlat(out, util::SanitizeUtf8(rest.substr(0, end)));
    if (end < rest.size() || cut) out += options.ellipsis;
    return out;
  }
  // Start at the window's first word; or at the text's start when only
  // white space comes before it, or when what does is short and the whole
  // still fits the limit. Leading white space is never kept (it is ASCII:
  // `lead` counts characters as well as bytes).
  const auto lead = static_cast<uint32_t>(
      std::min<size_t>(text.find_first_not_of(kAsciiSpace), tokens[best_begin].start));
  const bool from_start = lead == tokens[best_begin].start ||
                          (tokens[best_begin].char_start < 40 && tokens[best_end].char_end <= limit);
  const uint32_t from = from_start ? lead : tokens[best_begin].start;
  const uint32_t to = tokens[best_end].end;
  if (!from_start) out += options.ellipsis;
  uint32_t at = from;
  for (size_t k = best_begin; k <= best_end; ++k) {
    if (!tokens[k].hit) continue;
    AppendFlat(out, util::SanitizeUtf8(text.substr(at, tokens[k].start - at)));
    out += options.before_match;
    out += util::SanitizeUtf8(text.substr(tokens[k].start, tokens[k].end - tokens[k].start));
    out += options.after_match;
    at = tokens[k].end;
  }
  AppendFlat(out, util::SanitizeUtf8(text.substr(at, to - at)));
  if (best_end + 1 < tokens.size() || cut) {
    out += options.ellipsis;
  } else if (to < text.size()) {
    // Trailing punctuation after the last word, as much as the limit allows
    // (trailing white space is not something cut off).
    std::string_view rest = text.substr(to);
    rest = rest.substr(0, rest.find_last_not_of(kAsciiSpace) + 1);
    const uint32_t used = tokens[best_end].char_end - (from_start ? lead : tokens[best_begin].char_start);
    const size_t end = CutAt(rest, limit > used ? limit - used : 0);
    AppendFlat(out, util::SanitizeUtf8(rest.substr(0, end)));
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (end < rest.size()) out += options.ellipsis;
  }
  return out;
}

}  // namespace loupe
