// The pruned top-k against two references over random indexes and random
// queries of every kind:
//  * an independent brute-force scorer written here from the reference
//    postings (same hits, scores within float tolerance, equal scores by id);
//  * the searcher itself with pruning off (bit-for-bit the same hits).
// Counts are checked against the brute force too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "test_util.h"

namespace loupe {
namespace {

struct DocTerms {
  std::map<std::string, std::vector<uint32_t>> positions;  // term -> positions
  uint32_t length = 0;
};

// The corpus as the test sees it, analysed here. Statistics count live
// documents only, as the searcher does.
struct Reference {
  std::map<std::string, std::map<std::string, DocTerms>> fields;  // field -> id -> terms
  std::set<std::string> live;
  std::map<std::string, uint64_t> docs_with_field, sum_length;
  std::map<std::string, std::map<std::string, uint64_t>> df;

  void ComputeStatistics() {
    docs_with_field.clear();
    sum_length.clear();
    df.clear();
    for (const auto& [field, docs] : fields) {
      for (const std::string& id : live) {
        const DocTerms& t = docs.at(id);
        if (t.length > 0) ++docs_with_field[field];
        sum_length[field] += t.length;
        for (const auto& [term, p] : t.positions) ++df[field][term];
      }
    }
  }
};

const char* kFields[] = {"title", "body"};

std::string Word(std::mt19937_64& rng, uint32_t vocabulary) {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  return "w" + std::to_string(static_cast<uint32_t>(std::pow(vocabulary, u)) - 1);
}

class ExactnessTest : public ::testing::TestWithParam<int> {
 protected:
  void BuildIndex(std::mt19937_64& rng) {
    path_ = tmp_.Sub("idx");
    auto writer = IndexWriter::Open(path_, {.schema = Schema::Default("standard"), .ram_budget_bytes = 1 << 20});
    const Schema schema = Schema::Default("standard");
    for (int i = 0; i < 1500; ++i) {
      Document d;
      d.id = "d" + std::to_string(rng() % 1700);  // some ids repeat: updates
      std::string title, body;
      for (int w = 0, n = static_cast<int>(rng() % 6); w < n; ++w) title += Word(rng, 60) + " ";
      const int length = static_cast<int>(rng() % (rng() % 10 == 0 ? 400 : 60));
      for (int w = 0; w < length; ++w) {
        body += Word(rng, 400) + " ";
        if (rng() % 7 == 0) body += "w1 w2 ";  // a common phrase
      }
      d.fields.push_back({"title", title});
      d.fields.push_back({"body", body});
      writer->AddDocument(d);
      Record(schema, d);
      if (rng() % 25 == 0) {  // delete some document
        const std::string victim = "d" + std::to_string(rng() % 1700);
        writer->DeleteDocument(victim);
        ref_.live.erase(victim);
      }
      if (i % 500 == 499) writer->Commit();
    }
    writer->Commit();
    ref_.ComputeStatistics();
  }

  void Record(const Schema& schema, const Document& d) {
    ref_.live.insert(d.id);
    for (const TextField& f : schema.text_fields) {
      DocTerms terms;
      TokenStream stream(f.MakeAnalyzer());
      stream.Reset(d.Text(f.sources[0]));
      while (stream.Next()) {
        terms.positions[std::string(stream.token().term)].push_back(stream.token().position);
        ++terms.length;
      }
      ref_.fields[f.name][d.id] = std::move(terms);  // the live version of this id
    }
  }

