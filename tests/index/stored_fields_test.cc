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

}  // namespace
}  // namespace loupe::index
