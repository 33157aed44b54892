// Throughput of text analysis, the first stage of indexing.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "analysis/word_segmenter.h"
#include "loupe/analysis.h"

namespace {

// English news text with the odd accent, quote and number: the bundled corpus
// body text repeated to 1 MB.
const std::string& SampleText() {
  static const std::string text = [] {
    std::ifstream in(LOUPE_SOURCE_DIR "/corpus/news.jsonl");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string corpus = ss.str();
    if (corpus.empty()) corpus = "The minister\u2019s U.S. visit cost $4.5 billion \u2014 3.5% of GDP. ";
    std::string out;
    while (out.size() < (1 << 20)) out += corpus;
    return out;
  }();
  return text;
}

void BM_Segmentation(benchmark::State& state) {
  const std::string& text = SampleText();
  loupe::analysis::WordSegmenter segmenter(255);
  for (auto _ : state) {
    segmenter.Reset(text);
    loupe::analysis::Segment s;
    size_t n = 0;
    while (segmenter.Next(&s)) ++n;
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Segmentation);

void BM_Analyzer(benchmark::State& state, const char* name) {
  const std::string& text = SampleText();
  loupe::TokenStream stream(loupe::Analyzer::Named(name));
  for (auto _ : state) {
    stream.Reset(text);
    size_t n = 0;
    while (stream.Next()) n += stream.token().term.size();
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK_CAPTURE(BM_Analyzer, standard, "standard");
BENCHMARK_CAPTURE(BM_Analyzer, english, "english");
BENCHMARK_CAPTURE(BM_Analyzer, anserini, "anserini");

}  // namespace
