// Snippets: the fragment of a field's text where the query's terms are
// densest, with the matched words marked. The text is analysed again with
// the field's analyzer, so a match is exactly what the index matched
// (stemmed, folded), and the markers fall on the original words.
#include <algorithm>
#include <map>
#include <set>

#include "loupe/error.h"
#include "loupe/searcher.h"
#include "util/utf8.h"

namespace loupe {
namespace {

struct QueryTerms {
  std::set<std::string> terms;
  std::vector<std::string> prefixes;
  // Exact phrases: their words are marked only where the whole phrase is.
  std::vector<const std::vector<Query::PhraseTerm>*> phrases;
};

void Collect(const Query& q, const std::string& field, QueryTerms& out) {
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
      for (const auto& c : q.clauses()) {
        if (c.occur != Query::Occur::kMustNot) Collect(*c.query, field, out);
      }
      break;
    default:
      break;
  }
}

struct Match {
  uint32_t start, end;  // bytes
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
  while (stream.Next()) {
    const Token& t = stream.token();
    // A word the cut runs through is not the word in the text: left out.
    if (cut && t.end >= analyzed_bytes) break;
    bool hit = wanted.terms.contains(std::string(t.term));
    for (const std::string& p : wanted.prefixes) hit = hit || t.term.starts_with(p);
    tokens.push_back({t.start, t.end, t.position, hit, std::string(t.term)});
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
    while (j < tokens.size() && (j == i || tokens[j].end - tokens[i].start <= limit)) {
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
    const std::string clean = util::SanitizeUtf8(text.substr(0, std::min(text.size(), limit)));
    AppendFlat(out, clean);
    return out;
  }
  // Start at the window's first word (or the text's start when close).
  uint32_t from = tokens[best_begin].start;
  if (best_begin == 0 || from < 40) from = 0;
  const uint32_t to = tokens[best_end].end;
  if (from > 0) out += options.ellipsis;
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
    AppendFlat(out, util::SanitizeUtf8(text.substr(to, limit)));  // trailing punctuation
    while (!out.empty() && out.back() == ' ') out.pop_back();
  }
  return out;
}

}  // namespace loupe
