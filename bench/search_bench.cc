// Micro benchmarks of the query engine's hot loops, over a synthetic index
// built once (Zipf-distributed vocabulary, documents of mixed lengths):
//   * decoding and BM25-scoring a term's postings (the scoring loop),
//   * positions decoding,
//   * conjunctions, block-max MaxScore disjunctions and phrases, top 10,
//   * counting.
// Items are postings (or documents) visited, so the rates compare across runs.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "index/reader_impl.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "search/scorers.h"

namespace {

using namespace loupe;

// 60,000 documents, 30 to 1,000 words from a Zipf vocabulary of 50,000.
class Fixture {
 public:
  static Fixture& Get() {
    static Fixture f;
    return f;
  }

  std::shared_ptr<const IndexReader> reader;
  std::unique_ptr<Searcher> searcher;

 private:
  Fixture() {
    path_ = (std::filesystem::temp_directory_path() / ("loupe-bench-" + std::to_string(::getpid()))).string();
    auto writer = IndexWriter::Open(path_, {.create = true, .schema = Schema().AddTextField("body", {"body"}, "standard")});
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(0, 1);
    for (int i = 0; i < 60000; ++i) {
      Document d;
      d.id = "doc" + std::to_string(i);
      std::string body;
      const int words = 30 + static_cast<int>(std::pow(u(rng), 3) * 970);
      for (int w = 0; w < words; ++w) {
        const auto rank = static_cast<uint64_t>(std::pow(50000.0, u(rng) * u(rng)));
        body += "t" + std::to_string(rank) + " ";
        if (rank == 3 && u(rng) < 0.5) body += "t4 ";  // a frequent phrase
      }
      d.fields.push_back({"body", body});
      writer->AddDocument(d);
    }
    writer->Commit();
    writer.reset();
    reader = IndexReader::Open(path_);
    searcher = std::make_unique<Searcher>(reader);
  }
  ~Fixture() { std::filesystem::remove_all(path_); }

  std::string path_;
};

QueryPtr Parse(const char* text) { return ParseQuery(text, Fixture::Get().reader->schema()); }

void BM_TermScoring(benchmark::State& state, const char* term) {
  Fixture& f = Fixture::Get();
  const auto& seg = *f.reader->impl().segments[0];
  index::TermInfo info;
  if (!seg.terms().Lookup(1, term, &info)) state.SkipWithError("term missing");
  std::vector<float> norms(seg.max_doc(), 1.0f);
  const search::Bm25 bm25{2.0f, 0.9f, 0.4f, 300.0f, norms.data()};
  uint64_t postings = 0;
  for (auto _ : state) {
    search::TermScorer s(seg, 1, info, bm25);
    float sum = 0;
    for (uint32_t d = s.doc(); d != search::kNoMoreDocs; d = s.Next()) sum += s.Score();
    benchmark::DoNotOptimize(sum);
    postings += info.doc_freq;
  }
  state.SetItemsProcessed(static_cast<int64_t>(postings));
}
BENCHMARK_CAPTURE(BM_TermScoring, frequent, "t1");
BENCHMARK_CAPTURE(BM_TermScoring, medium, "t100");

void BM_Positions(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  const auto& seg = *f.reader->impl().segments[0];
  index::TermInfo info;
  seg.terms().Lookup(1, "t2", &info);
  uint64_t positions = 0;
  for (auto _ : state) {
    index::PostingsCursor c;
    seg.OpenPostings(1, info, &c);
    uint32_t sum = 0;
    for (uint32_t d = c.doc(); d != index::PostingsCursor::kNoMoreDocs; d = c.Next()) {
      const uint32_t* p = c.Positions();
      sum += p[c.freq() - 1];
      positions += c.freq();
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(positions));
}
BENCHMARK(BM_Positions);

void BM_Search(benchmark::State& state, const char* text) {
  Fixture& f = Fixture::Get();
  const QueryPtr q = Parse(text);
  for (auto _ : state) benchmark::DoNotOptimize(f.searcher->Search(*q, {.k = 10}));
}
BENCHMARK_CAPTURE(BM_Search, or_frequent, "t1 t2 t5");
BENCHMARK_CAPTURE(BM_Search, or_mixed, "t1 t300 t7000");
BENCHMARK_CAPTURE(BM_Search, and_frequent, "+t1 +t2");
BENCHMARK_CAPTURE(BM_Search, and_mixed, "+t1 +t300");
BENCHMARK_CAPTURE(BM_Search, phrase_frequent, "\"t3 t4\"");
BENCHMARK_CAPTURE(BM_Search, phrase_mixed, "\"t1 t40\"");

void BM_Count(benchmark::State& state, const char* text) {
  Fixture& f = Fixture::Get();
  const QueryPtr q = Parse(text);
  for (auto _ : state) benchmark::DoNotOptimize(f.searcher->Count(*q));
}
BENCHMARK_CAPTURE(BM_Count, and_frequent, "+t1 +t2");
BENCHMARK_CAPTURE(BM_Count, and_mixed, "+t1 +t300");

}  // namespace