  // Brute-force score of a query for one live document; nullopt if no match.
  std::optional<double> Score(const Query& q, const std::string& id, double boost, const SearchOptions& o,
                              const Schema& schema) {
    const double b = boost * q.boost();
    const auto bm25 = [&](const std::string& field, double idf, double tf) {
      const DocTerms& dt = ref_.fields[field][id];
      const double avg = static_cast<double>(ref_.sum_length[field]) / std::max<uint64_t>(1, ref_.docs_with_field[field]);
      const double norm = o.k1 * ((1 - o.b) + o.b * (dt.length / avg));
      return b * schema.Find(field)->weight * idf * (tf / (tf + norm));
    };
    const auto idf = [&](const std::string& field, const std::string& term) {
      const double n = static_cast<double>(ref_.docs_with_field[field]);
      const double df = static_cast<double>(ref_.df[field][term]);
      return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    };
    switch (q.kind()) {
      case Query::Kind::kMatchNone: return std::nullopt;
      case Query::Kind::kMatchAll: return 0.0;
      case Query::Kind::kTerm: {
        const auto& p = ref_.fields[q.field()][id].positions;
        auto it = p.find(q.term());
        if (it == p.end()) return std::nullopt;
        return bm25(q.field(), idf(q.field(), q.term()), static_cast<double>(it->second.size()));
      }
      case Query::Kind::kPrefix: {
        double sum = 0;
        bool any = false;
        for (const auto& [t, p] : ref_.fields[q.field()][id].positions) {
          if (!t.starts_with(q.term())) continue;
          any = true;
          sum += bm25(q.field(), idf(q.field(), t), static_cast<double>(p.size()));
        }
        return any ? std::optional<double>(sum) : std::nullopt;
      }
      case Query::Kind::kPhrase: {
        const auto& p = ref_.fields[q.field()][id].positions;
        std::vector<const std::vector<uint32_t>*> lists;
        double phrase_idf = 0;
        for (const auto& t : q.phrase()) {
          auto it = p.find(t.term);
          if (it == p.end()) return std::nullopt;
          lists.push_back(&it->second);
          phrase_idf += idf(q.field(), t.term);
        }
        double freq = 0;
        if (q.slop() == 0) {
          for (uint32_t start : *lists[0]) {
            bool all = true;
            for (size_t i = 1; i < lists.size() && all; ++i) {
              all = std::binary_search(lists[i]->begin(), lists[i]->end(), start + q.phrase()[i].position);
            }
            freq += all;
          }
        } else {
          // Same definition as the engine's sloppy matcher: slide the term
          // whose (position - offset) is smallest.
          std::vector<size_t> at(lists.size(), 0);
          for (;;) {
            size_t lo_i = 0;
            int64_t lo = INT64_MAX, hi = INT64_MIN;
            for (size_t i = 0; i < lists.size(); ++i) {
              const int64_t v = static_cast<int64_t>((*lists[i])[at[i]]) - q.phrase()[i].position;
              if (v < lo) {
                lo = v;
                lo_i = i;
              }
              hi = std::max(hi, v);
            }
            if (hi - lo <= q.slop()) freq += 1.0 / (1.0 + static_cast<double>(hi - lo));
            if (++at[lo_i] == lists[lo_i]->size()) break;
          }
          size_t rarest = SIZE_MAX;
          for (const auto* l : lists) rarest = std::min(rarest, l->size());
          freq = std::min(freq, static_cast<double>(rarest));
        }
        if (freq == 0) return std::nullopt;
        return bm25(q.field(), phrase_idf, freq);
      }
      case Query::Kind::kBoolean: {
        double must = 0, should = 0;
        bool has_must = false, any_should = false;
        for (const auto& c : q.clauses()) {
          const auto s = Score(*c.query, id, b, o, schema);
          if (c.occur == Query::Occur::kMustNot) {
            if (s) return std::nullopt;
          } else if (c.occur == Query::Occur::kMust) {
            if (!s) return std::nullopt;
            has_must = true;
            must += *s;
          } else if (s) {
            any_should = true;
            should += *s;
          }
        }
        if (!has_must && !any_should) return std::nullopt;
        return must + should;
      }
    }
    return std::nullopt;
  }

  QueryPtr RandomQuery(std::mt19937_64& rng, int depth) {
    const char* field = kFields[rng() % 2];
    const int kind = static_cast<int>(rng() % (depth >= 2 ? 5 : 8));
    const float boost = rng() % 5 == 0 ? 0.5f + static_cast<float>(rng() % 4) : 1.0f;
    switch (kind) {
      case 0: case 1: return Query::Term(field, Word(rng, rng() % 2 ? 400 : 20), boost);
      case 2: {  // a phrase that exists somewhere, or a random one
        std::vector<Query::PhraseTerm> terms;
        if (rng() % 2) {
          terms = {{"w1", 0}, {"w2", 1}};
          if (rng() % 3 == 0) terms.push_back({Word(rng, 50), 3});
        } else {
          for (uint32_t i = 0, n = 2 + static_cast<uint32_t>(rng() % 2); i < n; ++i) terms.push_back({Word(rng, 30), i});
        }
        return Query::Phrase("body", terms, rng() % 3 == 0 ? static_cast<uint32_t>(rng() % 4) : 0, boost);
      }
      case 3: return Query::Prefix(field, "w" + std::to_string(1 + rng() % 30), boost);
      case 4: return rng() % 4 == 0 ? Query::MatchAll() : Query::Term(field, Word(rng, 100));
      default: {
        std::vector<Query::Clause> clauses;
        for (int i = 0, n = 1 + static_cast<int>(rng() % 5); i < n; ++i) {
          const int o = static_cast<int>(rng() % 6);
          const Query::Occur occur = o < 3 ? Query::Occur::kShould : o < 5 ? Query::Occur::kMust : Query::Occur::kMustNot;
          clauses.push_back({occur, RandomQuery(rng, depth + 1)});
        }
        return Query::Boolean(std::move(clauses), boost);
      }
    }
  }

