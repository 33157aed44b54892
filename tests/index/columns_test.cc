// Columns: every value reads back (numeric codes at every width, including
// full 64-bit ranges; multi-valued keywords with repeats; documents without
// values), range codes select exactly the values in range, values that do
// not fit their type are refused or noted, and damaged bytes are caught.
#include "index/columns.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "index/format.h"
#include "loupe/error.h"
#include "test_util.h"

namespace loupe::index {
namespace {

struct Expected {
  std::map<uint32_t, int64_t> dates, numbers;
  std::map<uint32_t, std::set<std::string>> topics;
};

Expected Fill(ColumnsBuilder& b, uint32_t max_doc, std::mt19937_64& rng, bool wide) {
  Expected e;
  for (uint32_t d = 0; d < max_doc; ++d) {
    if (rng() % 5 != 0) {
      const int64_t v = 1'600'000'000'000 + static_cast<int64_t>(rng() % 1000) * 86'400'000;  // days: a gcd
      b.AddNumber("date", ScalarType::kDate, d, v);
      e.dates[d] = v;
    }
    if (rng() % 3 != 0) {
      const auto r = static_cast<int64_t>(rng() % 5);
      const int64_t v = wide ? (d % 2 ? INT64_MAX - r : INT64_MIN + 1 + r) : static_cast<int64_t>(rng() % 100) - 50;
      b.AddNumber("n", ScalarType::kInteger, d, v);
      e.numbers[d] = v;
    }
    for (int k = 0, n = static_cast<int>(rng() % 4); k < n; ++k) {
      const std::string t = "t" + std::to_string(rng() % 7);
      b.AddKeyword("topics", d, t);  // repeats within a document are kept once
      e.topics[d].insert(t);
    }
  }
  return e;
}

TEST(Columns, EveryValueReadsBack) {
  for (const bool wide : {false, true}) {
    for (const uint32_t max_doc : {1u, 37u, 5000u}) {
      std::mt19937_64 rng(testing::TestSeed() + max_doc);
      testing::TempDir tmp;
      auto dir = store::OpenFileSystemDirectory(tmp.str(), false);
      ColumnsBuilder builder;
      const Expected e = Fill(builder, max_doc, rng, wide);
      {
        store::CheckedWriter out(*dir, "s.cols", kColumnsKind, kFormatVersion, 5);
        builder.Write(&out, max_doc);
        out.Finish();
      }
      const store::CheckedFile file(dir->Open("s.cols"), kColumnsKind, kFormatVersion, 5, true);
      const ColumnsReader reader(&file, max_doc);
      const NumericColumn* dates = reader.Numeric("date");
      const NumericColumn* numbers = reader.Numeric("n");
      const KeywordColumn* topics = reader.Keyword("topics");
      ASSERT_NE(dates, nullptr);
      EXPECT_EQ(dates->type(), ScalarType::kDate);
      EXPECT_EQ(reader.Keyword("date"), nullptr);
      EXPECT_EQ(reader.Numeric("missing"), nullptr);
      for (uint32_t d = 0; d < max_doc; ++d) {
        int64_t v;
        ASSERT_EQ(dates->Get(d, &v), e.dates.count(d) > 0) << d;
        if (e.dates.count(d)) {
          ASSERT_EQ(v, e.dates.at(d));
        }
        if (numbers != nullptr) {
          ASSERT_EQ(numbers->Get(d, &v), e.numbers.count(d) > 0) << d;
          if (e.numbers.count(d)) {
            ASSERT_EQ(v, e.numbers.at(d)) << d;
          }
        }
        std::set<std::string> got;
        if (topics != nullptr) {
          uint32_t previous = 0;
          for (uint64_t k = topics->Begin(d); k < topics->Begin(d + 1); ++k) {
            if (k > topics->Begin(d)) {
              ASSERT_GT(topics->Ord(k), previous);  // increasing, distinct
            }
            previous = topics->Ord(k);
            got.insert(std::string(topics->Value(topics->Ord(k))));
          }
        }
        const std::set<std::string> want = e.topics.count(d) ? e.topics.at(d) : std::set<std::string>{};
        ASSERT_EQ(got, want) << d;
      }
      if (topics != nullptr) {
        for (uint32_t ord = 0; ord < topics->value_count(); ++ord) {
          EXPECT_EQ(topics->Find(topics->Value(ord)), ord);
          if (ord > 0) {
            EXPECT_LT(topics->Value(ord - 1), topics->Value(ord));
          }
        }
        EXPECT_EQ(topics->Find("t9"), std::nullopt);
      }
      // Range codes select exactly the values in range.
      for (int trial = 0; trial < 50 && max_doc > 1; ++trial) {
        const int64_t lo = 1'600'000'000'000 + static_cast<int64_t>(rng() % 1100) * 86'400'000 - 5;
        const int64_t hi = lo + static_cast<int64_t>(rng() % 200) * 86'400'000;
        uint64_t first = 0, last = 0;
        const bool any = dates->CodeRange(lo, hi, &first, &last);
        for (uint32_t d = 0; d < max_doc; ++d) {
          const uint64_t c = dates->Code(d);
          const bool in = e.dates.count(d) && e.dates.at(d) >= lo && e.dates.at(d) <= hi;
          ASSERT_EQ(any && c >= first && c <= last && c != 0, in) << d;
        }
      }
    }
  }
}

TEST(Columns, DamagedBytesAreCaughtNeverACrash) {
  std::mt19937_64 rng(testing::TestSeed());
  testing::TempDir tmp;
  auto dir = store::OpenFileSystemDirectory(tmp.str(), false);
  ColumnsBuilder builder;
  Fill(builder, 300, rng, false);
  {
    store::CheckedWriter out(*dir, "s.cols", kColumnsKind, kFormatVersion, 5);
    builder.Write(&out, 300);
    out.Finish();
  }
  const std::string path = tmp.Sub("s.cols");
  const std::string good = testing::ReadFile(path);
  for (size_t i = 0; i < good.size(); i += 1 + good.size() / 400) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ (1 + rng() % 255));
    testing::WriteFile(path, bad);
    // With the checksum: always caught. Without: the structure checks keep
    // every read inside the file (run under ASan in CI).
    EXPECT_THROW(store::CheckedFile(dir->Open("s.cols"), kColumnsKind, kFormatVersion, 5, true), Error);
    try {
      const store::CheckedFile file(dir->Open("s.cols"), kColumnsKind, kFormatVersion, 5, false);
      const ColumnsReader reader(&file, 300);
      for (const auto& c : reader.List()) {
        if (const NumericColumn* n = reader.Numeric(c.name)) {
          int64_t v;
          for (uint32_t d = 0; d < 300; ++d) n->Get(d, &v);
        } else if (const KeywordColumn* k = reader.Keyword(c.name)) {
          for (uint32_t d = 0; d < 300; ++d) {
            for (uint64_t j = k->Begin(d); j < k->Begin(d + 1); ++j) k->Value(k->Ord(j));
          }
        }
      }
    } catch (const Error&) {  // corruption, or a header that is not a columns file's
    }
  }
}

