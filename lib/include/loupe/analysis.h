/// @file
/// Text analysis: UTF-8 text in, a stream of terms with positions and offsets out.
///
/// An Analyzer is an immutable description of the analysis chain (it can be
/// shared by any number of threads); a TokenStream is the per-thread state that
/// runs it (reuse one per thread: it keeps buffers and a stemming cache).
///
/// The chain, in order:
///   1. Word segmentation by the rules of Unicode Standard Annex #29 (the same
///      rules as Lucene's StandardTokenizer): letters and digits of every script
///      form words, "China's", "U.S." and "3.5" stay whole, hyphens split.
///      Ideographs and hiragana are one token each; Thai, Lao, Khmer and Myanmar
///      runs are one token each. Tokens longer than max_token_length UTF-16 code
///      units are cut into pieces of that length (as Lucene does).
///      Invalid UTF-8 bytes are word separators: they never end up in a term and
///      never stop the analysis of the rest of the text.
///   2. Normalisation: none, lower-casing (simple per-character mapping, as
///      Lucene's LowerCaseFilter), or folding (full case folding, compatibility
///      forms, diacritics removed, typographic apostrophes made ASCII).
///   3. Optional English possessive removal ("China's" -> "China").
///   4. Optional acronym joining ("u.s" -> "us", "e.u" -> "eu").
///   5. Optional stop words, which are dropped but leave a gap in positions so
///      that phrase queries stay exact.
///   6. Optional stemming: a Snowball algorithm ("porter", "english", or any
///      algorithm name libstemmer knows), or "lucene-porter", Porter's
///      algorithm exactly as Lucene 8's PorterStemFilter applies it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loupe {

/// One term of an analysed text, as TokenStream::token() gives it.
struct Token {
  std::string_view term{};  ///< valid until the stream advances
  uint32_t position = 0;  ///< 0 for the first token; stop words leave gaps
  uint32_t start = 0;     ///< byte offset of the token's first byte in the input
  uint32_t end = 0;       ///< byte offset one past its last byte
};

/// How tokens are normalised (step 2 of the chain).
enum class Normalization {
  kNone,       ///< terms are the input bytes
  kLowercase,  ///< per-character lowercase mapping (Java's Character.toLowerCase)
  kFold,       ///< case folding + diacritic folding + compatibility forms
};

/// Which stop words are dropped (step 5 of the chain).
enum class StopWords {
  kNone,            ///< none
  kClassicEnglish,  ///< Lucene's 33-word English stop set
};

/// The full description of an analysis chain; stored in the index's schema.
struct AnalyzerConfig {
  Normalization normalization = Normalization::kFold;  ///< step 2
  bool english_possessives = false;                    ///< step 3: "China's" -> "China"
  bool join_acronyms = false;                          ///< step 4: "u.s" -> "us"
  StopWords stop_words = StopWords::kNone;             ///< step 5
  std::string stemmer{};                               ///< step 6: "" for none, else a stemmer named above
  uint32_t max_token_length = 255;                     ///< in UTF-16 code units; longer tokens are cut

  bool operator==(const AnalyzerConfig&) const = default;
};

/// A named analysis chain.
///
/// Thread safety: immutable; share one between any number of threads.
class Analyzer {
 public:
  /// One of the built-in analyzers:
  ///   - standard: folding, acronyms joined; no stop words, no stemming
  ///   - english: folding, possessives removed, acronyms joined, classic stop
  ///     words, Snowball "english" stemmer
  ///   - anserini: Anserini's default English analysis (Lucene
  ///     StandardTokenizer, EnglishPossessiveFilter, LowerCaseFilter, 33-word
  ///     StopFilter, PorterStemFilter), so that relevance can be compared
  ///     with published Lucene figures. Terms and positions equal Lucene 8's
  ///     but for symbols shown as text (©, ®, ™, ♣), which Lucene makes
  ///     tokens and Loupe does not, and characters whose Unicode word-break
  ///     class differs between Unicode 9 (Lucene 8) and 15 (Loupe).
  /// @throws InvalidArgumentError an unknown name
  static Analyzer Named(std::string_view name);
  /// The names Named() accepts.
  static std::vector<std::string> BuiltinNames();

  /// A custom chain under a name of your choosing.
  /// @throws InvalidArgumentError the stemmer is unknown or max_token_length
  ///         is not between 1 and 4096
  Analyzer(std::string name, AnalyzerConfig config);

  /// The name given at construction.
  const std::string& name() const noexcept { return name_; }
  /// The chain's configuration.
  const AnalyzerConfig& config() const noexcept { return config_; }

  /// A Token that owns its term (Analyze()).
  struct OwnedToken {
    std::string term{}; ///< the analysed term
    uint32_t position{};  ///< as Token::position
    uint32_t start{};   ///< as Token::start
    uint32_t end{};     ///< as Token::end
    bool operator==(const OwnedToken&) const = default;
  };
  /// Convenience: the whole token list (allocates; use TokenStream in loops).
  /// @throws InvalidArgumentError a text of 4 GiB or more
  std::vector<OwnedToken> Analyze(std::string_view text) const;

  /// Unicode version of the character tables this build was compiled with.
  static std::string_view UnicodeVersion();

 private:
  std::string name_;
  AnalyzerConfig config_;
};

/// Runs an Analyzer over texts, one token at a time, without allocating per
/// token.
///
/// Thread safety: none; use one per thread (it keeps buffers, a stemmer and
/// a stemming cache). It copies what it needs of the Analyzer.
class TokenStream {
 public:
  /// A stream running `analyzer`'s chain.
  explicit TokenStream(const Analyzer& analyzer);
  ~TokenStream();
  /// Movable (it owns its state), not copyable. A stream moved from may
  /// only be destroyed or assigned to.
  TokenStream(TokenStream&&) noexcept;
  TokenStream& operator=(TokenStream&&) noexcept;

  /// Starts analysing `text`, which must outlive the iteration. Positions
  /// start at `first_position`.
  /// @throws InvalidArgumentError a text of 4 GiB or more
  void Reset(std::string_view text, uint32_t first_position = 0);

  /// Advances to the next token; false at the end of the text.
  bool Next();
  /// The current token (after Next() returned true).
  const Token& token() const noexcept;

  /// Next() without the stemming step, for callers that cache stems
  /// themselves (the indexer keeps one entry per distinct word).
  bool NextUnstemmed();
  /// Applies the stemmer to a term from NextUnstemmed(), uncached; the
  /// result is valid until the next call.
  std::string_view Stem(std::string_view term);
  /// Whether the chain stems at all.
  bool has_stemmer() const noexcept;

  /// Position the next Reset() should start at to continue a multi-valued
  /// field after this text (positions used so far plus trailing stop-word
  /// gaps).
  uint32_t next_position() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loupe