  testing::TempDir tmp_;
  std::string path_;
  Reference ref_;
};

TEST_P(ExactnessTest, PrunedTopKEqualsBruteForce) {
  std::mt19937_64 rng(testing::TestSeed() + static_cast<uint64_t>(GetParam()) * 7919);
  BuildIndex(rng);
  const auto reader = IndexReader::Open(path_);
  ASSERT_EQ(reader->document_count(), ref_.live.size());
  const Searcher searcher(reader);
  const Schema& schema = reader->schema();
  int queries = 0, nonempty = 0;
  for (int trial = 0; trial < 150; ++trial) {
    QueryPtr q = RandomQuery(rng, 0);
    if (trial % 3 == 0) {  // flat disjunctions and conjunctions, the hot paths
      std::vector<Query::Clause> clauses;
      const bool all = trial % 2 == 0;
      for (int i = 0, n = 2 + static_cast<int>(rng() % 4); i < n; ++i) {
        clauses.push_back({all ? Query::Occur::kMust : Query::Occur::kShould,
                           Query::Term("body", Word(rng, all ? 30 : 400), 1 + static_cast<float>(rng() % 2))});
      }
      q = Query::Boolean(std::move(clauses));
    }
    SearchOptions o;
    o.k = std::vector<size_t>{1, 3, 10, 50}[rng() % 4];
    if (rng() % 3 == 0) {
      o.k1 = 1.2f;
      o.b = 0.75f;
    }
    // Brute force over every live document.
    std::vector<std::pair<double, std::string>> all;
    for (const std::string& id : ref_.live) {
      if (auto s = Score(*q, id, 1.0, o, schema)) all.emplace_back(*s, id);
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    ++queries;
    nonempty += !all.empty();
    ASSERT_EQ(searcher.Count(*q), all.size()) << q->ToString();
    const SearchResults got = searcher.Search(*q, o);
    SearchOptions exhaustive = o;
    exhaustive.prune = false;
    const SearchResults want = searcher.Search(*q, exhaustive);
    ASSERT_EQ(got.hits.size(), std::min(o.k, all.size())) << q->ToString();
    ASSERT_EQ(want.hits.size(), got.hits.size());
    const auto dump = [&] {
      std::string out;
      for (size_t i = 0; i < got.hits.size(); ++i) {
        out += "\n" + searcher.Explain(*q, got.hits[i], o).ToString() + " seg " + std::to_string(got.hits[i].segment) + " doc " + std::to_string(got.hits[i].doc);
        out += "\n  " + got.hits[i].id + " " + std::to_string(got.hits[i].score) + "   " + want.hits[i].id + " " +
               std::to_string(want.hits[i].score) + "   " + all[i].second + " " + std::to_string(all[i].first);
      }
      return out;
    };
    for (size_t i = 0; i < got.hits.size(); ++i) {
      // Pruning changes nothing, bit for bit.
      ASSERT_EQ(got.hits[i].id, want.hits[i].id) << q->ToString() << " rank " << i << dump();
      ASSERT_EQ(got.hits[i].score, want.hits[i].score) << q->ToString() << " rank " << i;
      // The brute force agrees within float rounding; near-equal scores may
      // come in either order.
      const double tolerance = 1e-4 * std::max(1.0, std::abs(all[i].first));
      ASSERT_NEAR(got.hits[i].score, all[i].first, tolerance) << q->ToString() << " rank " << i;
      const auto it = std::find_if(all.begin(), all.end(), [&](const auto& e) { return e.second == got.hits[i].id; });
      ASSERT_NE(it, all.end());
      ASSERT_NEAR(it->first, all[i].first, tolerance) << q->ToString() << " rank " << i << " id " << got.hits[i].id;
      if (i > 0) {
        const auto& a = got.hits[i - 1];
        const auto& b = got.hits[i];
        ASSERT_TRUE(a.score > b.score || (a.score == b.score && a.id < b.id)) << "order at rank " << i;
      }
    }
  }
  EXPECT_GT(nonempty, queries / 3);  // the generator makes mostly matching queries
}

INSTANTIATE_TEST_SUITE_P(Seeds, ExactnessTest, ::testing::Range(0, 4));

}  // namespace
}  // namespace loupe
