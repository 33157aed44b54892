#include "index/term_dictionary.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "index/format.h"
#include "test_util.h"

namespace loupe::index {
namespace {

TEST(TermDictionary, LookupAndOrderedIterationOverRandomTerms) {
  testing::TempDir tmp;
  auto dir = store::OpenFileSystemDirectory(tmp.str(), false);
  std::mt19937_64 rng(testing::TestSeed());
  // Two fields; terms share prefixes, include long and non-ASCII ones.
  std::map<uint32_t, std::map<std::string, TermInfo>> fields;
  for (uint32_t field : {1u, 3u}) {
    auto& terms = fields[field];
    while (terms.size() < (field == 1 ? 5000u : 7u)) {
      std::string t = std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 4));
      for (size_t i = 0, n = rng() % 12; i < n; ++i) t.push_back(static_cast<char>('a' + rng() % 26));
      if (rng() % 50 == 0) t += "\u00e9\u4e2d";
      if (rng() % 500 == 0) t += std::string(300, 'z');
      TermInfo info;
      info.doc_freq = 1 + static_cast<uint32_t>(rng() % 3);
      if (info.doc_freq == 1) {
        info.single_doc = static_cast<uint32_t>(rng() % 100000);
        info.single_freq = 1 + static_cast<uint32_t>(rng() % 3);
        if (info.single_freq == 1) info.single_position = static_cast<uint32_t>(rng() % 5000);
      }
      terms.emplace(t, info);
    }
    uint64_t post = 100, pos = 200;
    for (auto& [t, info] : terms) {
      if (info.doc_freq >= 2) info.postings_offset = post += 1 + rng() % 100000;
      if (!info.positions_inline()) info.positions_offset = pos += 1 + rng() % 100000;
    }
  }
  {
    store::CheckedWriter out(*dir, "t.terms", kTermsKind, kFormatVersion, 1);
    TermDictionaryWriter writer(&out);
    for (const auto& [field, terms] : fields) {
      writer.StartField(field, IndexOptions::kPositions);
      for (const auto& [t, info] : terms) writer.Add(t, info);
      writer.FinishField();
    }
    writer.Finish();
    out.Finish();
  }
  const store::CheckedFile file(dir->Open("t.terms"), kTermsKind, kFormatVersion, 1, true);
  const TermDictionaryReader reader(&file);
  for (const auto& [field, terms] : fields) {
    ASSERT_EQ(reader.Field(field)->term_count, terms.size());
    for (const auto& [t, want] : terms) {
      TermInfo got;
      ASSERT_TRUE(reader.Lookup(field, t, &got)) << t;
      EXPECT_EQ(got.doc_freq, want.doc_freq);
      EXPECT_EQ(got.postings_offset, want.postings_offset);
      EXPECT_EQ(got.positions_offset, want.positions_offset);
      EXPECT_EQ(got.single_doc, want.single_doc);
      EXPECT_EQ(got.single_freq, want.single_freq);
      EXPECT_EQ(got.single_position, want.single_position);
      TermInfo none;
      EXPECT_FALSE(reader.Lookup(field, t + "\x01", &none));
    }
    // Iteration from any start yields the map's order exactly.
    for (int trial = 0; trial < 50; ++trial) {
      const std::string from(1 + rng() % 2, static_cast<char>('a' + rng() % 5));
      auto want = terms.lower_bound(from);
      for (auto it = reader.Terms(field, from); it.valid(); it.Next(), ++want) {
        ASSERT_NE(want, terms.end());
        ASSERT_EQ(it.term(), want->first);
      }
      EXPECT_EQ(want, terms.end());
    }
  }
  TermInfo none;
  EXPECT_FALSE(reader.Lookup(2, "a", &none));  // no such field
  EXPECT_FALSE(reader.Lookup(1, "", &none));
}

// The in-memory index compares 8-byte keys of the blocks' first terms before
// the terms themselves: terms that agree in their first 8 bytes (or more),
// zero and high bytes, prefixes of each other.
TEST(TermDictionary, LookupWhereBlockKeysTie) {
  testing::TempDir tmp;
  auto dir = store::OpenFileSystemDirectory(tmp.str(), false);
  std::mt19937_64 rng(testing::TestSeed() + 5);
  std::map<std::string, TermInfo> terms;
  const auto add = [&](const std::string& t) {
    TermInfo info;
    info.doc_freq = 2;
    terms.emplace(t, info);
  };
  for (int i = 0; i < 3000; ++i) {  // about 94 blocks with one key
    std::string t = "commonprefix";
    for (size_t j = 0, n = 1 + rng() % 6; j < n; ++j) t.push_back(static_cast<char>('a' + rng() % 26));
    add(t);
  }
  for (int i = 0; i < 500; ++i) {  // keys from bytes 0x00 and 0x80-0xFF, shorter than 8
    std::string t(1 + rng() % 9, '\0');
    for (char& c : t) c = static_cast<char>(rng() % 3 == 0 ? 0 : 0x80 + rng() % 128);
    add(t);
  }
  for (const char* t : {"ab", "abc", "abcdefgh", "abcdefgh\x01", "abcdefghi"}) add(t);
  add(std::string("ab\0", 3));
  add(std::string("ab\0\0", 4));
  {
    store::CheckedWriter out(*dir, "t.terms", kTermsKind, kFormatVersion, 1);
    TermDictionaryWriter writer(&out);
    writer.StartField(1, IndexOptions::kDocs);
    uint64_t post = 100;
    for (auto& [t, info] : terms) {
      info.postings_offset = post += 7;
      writer.Add(t, info);
    }
    writer.FinishField();
    writer.Finish();
    out.Finish();
  }
  const store::CheckedFile file(dir->Open("t.terms"), kTermsKind, kFormatVersion, 1, true);
  const TermDictionaryReader reader(&file);
  std::vector<std::string> probes;
  for (const auto& [t, info] : terms) {
    TermInfo got;
    ASSERT_TRUE(reader.Lookup(1, t, &got)) << t;
    EXPECT_EQ(got.postings_offset, info.postings_offset) << t;
    probes.push_back(t + std::string(1, '\0'));
    probes.push_back(t.substr(0, t.size() - 1));
    probes.push_back(t + "\xff");
  }
  probes.push_back("");
  probes.push_back("commonprefiw");
  probes.push_back("commonprefiz");
  probes.push_back(std::string(12, '\xff'));
  for (const std::string& probe : probes) {
    TermInfo got;
    EXPECT_EQ(reader.Lookup(1, probe, &got), terms.count(probe) == 1) << probe;
    auto want = terms.lower_bound(probe);
    auto it = reader.Terms(1, probe);
    for (int i = 0; i < 3 && it.valid(); ++i, it.Next(), ++want) {
      ASSERT_NE(want, terms.end());
      ASSERT_EQ(it.term(), want->first);
    }
    if (!it.valid()) {
      EXPECT_EQ(want, terms.end());
    }
  }
}

}  // namespace
}  // namespace loupe::index
