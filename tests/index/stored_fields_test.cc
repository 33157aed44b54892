#include "index/stored_fields.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "index/format.h"
#include "test_util.h"

namespace loupe::index {
namespace {

std::vector<Document> RandomDocs(size_t n, size_t body_bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* words[] = {"market", "minister", "trade", "talks", "L\u00fd", "Th\u01b0\u1ee3ng", "goal", "rates"};
  std::vector<Document> docs;
  for (size_t i = 0; i < n; ++i) {
    Document d;
    std::string body;
    while (body.size() < body_bytes * (rng() % 3)) body += std::string(words[rng() % 8]) + " ";
    d.fields.push_back({"title", "Title " + std::to_string(i)});
    if (i % 7 != 0) d.fields.push_back({"body", body});
    const int64_t extremes[] = {INT64_MIN, INT64_MAX, 0, -1};
    d.fields.push_back({"n", i < 4 ? extremes[i] : static_cast<int64_t>(rng() >> 1) - static_cast<int64_t>(rng() >> 1)});
    d.fields.push_back({"x", std::ldexp(static_cast<double>(rng() % 1000), -3)});
    d.fields.push_back({"ok", i % 2 == 0});
    d.fields.push_back({"topics", StringList{"earn", "acq", std::string(i % 3, 'z')}});
    d.fields.push_back({"raw", RawJson{"[1,{\"a\":null}]"}});
    docs.push_back(std::move(d));
  }
  return docs;
}

class StoredFieldsTest : public ::testing::TestWithParam<std::tuple<size_t, size_t, bool>> {};

TEST_P(StoredFieldsTest, EveryDocumentReadsBack) {
  const auto [count, body_bytes, background] = GetParam();
  testing::TempDir tmp;
  auto dir = store::OpenFileSystemDirectory(tmp.str(), false);
  const auto docs = RandomDocs(count, body_bytes, testing::TestSeed());
  {
    StoredFieldsWriter writer(std::make_unique<store::CheckedWriter>(*dir, "s.docs", kStoredKind, kFormatVersion, 9),
                              3, background);
    for (const Document& d : docs) writer.Add(d);
    writer.Finish();
  }
  const store::CheckedFile file(dir->Open("s.docs"), kStoredKind, kFormatVersion, 9, true);
  const StoredFieldsReader reader(&file, static_cast<uint32_t>(count));
  for (size_t i = 0; i < count; i += 1 + count / 300) EXPECT_EQ(reader.Get(static_cast<uint32_t>(i)), docs[i]) << i;
  EXPECT_NO_THROW(reader.CheckAll());
}

// Few small docs (one block, no dictionary), many blocks, and enough text to
// train a dictionary; with and without the compression thread.
INSTANTIATE_TEST_SUITE_P(Shapes, StoredFieldsTest,
                         ::testing::Combine(::testing::Values(size_t{1}, size_t{3000}),
                                            ::testing::Values(size_t{10}, size_t{3000}),
                                            ::testing::Bool()));

TEST(StoredFields, EmptySegment) {
  testing::TempDir tmp;
  auto dir = store::OpenFileSystemDirectory(tmp.str(), false);
  {
    StoredFieldsWriter writer(std::make_unique<store::CheckedWriter>(*dir, "s.docs", kStoredKind, kFormatVersion, 9));
    writer.Finish();
  }
  const store::CheckedFile file(dir->Open("s.docs"), kStoredKind, kFormatVersion, 9, true);
  const StoredFieldsReader reader(&file, 0);
  EXPECT_NO_THROW(reader.CheckAll());
}

// Runs: documents added here and documents copied (compressed) from other
// files, which bring their own names and dictionaries, in any mix; and a
// file of runs copied again.
TEST(StoredFields, CopiedRunsReadBack) {
  testing::TempDir tmp;
  auto dir = store::OpenFileSystemDirectory(tmp.str(), false);
  const auto write = [&](const std::string& name, const auto& fill) {
    StoredFieldsWriter writer(std::make_unique<store::CheckedWriter>(*dir, name, kStoredKind, kFormatVersion, 9), 3,
                              /*background=*/true);
    fill(writer);
    writer.Finish();
  };
  auto big = RandomDocs(600, 3000, 1);  // with a varied text (over 4 MiB), gets a dictionary
  std::mt19937_64 rng(4);
  for (Document& d : big) {
    std::string text;
    for (int w = 0; w < 1000; ++w) text += "word" + std::to_string(rng() % 5000) + " ";
    d.fields.push_back({"text", text});
  }
  const auto small = RandomDocs(5, 10, 2);     // one block, none
  auto renamed = RandomDocs(50, 200, 3);       // other field names
  for (Document& d : renamed) {
    for (Field& f : d.fields) f.name = "other_" + f.name;
  }
  write("big.docs", [&](StoredFieldsWriter& w) { for (const auto& d : big) w.Add(d); });
  write("small.docs", [&](StoredFieldsWriter& w) { for (const auto& d : small) w.Add(d); });
  const store::CheckedFile big_file(dir->Open("big.docs"), kStoredKind, kFormatVersion, 9, true);
  const store::CheckedFile small_file(dir->Open("small.docs"), kStoredKind, kFormatVersion, 9, true);
  const StoredFieldsReader big_reader(&big_file, static_cast<uint32_t>(big.size())), small_reader(&small_file, 5);
  ASSERT_EQ(big_reader.runs().size(), 1u);
  EXPECT_FALSE(big_reader.runs()[0].dictionary.empty());

  std::vector<Document> expected;
  write("mixed.docs", [&](StoredFieldsWriter& w) {
    w.CopyAll(small_reader, 0);  // a copy first
    expected.insert(expected.end(), small.begin(), small.end());
    for (const auto& d : renamed) w.Add(d), expected.push_back(d);
    w.CopyAll(big_reader, 0);
    expected.insert(expected.end(), big.begin(), big.end());
    w.CopyAll(small_reader, 0);  // two copies back to back
    expected.insert(expected.end(), small.begin(), small.end());
    for (const auto& d : big) w.Add(d), expected.push_back(d);  // trains a dictionary of its own
  });
  const auto n = static_cast<uint32_t>(expected.size());
  const store::CheckedFile mixed_file(dir->Open("mixed.docs"), kStoredKind, kFormatVersion, 9, true);
  const StoredFieldsReader mixed(&mixed_file, n);
  EXPECT_EQ(mixed.runs().size(), 5u);
  for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(mixed.Get(i), expected[i]) << i;
  uint32_t scanned = 0;
  mixed.Scan([&](uint32_t doc, const Document& d) {
    EXPECT_EQ(doc, scanned);
    EXPECT_EQ(d, expected[doc]);
    ++scanned;
  });
  EXPECT_EQ(scanned, n);

  // A file of runs, copied again between added documents.
  write("again.docs", [&](StoredFieldsWriter& w) {
    for (const auto& d : small) w.Add(d);
    w.CopyAll(mixed, 0);
  });
  std::vector<Document> again(small.begin(), small.end());
  again.insert(again.end(), expected.begin(), expected.end());
  const store::CheckedFile again_file(dir->Open("again.docs"), kStoredKind, kFormatVersion, 9, true);
  const StoredFieldsReader again_reader(&again_file, static_cast<uint32_t>(again.size()));
  EXPECT_EQ(again_reader.runs().size(), 6u);
  for (uint32_t i = 0; i < again.size(); ++i) ASSERT_EQ(again_reader.Get(i), again[i]) << i;
  EXPECT_NO_THROW(again_reader.CheckAll());
}

}  // namespace
}  // namespace loupe::index
