// Whole indexes against a simple in-memory reference: every posting,
// frequency, position, field length, id and stored document read back
// exactly, over randomised corpora with multiple segments, updates and
// deletions.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "index/reader_impl.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "test_util.h"

namespace loupe {
namespace {

using index::PostingsCursor;

// term -> external id -> positions, per field.
using Postings = std::map<std::string, std::map<std::string, std::vector<uint32_t>>>;

struct Reference {
  std::map<std::string, Document> docs;  // live documents by id
};

std::string RandomText(std::mt19937_64& rng, size_t words, uint32_t vocabulary) {
  std::string text;
  for (size_t i = 0; i < words; ++i) {
    // Zipf-like: small word numbers are frequent.
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const auto w = static_cast<uint32_t>(std::pow(vocabulary, u)) - 1;
    text += (i ? " " : "") + std::string("w") + std::to_string(w);
    if (rng() % 17 == 0) text += " the";  // a stop word, for position gaps
  }
  return text;
}

Document RandomDocument(std::mt19937_64& rng, const std::string& id) {
  Document d;
  d.id = id;
  const int shape = static_cast<int>(rng() % 10);
  if (shape == 0) return d;  // no fields at all
  d.fields.push_back({"title", RandomText(rng, rng() % 6, 300)});
  if (shape == 1) {
    d.fields.push_back({"body", std::string("common")});  // a one-term body
  } else if (shape == 2) {
    d.fields.push_back({"body", std::string()});  // an empty body
  } else {
    d.fields.push_back({"body", RandomText(rng, rng() % (shape == 9 ? 3000 : 200), 2000) + " common"});
  }
  d.fields.push_back({"n", static_cast<int64_t>(rng() % 1000) - 500});
  d.fields.push_back({"x", 0.25 * static_cast<double>(rng() % 100)});
  d.fields.push_back({"flag", rng() % 2 == 0});
  d.fields.push_back({"topics", StringList{"t" + std::to_string(rng() % 5), "t" + std::to_string(rng() % 5)}});
  d.fields.push_back({"meta", RawJson{"{\"k\":[1,2]}"}});
  return d;
}

// Reference postings of the live documents, analysed exactly as the index does.
std::map<std::string, Postings> ReferencePostings(const Schema& schema, const Reference& ref) {
  std::map<std::string, Postings> out;
  for (const TextField& field : schema.text_fields) {
    const Analyzer analyzer = field.MakeAnalyzer();
    Postings& postings = out[field.name];
    for (const auto& [id, doc] : ref.docs) {
      uint32_t position = 0;
      TokenStream stream(analyzer);
      for (const std::string& src : field.sources) {
        const std::string_view text = doc.Text(src);
        if (doc.Find(src) == nullptr) continue;
        stream.Reset(text, position);
        while (stream.Next()) postings[std::string(stream.token().term)][id].push_back(stream.token().position);
        position = stream.next_position() + 100;
      }
    }
  }
  return out;
}

void CheckIndex(const std::string& path, const Reference& ref) {
  const auto reader = IndexReader::Open(path);
  ASSERT_EQ(reader->document_count(), ref.docs.size());
  const auto& impl = reader->impl();
  const Schema& schema = reader->schema();
  const auto expected = ReferencePostings(schema, ref);
  std::map<std::string, Postings> actual;
  std::map<std::string, std::map<std::string, uint64_t>> lengths;  // field -> id -> length
  std::set<std::string> seen_ids;
  for (const auto& seg : impl.segments) {
    for (uint32_t d = 0; d < seg->max_doc(); ++d) {
      if (!seg->IsLive(d)) continue;
      const std::string id(seg->Id(d));
      ASSERT_TRUE(seen_ids.insert(id).second) << "id " << id << " live twice";
      ASSERT_TRUE(ref.docs.contains(id)) << "unexpected live doc " << id;
      // Stored fields read back exactly.
      const Document stored = seg->GetDocument(d);
      ASSERT_EQ(stored, ref.docs.at(id)) << "stored document " << id;
      ASSERT_EQ(seg->FindLive(id), d);
    }
    for (size_t f = 0; f < schema.text_fields.size(); ++f) {
      const uint32_t number = index::TextFieldNumber(f);
      const auto* lens = seg->Lengths(number);
      ASSERT_NE(lens, nullptr);
      PostingsCursor c;
      for (auto it = seg->terms().Terms(number); it.valid(); it.Next()) {
        seg->OpenPostings(number, it.info(), &c);
        for (uint32_t d = c.doc(); d != PostingsCursor::kNoMoreDocs; d = c.Next()) {
          if (!seg->IsLive(d)) continue;
          const uint32_t* p = c.Positions();
          actual[schema.text_fields[f].name][std::string(it.term())][std::string(seg->Id(d))] =
              std::vector<uint32_t>(p, p + c.freq());
        }
      }
      for (uint32_t d = 0; d < seg->max_doc(); ++d) {
        if (seg->IsLive(d)) lengths[schema.text_fields[f].name][std::string(seg->Id(d))] = lens->Get(d);
      }
    }
  }
  for (const TextField& field : schema.text_fields) {
    const Postings& want = expected.at(field.name);
    const Postings& got = actual[field.name];
    ASSERT_EQ(got.size(), want.size()) << "distinct terms in " << field.name;
    for (const auto& [term, docs] : want) {
      ASSERT_TRUE(got.contains(term)) << "missing term " << term;
      ASSERT_EQ(got.at(term), docs) << "postings of " << term << " in " << field.name;
    }
    for (const auto& [id, doc] : ref.docs) {
      uint64_t want_length = 0;
      for (const auto& [term, docs] : want) {
        if (auto it = docs.find(id); it != docs.end()) want_length += it->second.size();
      }
      ASSERT_EQ(lengths[field.name][id], want_length) << "length of " << id << " in " << field.name;
    }
  }
}

struct Scenario {
  const char* name;
  size_t docs;
  size_t ram_mib;
  bool flat;
  int commits;
};

class RoundTripTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(RoundTripTest, IndexMatchesReference) {
  const Scenario& s = GetParam();
  std::mt19937_64 rng(testing::TestSeed() ^ std::hash<std::string>{}(s.name));
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  IndexWriterOptions options;
  options.ram_budget_bytes = s.ram_mib << 20;
  options.schema = s.flat ? Schema().AddTextField("contents", {"title", "body"}, "english")
                          : Schema::Default("english");
  Reference ref;
  auto writer = IndexWriter::Open(path, options);
  size_t next_id = 0;
  for (int commit = 0; commit < s.commits; ++commit) {
    for (size_t i = 0; i < s.docs / s.commits; ++i) {
      const int action = static_cast<int>(rng() % 20);
      if (action == 0 && !ref.docs.empty()) {  // delete a random existing doc
        auto it = ref.docs.begin();
        std::advance(it, rng() % ref.docs.size());
        ASSERT_TRUE(writer->DeleteDocument(it->first));
        ref.docs.erase(it);
      } else if (action == 1 && !ref.docs.empty()) {  // replace one
        auto it = ref.docs.begin();
        std::advance(it, rng() % ref.docs.size());
        Document d = RandomDocument(rng, it->first);
        ASSERT_EQ(writer->AddDocument(d), IndexWriter::AddResult::kReplaced);
        it->second = d;
      } else {
        Document d = RandomDocument(rng, "doc-" + std::to_string(next_id++));
        ASSERT_EQ(writer->AddDocument(d), IndexWriter::AddResult::kAdded);
        ref.docs[d.id] = d;
      }
    }
    writer->Commit();
    CheckIndex(path, ref);
    if (commit % 2 == 1) {  // reopen the writer now and then
      writer.reset();
      writer = IndexWriter::Open(path, {.ram_budget_bytes = s.ram_mib << 20});
    }
  }
  EXPECT_FALSE(writer->DeleteDocument("no-such-id"));
  const VerifyReport report = VerifyIndex(path);
  EXPECT_TRUE(report.ok()) << (report.errors.empty() ? "" : report.errors[0]);
}

INSTANTIATE_TEST_SUITE_P(
    Corpora, RoundTripTest,
    ::testing::Values(Scenario{"Small", 60, 64, false, 1}, Scenario{"Flat", 400, 64, true, 2},
                      Scenario{"ManySegments", 1500, 1, false, 3}, Scenario{"ManyCommits", 600, 2, true, 6}),
    [](const ::testing::TestParamInfo<Scenario>& info) { return std::string(info.param.name); });

TEST(RoundTrip, TermInEveryDocumentCrossesManyBlocks) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  Reference ref;
  auto writer = IndexWriter::Open(path, {.schema = Schema().AddTextField("body", {"body"}, "standard")});
  std::mt19937_64 rng(testing::TestSeed());
  for (int i = 0; i < 3000; ++i) {
    Document d;
    d.id = "d" + std::to_string(i);
    // "every" in every doc, many times in some (position blocks), long docs now and then.
    std::string body = "every";
    for (int k = 0; k < static_cast<int>(rng() % (i % 100 == 0 ? 400 : 4)); ++k) body += " every x" + std::to_string(rng() % 50);
    d.fields.push_back({"body", body});
    writer->AddDocument(d);
    ref.docs[d.id] = d;
  }
  writer->Commit();
  CheckIndex(path, ref);
}

}  // namespace
}  // namespace loupe
