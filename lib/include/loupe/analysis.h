// Text analysis: UTF-8 text in, a stream of terms with positions and offsets out.
//
// An Analyzer is an immutable description of the analysis chain (it can be
// shared by any number of threads); a TokenStream is the per-thread state that
// runs it (reuse one per thread: it keeps buffers and a stemming cache).
//
// The chain, in order:
//   1. Word segmentation by the rules of Unicode Standard Annex #29 (the same
//      rules as Lucene's StandardTokenizer): letters and digits of every script
//      form words, "China's", "U.S." and "3.5" stay whole, hyphens split.
//      Ideographs and hiragana are one token each; Thai, Lao, Khmer and Myanmar
//      runs are one token each. Tokens longer than max_token_length UTF-16 code
//      units are cut into pieces of that length (as Lucene does).
//      Invalid UTF-8 bytes are word separators: they never end up in a term and
//      never stop the analysis of the rest of the text.
//   2. Normalisation: none, lower-casing (simple per-character mapping, as
//      Lucene's LowerCaseFilter), or folding (full case folding, compatibility
//      forms, diacritics removed, typographic apostrophes made ASCII).
//   3. Optional English possessive removal ("China's" -> "China").
//   4. Optional acronym joining ("u.s" -> "us", "e.u" -> "eu").
//   5. Optional stop words, which are dropped but leave a gap in positions so
//      that phrase queries stay exact.
//   6. Optional Snowball stemming ("porter", "english", or any algorithm name
//      libstemmer knows).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loupe {

struct Token {
  std::string_view term;  // valid until the stream advances
  uint32_t position = 0;  // 0 for the first token; stop words leave gaps
  uint32_t start = 0;     // byte offset of the token's first byte in the input
  uint32_t end = 0;       // byte offset one past its last byte
};

enum class Normalization {
  kNone,       // terms are the input bytes
  kLowercase,  // per-character lowercase mapping (Java's Character.toLowerCase)
  kFold,       // case folding + diacritic folding + compatibility forms
};

enum class StopWords {
  kNone,
  kClassicEnglish,  // Lucene's 33-word English stop set
};

struct AnalyzerConfig {
  Normalization normalization = Normalization::kFold;
  bool english_possessives = false;
  bool join_acronyms = false;
  StopWords stop_words = StopWords::kNone;
  std::string stemmer;  // "" for none, else a Snowball algorithm name
  uint32_t max_token_length = 255;

  bool operator==(const AnalyzerConfig&) const = default;
};

class Analyzer {
 public:
  // The built-in analyzers:
  //   standard  folding, acronyms joined; no stop words, no stemming
  //   english   folding, possessives removed, acronyms joined, classic stop
  //             words, Snowball "english" stemmer
  //   anserini  exactly Anserini's default English analysis (Lucene
  //             StandardTokenizer, EnglishPossessiveFilter, LowerCaseFilter,
  //             33-word StopFilter, PorterStemFilter), so that relevance can be
  //             compared with published Lucene figures
  // Throws InvalidArgumentError for an unknown name.
  static Analyzer Named(std::string_view name);
  static std::vector<std::string> BuiltinNames();

  // Throws InvalidArgumentError if the stemmer is unknown or
  // max_token_length is 0.
  Analyzer(std::string name, AnalyzerConfig config);

  const std::string& name() const noexcept { return name_; }
  const AnalyzerConfig& config() const noexcept { return config_; }

  struct OwnedToken {
    std::string term;
    uint32_t position;
    uint32_t start;
    uint32_t end;
    bool operator==(const OwnedToken&) const = default;
  };
  // Convenience: the whole token list (allocates; use TokenStream in loops).
  std::vector<OwnedToken> Analyze(std::string_view text) const;

  // Unicode version of the character tables this build was compiled with.
  static std::string_view UnicodeVersion();

 private:
  std::string name_;
  AnalyzerConfig config_;
};

// Runs an Analyzer over texts, one token at a time, without allocating per
// token. Not thread-safe: use one per thread.
class TokenStream {
 public:
  explicit TokenStream(const Analyzer& analyzer);
  ~TokenStream();
  TokenStream(TokenStream&&) noexcept;
  TokenStream& operator=(TokenStream&&) noexcept;

  // Starts analysing `text`, which must outlive the iteration. Positions start
  // at `first_position`. Throws InvalidArgumentError for texts of 4 GiB or more.
  void Reset(std::string_view text, uint32_t first_position = 0);

  // Advances to the next token; false at the end of the text.
  bool Next();
  const Token& token() const noexcept;

  // For callers that cache stems themselves (the indexer keeps one entry per
  // distinct word): NextUnstemmed() is Next() without the stemming step, and
  // Stem() applies it to such a term, uncached (valid until the next call).
  bool NextUnstemmed();
  std::string_view Stem(std::string_view term);
  bool has_stemmer() const noexcept;

  // Position the next Reset() should start at to continue a multi-valued
  // field after this text (positions used so far plus trailing stop-word gaps).
  uint32_t next_position() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loupe