TEST(Columns, ValuesAreTypedInferredAndCheckedAgainstTheSchema) {
  Schema schema = Schema::Default("standard");
  Document d;
  d.id = "1";
  d.fields = {{"title", std::string("t")}, {"date", std::string("2023-06-30T12:00:00Z")}, {"n", int64_t{7}},
              {"topics", StringList{"a", "b"}}, {"url", std::string("http://x")}, {"year", std::string("2023")}};
  std::vector<ColumnValue> values;
  bool unstored = true;
  ResolveColumns(d, schema, &values, &unstored);
  EXPECT_FALSE(unstored);
  ASSERT_EQ(values.size(), 3u);  // title is text; url and a bare year stay stored only
  EXPECT_EQ(schema.FindScalar("date")->type, ScalarType::kDate);
  EXPECT_EQ(values[0].number, 1688126400000);
  EXPECT_EQ(schema.FindScalar("n")->type, ScalarType::kInteger);
  EXPECT_EQ(schema.FindScalar("topics")->type, ScalarType::kKeyword);
  EXPECT_EQ(values[2].keywords, (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(schema.FindScalar("url")->type, ScalarType::kStored);
  EXPECT_EQ(schema.FindScalar("year")->type, ScalarType::kStored);
  EXPECT_EQ(schema.FindScalar("title"), nullptr);

  // Later values must fit: refused (schema unchanged), or noted and left out.
  Document bad;
  bad.id = "2";
  bad.fields = {{"date", std::string("3-MAR-1987")}, {"fresh", int64_t{1}}};
  const size_t known = schema.scalar_fields.size();
  try {
    ResolveColumns(bad, schema, &values, &unstored);
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'date' (date): '3-MAR-1987' is not an ISO 8601 date"), std::string::npos);
  }
  EXPECT_EQ(schema.scalar_fields.size(), known);
  // A year or a month names a period, not a date: a value needs a day.
  for (const char* period : {"2023", "2023-06"}) {
    Document partial;
    partial.id = "3";
    partial.fields = {{"date", std::string(period)}};
    try {
      ResolveColumns(partial, schema, &values, &unstored);
      FAIL() << period;
    } catch (const InvalidArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("a date value needs at least a day"), std::string::npos) << e.what();
    }
  }
  std::vector<std::string> notes;
  ResolveColumns(bad, schema, &values, &unstored, &notes);
  ASSERT_EQ(notes.size(), 1u);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].name, "fresh");

  // A declared field is never inferred; one not stored is flagged.
  Schema declared = Schema::Default("standard");
  declared.AddScalarField("code", ScalarType::kKeyword, false);
  declared.infer_scalar_fields = false;
  Document c;
  c.id = "3";
  c.fields = {{"code", std::string("X1")}, {"n", int64_t{3}}};
  ResolveColumns(c, declared, &values, &unstored);
  EXPECT_TRUE(unstored);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].keywords, (std::vector<std::string_view>{"X1"}));
  EXPECT_EQ(declared.FindScalar("n"), nullptr);
}

}  // namespace
}  // namespace loupe::index
