#include "analysis/porter_stemmer.h"

#include <algorithm>

#include "util/utf8.h"

namespace loupe::analysis {
namespace {

struct SuffixRule {
  std::u16string_view suffix;
  std::u16string_view replacement;
};

// Within each step the first suffix the word ends with decides, whether or
// not its condition holds; so a suffix comes before the shorter ones it ends
// with ("ational" before "tional", "ement" before "ment" before "ent").

// Step 2, if m > 0. "bli" and "logi" are Lucene's (and Porter's later
// reference code's) in place of the paper's "abli".
constexpr SuffixRule kStep2Rules[] = {
    {u"ational", u"ate"}, {u"tional", u"tion"}, {u"enci", u"ence"}, {u"anci", u"ance"}, {u"izer", u"ize"},
    {u"bli", u"ble"},     {u"alli", u"al"},     {u"entli", u"ent"}, {u"eli", u"e"},     {u"ousli", u"ous"},
    {u"ization", u"ize"}, {u"ation", u"ate"},   {u"ator", u"ate"},  {u"alism", u"al"},  {u"iveness", u"ive"},
    {u"fulness", u"ful"}, {u"ousness", u"ous"}, {u"aliti", u"al"},  {u"iviti", u"ive"}, {u"biliti", u"ble"},
    {u"logi", u"log"},
};

// Step 3, if m > 0.
constexpr SuffixRule kStep3Rules[] = {
    {u"icate", u"ic"}, {u"ative", u""}, {u"alize", u"al"}, {u"iciti", u"ic"},
    {u"ical", u"ic"},  {u"ful", u""},   {u"ness", u""},
};

// Step 4, removed if m > 1 ("ion" only after s or t).
constexpr std::u16string_view kStep4Suffixes[] = {
    u"al",  u"ance", u"ence", u"er",  u"ic",  u"able", u"ible", u"ant", u"ement", u"ment",
    u"ent", u"ion",  u"ou",   u"ism", u"ate", u"iti",  u"ous",  u"ive", u"ize",
};

}  // namespace

bool PorterStemmer::IsConsonant(size_t i) const {
  switch (units_[i]) {
    case u'a':
    case u'e':
    case u'i':
    case u'o':
    case u'u':
      return false;
    case u'y':
      break;
    default:
      return true;
  }
  // A y is a consonant first in the word or after a vowel, a vowel after a
  // consonant: along a run of y's the answer alternates, starting from the
  // unit before the run.
  size_t run = 1;
  while (run <= i && units_[i - run] == u'y') ++run;
  const bool first_y_is_consonant = run > i || !IsConsonant(i - run);  // that unit is no y
  return run % 2 == 1 ? first_y_is_consonant : !first_y_is_consonant;
}

size_t PorterStemmer::Measure(size_t end) const {
  size_t m = 0;
  for (size_t i = 1; i < end; ++i) m += IsConsonant(i) && !IsConsonant(i - 1);
  return m;
}

bool PorterStemmer::HasVowel(size_t end) const {
  for (size_t i = 0; i < end; ++i) {
    if (!IsConsonant(i)) return true;
  }
  return false;
}

bool PorterStemmer::EndsWithDoubleConsonant(size_t end) const {
  return end >= 2 && units_[end - 1] == units_[end - 2] && IsConsonant(end - 1);
}

bool PorterStemmer::EndsConsonantVowelConsonant(size_t end) const {
  if (end < 3 || !IsConsonant(end - 1) || IsConsonant(end - 2) || !IsConsonant(end - 3)) return false;
  const char16_t last = units_[end - 1];
  return last != u'w' && last != u'x' && last != u'y';
}

bool PorterStemmer::EndsWith(std::u16string_view suffix) {
  if (!std::u16string_view(units_).ends_with(suffix)) return false;
  stem_end_ = units_.size() - suffix.size();
  return true;
}

void PorterStemmer::ReplaceSuffix(std::u16string_view replacement) {
  units_.resize(stem_end_);
  units_.append(replacement);
  unchanged_ = std::min(unchanged_, stem_end_);
}

void PorterStemmer::Truncate(size_t length) {
  units_.resize(length);
  unchanged_ = std::min(unchanged_, length);
}

void PorterStemmer::Step1a() {
  if (EndsWith(u"sses")) {
    ReplaceSuffix(u"ss");
  } else if (EndsWith(u"ies")) {
    ReplaceSuffix(u"i");
  } else if (!EndsWith(u"ss") && EndsWith(u"s")) {
    ReplaceSuffix(u"");
  }
}

void PorterStemmer::Step1b() {
  if (EndsWith(u"eed")) {
    if (Measure(stem_end_) > 0) ReplaceSuffix(u"ee");
    return;
  }
  if (!(EndsWith(u"ed") || EndsWith(u"ing")) || !HasVowel(stem_end_)) return;
  Truncate(stem_end_);
  const size_t length = units_.size();
  if (EndsWith(u"at") || EndsWith(u"bl") || EndsWith(u"iz")) {
    units_.push_back(u'e');
  } else if (EndsWithDoubleConsonant(length)) {
    const char16_t last = units_.back();
    if (last != u'l' && last != u's' && last != u'z') Truncate(length - 1);
  } else if (Measure(length) == 1 && EndsConsonantVowelConsonant(length)) {
    units_.push_back(u'e');
  }
}

void PorterStemmer::Step1c() {
  if (EndsWith(u"y") && HasVowel(stem_end_)) ReplaceSuffix(u"i");
}

void PorterStemmer::Step2() {
  for (const SuffixRule& rule : kStep2Rules) {
    if (EndsWith(rule.suffix)) {
      if (Measure(stem_end_) > 0) ReplaceSuffix(rule.replacement);
      return;
    }
  }
}

void PorterStemmer::Step3() {
  for (const SuffixRule& rule : kStep3Rules) {
    if (EndsWith(rule.suffix)) {
      if (Measure(stem_end_) > 0) ReplaceSuffix(rule.replacement);
      return;
    }
  }
}

void PorterStemmer::Step4() {
  for (const std::u16string_view suffix : kStep4Suffixes) {
    if (!EndsWith(suffix)) continue;
    if (suffix == u"ion" &&
        (stem_end_ == 0 || (units_[stem_end_ - 1] != u's' && units_[stem_end_ - 1] != u't'))) {
      continue;  // no other suffix ends in "ion"
    }
    if (Measure(stem_end_) > 1) Truncate(stem_end_);
    return;
  }
}

void PorterStemmer::Step5() {
  const size_t length = units_.size();
  if (length > 0 && units_.back() == u'e') {
    const size_t m = Measure(length - 1);
    if (m > 1 || (m == 1 && !EndsConsonantVowelConsonant(length - 1))) Truncate(length - 1);
  }
  if (units_.size() > 0 && units_.back() == u'l' && EndsWithDoubleConsonant(units_.size()) &&
      Measure(units_.size()) > 1) {
    Truncate(units_.size() - 1);
  }
}

std::string_view PorterStemmer::Stem(std::string_view word) {
  const auto* begin = reinterpret_cast<const unsigned char*>(word.data());
  const auto* end = begin + word.size();
  units_.clear();
  for (const unsigned char* p = begin; p < end;) {
    const util::DecodedChar c = util::DecodeUtf8(p, end);
    if (c.code_point >= 0x10000) {
      units_.push_back(static_cast<char16_t>(0xD7C0 + (c.code_point >> 10)));
      units_.push_back(static_cast<char16_t>(0xDC00 + (c.code_point & 0x3FF)));
    } else {
      units_.push_back(static_cast<char16_t>(c.code_point));
    }
    p += c.length;
  }
  const size_t word_units = units_.size();
  if (word_units <= 2) return word;

  unchanged_ = word_units;
  Step1a();
  Step1b();
  Step1c();
  Step2();
  Step3();
  Step4();
  Step5();
  if (unchanged_ == word_units) return word;

  // The steps replace ASCII suffixes only, and never split a surrogate pair (a
  // pair's two units differ, so undoubling takes whole characters): the stem
  // is the input's first `unchanged_` units and ASCII after them.
  const unsigned char* kept = begin;
  for (size_t units = 0; units < unchanged_;) {
    const util::DecodedChar c = util::DecodeUtf8(kept, end);
    units += c.code_point >= 0x10000 ? 2 : 1;
    kept += c.length;
  }
  const std::string_view prefix = word.substr(0, static_cast<size_t>(kept - begin));
  if (unchanged_ == units_.size()) return prefix;  // only cut: no copy
  stem_.assign(prefix);
  for (size_t i = unchanged_; i < units_.size(); ++i) stem_.push_back(static_cast<char>(units_[i]));
  return stem_;
}

}  // namespace loupe::analysis
