// The pruned top-k against two references over random indexes and random
// queries of every kind:
//  * an independent brute-force scorer written here from the reference
//    postings (same hits, scores within float tolerance, equal scores by id);
//  * the searcher itself with pruning off (bit-for-bit the same hits).
// Counts are checked against the brute force too, and so are filters on
// scalar fields (date, integer and multi-valued keyword columns), sorting by
// a field and facet counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <cmath>
#include <map>
#include <random>
#include <tuple>
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
struct Scalars {
  std::optional<int64_t> date_ms, n;
  std::set<std::string> topics;
};

struct Reference {
  std::map<std::string, std::map<std::string, DocTerms>> fields;  // field -> id -> terms
  std::map<std::string, Scalars> scalars;                         // id -> values
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
      AddScalars(rng, d);
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

  // Dates in January and February 2023 (ms computed here, not by the
  // library), a small integer, and 0-3 topics; each sometimes missing.
  void AddScalars(std::mt19937_64& rng, Document& d) {
    Scalars s;
    if (rng() % 8 != 0) {
      const int day = static_cast<int>(rng() % 59), hour = static_cast<int>(rng() % 24);
      char text[32];
      std::snprintf(text, sizeof text, "2023-%02d-%02dT%02d:30:00Z", day < 31 ? 1 : 2, day < 31 ? day + 1 : day - 30,
                    hour);
      d.fields.push_back({"date", std::string(text)});
      s.date_ms = 1672531200000 + int64_t{day} * 86400000 + int64_t{hour} * 3600000 + 1800000;
    }
    if (rng() % 5 != 0) {
      s.n = static_cast<int64_t>(rng() % 40) - 10;
      d.fields.push_back({"n", *s.n});
    }
    if (rng() % 4 != 0) {
      StringList topics;
      for (int i = 0, k = static_cast<int>(rng() % 4); i < k; ++i) topics.push_back("t" + std::to_string(rng() % 6));
      s.topics.insert(topics.begin(), topics.end());
      d.fields.push_back({"topics", topics});
    }
    ref_.scalars[d.id] = s;
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
      case Query::Kind::kKeyword:
        if (ref_.scalars[id].topics.count(q.term())) return 0.0;
        return std::nullopt;
      case Query::Kind::kRange: {
        const Scalars& s = ref_.scalars[id];
        const std::optional<int64_t>& v = q.field() == "date" ? s.date_ms : s.n;
        if (v && *v >= q.lower() && *v <= q.upper()) return 0.0;
        return std::nullopt;
      }
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
          // Lucene's SloppyPhraseScorer.phraseFreq(), transcribed: a queue of
          // (position - offset) ordered by position, offset, index; repeated
          // terms start at their j-th position and never share a word.
          const auto& ph = q.phrase();
          const size_t n = lists.size();
          std::vector<size_t> at(n, 0), group(n);
          for (size_t i = 0; i < n; ++i) {
            group[i] = i;
            for (size_t j = 0; j < n; ++j) {
              if (ph[j].term == ph[i].term && j < group[i]) group[i] = j;
              if (j != i && ph[j].term == ph[i].term && ph[j].position < ph[i].position) ++at[i];
            }
          }
          bool alive = true;
          for (size_t i = 0; i < n; ++i) alive = alive && at[i] < lists[i]->size();
          const auto pos = [&](size_t i) {
            return static_cast<int64_t>((*lists[i])[at[i]]) - static_cast<int64_t>(ph[i].position);
          };
          std::vector<size_t> queue;  // kept sorted, least first
          const auto requeue = [&] {
            std::sort(queue.begin(), queue.end(), [&](size_t a, size_t b) {
              return std::make_tuple(pos(a), ph[a].position, a) < std::make_tuple(pos(b), ph[b].position, b);
            });
          };
          int64_t end = INT64_MIN;
          const auto next_position = [&](size_t i) {
            if (++at[i] >= lists[i]->size()) return false;
            end = std::max(end, pos(i));
            return true;
          };
          if (alive) {
            for (size_t i = 0; i < n; ++i) {
              queue.push_back(i);
              end = std::max(end, pos(i));
            }
            requeue();
            size_t pp = queue.front();
            queue.erase(queue.begin());
            int64_t length = end - pos(pp);
            int64_t next = pos(queue.front());
            for (;;) {
              if (!next_position(pp)) break;
              bool exhausted = false;
              for (size_t cur = pp;;) {  // collisions of repeated terms
                size_t k = SIZE_MAX;
                for (size_t j = 0; j < n; ++j) {
                  if (j != cur && group[j] == group[cur] && pos(j) + ph[j].position == pos(cur) + ph[cur].position) k = j;
                }
                if (k == SIZE_MAX) break;
                cur = std::make_pair(pos(cur), ph[cur].position) < std::make_pair(pos(k), ph[k].position) ? cur : k;
                if (!next_position(cur)) {
                  exhausted = true;
                  break;
                }
              }
              if (exhausted) break;
              requeue();
              if (pos(pp) > next) {
                if (length <= q.slop()) freq += 1.0 / (1.0 + static_cast<double>(length));
                queue.push_back(pp);
                requeue();
                pp = queue.front();
                queue.erase(queue.begin());
                next = pos(queue.front());
                length = end - pos(pp);
              } else {
                length = std::min(length, end - pos(pp));
              }
            }
            if (length <= q.slop()) freq += 1.0 / (1.0 + static_cast<double>(length));
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
        // Only exclusions: every document without them (score 0).
        const bool only_excluded = std::all_of(q.clauses().begin(), q.clauses().end(),
                                               [](const auto& c) { return c.occur == Query::Occur::kMustNot; });
        if (only_excluded) return 0.0;
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
      case 4: {
        const int r = static_cast<int>(rng() % 8);
        if (r == 0) return Query::MatchAll();
        if (r == 1) return Query::Keyword("topics", "t" + std::to_string(rng() % 7));
        if (r == 2) {
          const int64_t first = 1672531200000 + static_cast<int64_t>(rng() % 60) * 86400000;
          return Query::Range("date", rng() % 5 == 0 ? INT64_MIN : first,
                              first + static_cast<int64_t>(rng() % 20) * 86400000 - 1);
        }
        if (r == 3) {
          const int64_t lo = static_cast<int64_t>(rng() % 40) - 12;
          return Query::Range("n", lo, rng() % 5 == 0 ? INT64_MAX : lo + static_cast<int64_t>(rng() % 10));
        }
        return Query::Term(field, Word(rng, 100));
      }
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
    if (trial % 9 < 6) {  // filtered: "+(...) +topics:t1 +date:[...]"
      {
        std::vector<Query::Clause> filtered = {{Query::Occur::kMust, q}};
        if (rng() % 2) filtered.push_back({Query::Occur::kMust, Query::Keyword("topics", "t" + std::to_string(rng() % 6))});
        const int64_t first = 1672531200000 + static_cast<int64_t>(rng() % 50) * 86400000;
        filtered.push_back({Query::Occur::kMust, Query::Range("date", first, first + int64_t{10} * 86400000)});
        q = Query::Boolean(std::move(filtered));
      }
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

// Sorting by a field and facet counts, against the brute force.
TEST_P(ExactnessTest, SortAndFacetsEqualBruteForce) {
  std::mt19937_64 rng(testing::TestSeed() + static_cast<uint64_t>(GetParam()) * 104729);
  BuildIndex(rng);
  const auto reader = IndexReader::Open(path_);
  const Searcher searcher(reader);
  const Schema& schema = reader->schema();
  ASSERT_NE(schema.FindScalar("date"), nullptr);
  EXPECT_EQ(schema.FindScalar("date")->type, ScalarType::kDate);
  EXPECT_EQ(schema.FindScalar("n")->type, ScalarType::kInteger);
  EXPECT_EQ(schema.FindScalar("topics")->type, ScalarType::kKeyword);
  for (int trial = 0; trial < 60; ++trial) {
    const QueryPtr q = trial % 4 == 0 ? Query::MatchAll() : RandomQuery(rng, 0);
    SearchOptions o;
    o.k = std::vector<size_t>{0, 1, 5, 30}[rng() % 4];
    o.sort.field = rng() % 2 ? "date" : "n";
    o.sort.descending = rng() % 2;
    o.facets = {{"topics", 3}, {"date", 0, FacetRequest::Interval::kMonth}, {"n", 0}};
    std::vector<std::string> matching;
    for (const std::string& id : ref_.live) {
      if (Score(*q, id, 1.0, o, schema)) matching.push_back(id);
    }
    const SearchResults got = searcher.Search(*q, o);
    ASSERT_EQ(got.total_hits, matching.size()) << q->ToString();
    // Sorted values: the same sequence as the brute force's best k (documents
    // without a value last); ties between equal values are by score then id.
    const auto value = [&](const std::string& id) {
      const Scalars& s = ref_.scalars[id];
      return o.sort.field == "date" ? s.date_ms : s.n;
    };
    std::vector<std::optional<int64_t>> want_values;
    for (const std::string& id : matching) want_values.push_back(value(id));
    std::sort(want_values.begin(), want_values.end(), [&](const auto& a, const auto& b) {
      if (a.has_value() != b.has_value()) return a.has_value();
      return a && (o.sort.descending ? *a > *b : *a < *b);
    });
    want_values.resize(std::min(o.k, want_values.size()));
    ASSERT_EQ(got.hits.size(), want_values.size()) << q->ToString();
    for (size_t i = 0; i < got.hits.size(); ++i) {
      ASSERT_EQ(value(got.hits[i].id), want_values[i]) << q->ToString() << " rank " << i;
      ASSERT_TRUE(std::binary_search(matching.begin(), matching.end(), got.hits[i].id));
      if (i > 0 && value(got.hits[i].id) == value(got.hits[i - 1].id)) {
        const Hit& a = got.hits[i - 1];
        const Hit& b = got.hits[i];
        ASSERT_TRUE(a.score > b.score || (a.score == b.score && a.id < b.id)) << "tie order at rank " << i;
      }
    }
    // Facets.
    std::map<std::string, uint64_t> topics, months, numbers;
    uint64_t no_topics = 0, no_date = 0, no_n = 0;
    for (const std::string& id : matching) {
      const Scalars& s = ref_.scalars[id];
      for (const std::string& t : s.topics) ++topics[t];
      no_topics += s.topics.empty();
      if (s.date_ms) {
        ++months[*s.date_ms < 1672531200000 + int64_t{31} * 86400000 ? "2023-01" : "2023-02"];
      } else {
        ++no_date;
      }
      if (s.n) {
        ++numbers[std::to_string(*s.n)];
      } else {
        ++no_n;
      }
    }
    ASSERT_EQ(got.facets.size(), 3u);
    std::vector<FacetCount> want_topics;
    for (const auto& [t, c] : topics) want_topics.push_back({t, c});
    std::sort(want_topics.begin(), want_topics.end(),
              [](const FacetCount& a, const FacetCount& b) { return a.count != b.count ? a.count > b.count : a.value < b.value; });
    want_topics.resize(std::min<size_t>(3, want_topics.size()));
    ASSERT_EQ(got.facets[0].counts.size(), want_topics.size());
    for (size_t i = 0; i < want_topics.size(); ++i) {
      EXPECT_EQ(got.facets[0].counts[i].value, want_topics[i].value);
      EXPECT_EQ(got.facets[0].counts[i].count, want_topics[i].count);
    }
    EXPECT_EQ(got.facets[0].missing, no_topics);
    std::map<std::string, uint64_t> got_months, got_numbers;
    for (const FacetCount& c : got.facets[1].counts) got_months[c.value] = c.count;
    for (const FacetCount& c : got.facets[2].counts) got_numbers[c.value] = c.count;
    EXPECT_EQ(got_months, months) << q->ToString();
    EXPECT_EQ(got.facets[1].missing, no_date);
    EXPECT_EQ(got_numbers, numbers) << q->ToString();
    EXPECT_EQ(got.facets[2].missing, no_n);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ExactnessTest, ::testing::Range(0, 4));

}  // namespace
}  // namespace loupe
