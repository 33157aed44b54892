#include "index/string_table.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace loupe::index {
namespace {

// Against std::unordered_map, with strings around the 8 inline bytes and the
// 255-byte length cap, strings that share their first 8 bytes, and enough of
// them to grow the table many times.
TEST(StringTableTest, NumbersStringsLikeAMap) {
  std::mt19937 rng(7);
  std::vector<std::string> pool;
  for (size_t length : {0, 1, 7, 8, 9, 16, 254, 255, 256, 300}) {
    for (int i = 0; i < 20; ++i) {
      std::string s(length, 'a');
      for (char& c : s) c = static_cast<char>('a' + rng() % 3);  // few letters: many shared prefixes
      pool.push_back(s);
      if (length > 0) pool.push_back(s + std::string(1, '\0'));  // differs only by a trailing NUL
    }
  }
  for (int i = 0; i < 50000; ++i) pool.push_back("prefix__" + std::to_string(rng() % 20000));
  StringTable table;
  std::unordered_map<std::string, uint32_t> reference;
  for (int round = 0; round < 2; ++round) {
    for (const std::string& s : pool) {
      bool added = false;
      const uint32_t id = table.Intern(s, &added);
      const auto [it, fresh] = reference.emplace(s, static_cast<uint32_t>(reference.size()));
      ASSERT_EQ(added, fresh) << s;
      ASSERT_EQ(id, it->second) << s;
      ASSERT_EQ(table.Get(id), s);
    }
  }
  EXPECT_EQ(table.size(), reference.size());
}

TEST(StringTableTest, EmptyAndNulStringsAreDistinct) {
  StringTable table;
  bool added;
  EXPECT_EQ(table.Intern("", &added), 0u);
  EXPECT_TRUE(added);
  EXPECT_EQ(table.Intern(std::string_view("\0", 1), &added), 1u);
  EXPECT_TRUE(added);
  EXPECT_EQ(table.Intern(std::string_view("\0\0", 2), &added), 2u);
  EXPECT_TRUE(added);
  EXPECT_EQ(table.Intern("", &added), 0u);
  EXPECT_FALSE(added);
}

}  // namespace
}  // namespace loupe::index
