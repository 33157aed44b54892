// The Analyzer descriptions and the TokenStream that runs them.
#include <algorithm>
#include <limits>
#include <optional>

#include "analysis/stemmer.h"
#include "analysis/stop_words.h"
#include "analysis/unicode/unicode_tables.h"
#include "analysis/word_segmenter.h"
#include "loupe/analysis.h"
#include "loupe/error.h"
#include "util/utf8.h"

namespace loupe {
namespace {

using analysis::CharClass;
using analysis::CharInfo;
using analysis::ClassOfInfo;

// Bounds the size of a term whatever the input: a token of this many UTF-16
// units folds to at most a few kilobytes.
constexpr uint32_t kLargestMaxTokenLength = 4096;

inline char AsciiLower(unsigned char c) {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

void Normalize(std::string_view bytes, Normalization mode, std::string& out) {
  out.clear();
  if (mode == Normalization::kNone) {
    out.assign(bytes);
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  const uint8_t flag = mode == Normalization::kFold ? analysis::kHasFoldMapping
                                                    : analysis::kHasLowerMapping;
  while (p < end) {
    if (*p < 0x80) {
      out.push_back(AsciiLower(*p++));
      continue;
    }
    const util::DecodedChar d = util::DecodeUtf8(p, end);
    const uint8_t info = CharInfo(d.code_point);
    if (info & flag) {
      out.append(mode == Normalization::kFold ? analysis::FoldMapping(d.code_point)
                                              : analysis::LowerMapping(d.code_point));
    } else {
      out.append(reinterpret_cast<const char*>(p), d.length);
    }
    p += d.length;
  }
}

// Lucene's EnglishPossessiveFilter: a trailing 's or 'S after any of the three
// apostrophes U+0027, U+2019, U+FF07.
void RemovePossessive(std::string& term) {
  const size_t n = term.size();
  if (n < 2 || (term[n - 1] != 's' && term[n - 1] != 'S')) return;
  const std::string_view head(term.data(), n - 1);
  if (head.ends_with('\'')) {
    term.resize(n - 2);
  } else if (head.ends_with("\u2019") || head.ends_with("\uFF07")) {
    term.resize(n - 4);
  }
}

// "u.s" -> "us": a term made of single letters separated by dots.
void JoinAcronym(std::string& term) {
  if (term.size() < 3 || term.find('.') == std::string::npos) return;
  const auto* p = reinterpret_cast<const unsigned char*>(term.data());
  const auto* end = p + term.size();
  bool expect_letter = true;
  size_t letters = 0;
  while (p < end) {
    if (expect_letter) {
      const util::DecodedChar d = util::DecodeUtf8(p, end);
      if (ClassOfInfo(CharInfo(d.code_point)) != CharClass::kALetter) return;
      p += d.length;
      ++letters;
    } else if (*p++ != '.') {
      return;
    }
    expect_letter = !expect_letter;
  }
  if (letters < 2) return;
  std::erase(term, '.');
}

}  // namespace

Analyzer Analyzer::Named(std::string_view name) {
  AnalyzerConfig c;
  if (name == "standard") {
    c.normalization = Normalization::kFold;
    c.join_acronyms = true;
  } else if (name == "english") {
    c.normalization = Normalization::kFold;
    c.english_possessives = true;
    c.join_acronyms = true;
    c.stop_words = StopWords::kClassicEnglish;
    c.stemmer = "english";
  } else if (name == "anserini") {
    c.normalization = Normalization::kLowercase;
    c.english_possessives = true;
    c.stop_words = StopWords::kClassicEnglish;
    // Lucene's Porter, not Snowball's "porter", which stems 0.14% of
    // Wikipedia's words otherwise ("technology" -> "technologi"). Indexes
    // made before keep "porter": the schema records the configuration.
    c.stemmer = "lucene-porter";
  } else {
    std::string known;
    for (const auto& n : BuiltinNames()) known += (known.empty() ? "" : ", ") + n;
    throw InvalidArgumentError("unknown analyzer '" + std::string(name) + "' (known: " + known + ")");
  }
  return Analyzer(std::string(name), c);
}

std::vector<std::string> Analyzer::BuiltinNames() { return {"standard", "english", "anserini"}; }

Analyzer::Analyzer(std::string name, AnalyzerConfig config) : name_(std::move(name)), config_(std::move(config)) {
  if (config_.max_token_length == 0 || config_.max_token_length > kLargestMaxTokenLength) {
    throw InvalidArgumentError("max_token_length must be between 1 and " +
                               std::to_string(kLargestMaxTokenLength));
  }
  if (!config_.stemmer.empty()) analysis::Stemmer check(config_.stemmer);  // throws if unknown
}

std::vector<Analyzer::OwnedToken> Analyzer::Analyze(std::string_view text) const {
  std::vector<OwnedToken> tokens;
  TokenStream stream(*this);
  stream.Reset(text);
  while (stream.Next()) {
    const Token& t = stream.token();
    tokens.push_back({std::string(t.term), t.position, t.start, t.end});
  }
  return tokens;
}

std::string_view Analyzer::UnicodeVersion() { return analysis::TablesUnicodeVersion(); }

struct TokenStream::Impl {
  explicit Impl(const Analyzer& analyzer)
      : config(analyzer.config()),
        segmenter(config.max_token_length),
        stop_words(config.stop_words) {
    if (!config.stemmer.empty()) stemmer.emplace(config.stemmer);
  }

  bool Next(bool stem = true) {
    analysis::Segment segment;
    while (segmenter.Next(&segment)) {
      const uint32_t position = next_position++;
      Normalize(text.substr(segment.start, segment.end - segment.start), config.normalization, term);
      if (config.english_possessives) RemovePossessive(term);
      if (config.join_acronyms) JoinAcronym(term);
      if (term.empty()) {
        --next_position;  // nothing of the token survived: it takes no position
        continue;
      }
      if (stop_words.Contains(term)) continue;  // the position stays used: a gap
      token.term = stemmer && stem ? stemmer->Stem(term) : std::string_view(term);
      token.position = position;
      token.start = segment.start;
      token.end = segment.end;
      return true;
    }
    return false;
  }

  AnalyzerConfig config;
  analysis::WordSegmenter segmenter;
  analysis::StopSet stop_words;
  std::optional<analysis::Stemmer> stemmer;
  std::string_view text;
  std::string term;
  Token token;
  uint32_t next_position = 0;
};

TokenStream::TokenStream(const Analyzer& analyzer) : impl_(std::make_unique<Impl>(analyzer)) {}
TokenStream::~TokenStream() = default;
TokenStream::TokenStream(TokenStream&&) noexcept = default;
TokenStream& TokenStream::operator=(TokenStream&&) noexcept = default;

void TokenStream::Reset(std::string_view text, uint32_t first_position) {
  if (text.size() >= std::numeric_limits<uint32_t>::max()) {
    throw InvalidArgumentError("text of " + std::to_string(text.size()) +
                               " bytes is too long to analyse (the limit is 4 GiB)");
  }
  impl_->text = text;
  impl_->segmenter.Reset(text);
  impl_->next_position = first_position;
}

bool TokenStream::Next() { return impl_->Next(); }
bool TokenStream::NextUnstemmed() { return impl_->Next(false); }
std::string_view TokenStream::Stem(std::string_view term) {
  return impl_->stemmer ? impl_->stemmer->StemUncached(term) : term;
}
bool TokenStream::has_stemmer() const noexcept { return impl_->stemmer.has_value(); }
const Token& TokenStream::token() const noexcept { return impl_->token; }
uint32_t TokenStream::next_position() const noexcept { return impl_->next_position; }

}  // namespace loupe
