// Porter's suffix-stripping algorithm (M.F. Porter, "An algorithm for suffix
// stripping", 1980) as Lucene 8's PorterStemFilter applies it, so that the
// anserini analyzer can give exactly Anserini's terms.
//
// Snowball's "porter" differs from Lucene's in a few rules; here, as in Lucene:
//   - step 2 maps "bli" to "ble" (Snowball: "abli" to "able") and "logi" to
//     "log" (no such rule in Snowball);
//   - after "-ed" and "-ing" every doubled consonant but l, s and z is
//     undoubled, as the paper says ("trekked" -> "trek"; Snowball undoubles
//     only bb dd ff gg mm nn pp rr tt);
//   - words of at most two UTF-16 code units are left as they are.
// Lucene looks at UTF-16 code units: a unit is a vowel if it is a, e, i, o or
// u, or y after a consonant; every other unit (digits, capitals, each unit of
// a non-ASCII letter) is a consonant. The same holds here, so that words with
// non-ASCII letters get Lucene's stems too.
//
// Not thread-safe (it keeps its buffers between calls): one per Stemmer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loupe::analysis {

class PorterStemmer {
 public:
  // The stem of `word` (lowercase UTF-8; ill-formed bytes count as consonants
  // and are kept as they are); valid until the next call.
  std::string_view Stem(std::string_view word);

 private:
  bool IsConsonant(size_t i) const;
  // m of the paper: the number of vowel-consonant sequences in the first
  // `end` units.
  size_t Measure(size_t end) const;
  bool HasVowel(size_t end) const;
  bool EndsWithDoubleConsonant(size_t end) const;
  // *o of the paper: the first `end` units end consonant-vowel-consonant and
  // the last consonant is not w, x or y.
  bool EndsConsonantVowelConsonant(size_t end) const;
  // Whether the word ends with `suffix`; if so, `stem_end_` becomes where the
  // suffix starts.
  bool EndsWith(std::u16string_view suffix);
  // Replaces the units from `stem_end_` on with `replacement`.
  void ReplaceSuffix(std::u16string_view replacement);
  void Truncate(size_t length);

  void Step1a();
  void Step1b();
  void Step1c();
  void Step2();
  void Step3();
  void Step4();
  void Step5();

  std::u16string units_;  // the word being stemmed, in UTF-16 as Lucene sees it
  size_t stem_end_ = 0;   // set by EndsWith
  // Units before this one are still the input's; the rest is ASCII the steps
  // wrote.
  size_t unchanged_ = 0;
  std::string stem_;
};

}  // namespace loupe::analysis
