// Throughput of the block codec, in integers per second. Every benchmark walks a buffer of about 1 MiB
// of encoded blocks (or of raw values), so the data comes from L2/L3 as it does when a query reads a
// long postings list, rather than one block staying in L1.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "codec/block_codec.h"

namespace {

using loupe::codec::DecodeBlock;
using loupe::codec::EncodeBlock;
using loupe::codec::kBlockSize;
using loupe::codec::kMaxEncodedBlockBytes;
using loupe::codec::PrefixSumPlusOne;

constexpr size_t kTargetBytes = 1 << 20;

// Raw values, a whole number of blocks.
using Values = std::vector<uint32_t>;

// Uniform values whose maximum has exactly w bits.
Values WidthValues(int w, size_t blocks) {
  std::mt19937 rng(w);
  Values v(blocks * kBlockSize);
  const uint32_t mask = w == 32 ? UINT32_MAX : (uint32_t{1} << w) - 1;
  for (auto& x : v) x = rng() & mask;
  for (size_t b = 0; b < blocks; ++b) v[b * kBlockSize] |= uint32_t{1} << (w - 1);
  return v;
}

// Doc-id gaps minus one of a mix of terms: each block belongs to a term that occurs in a fraction p
// of the documents, p log-uniform between 1e-4 and 0.5 (Zipf's law makes rare terms many and common
// terms long), with geometric gaps (documents containing the term are independent draws).
Values DocGapValues(size_t blocks) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> log_p(std::log(1e-4), std::log(0.5));
  Values v;
  v.reserve(blocks * kBlockSize);
  for (size_t b = 0; b < blocks; ++b) {
    std::geometric_distribution<uint32_t> gap(std::exp(log_p(rng)));
    for (size_t i = 0; i < kBlockSize; ++i) v.push_back(gap(rng));
  }
  return v;
}

// Term frequencies minus one: mostly 0 and 1, with a rare long tail.
Values FreqValues(size_t blocks) {
  std::mt19937 rng(7);
  std::geometric_distribution<uint32_t> freq(0.6);
  Values v(blocks * kBlockSize);
  for (auto& x : v) x = rng() % 200 == 0 ? rng() % 1000 : freq(rng);
  return v;
}

struct Encoded {
  std::vector<uint8_t> bytes;
  size_t blocks = 0;
};

Encoded EncodeAll(const Values& v) {
  Encoded e;
  e.blocks = v.size() / kBlockSize;
  e.bytes.resize(e.blocks * kMaxEncodedBlockBytes);
  size_t pos = 0;
  for (size_t b = 0; b < e.blocks; ++b) pos += EncodeBlock(v.data() + b * kBlockSize, e.bytes.data() + pos);
  e.bytes.resize(pos);
  return e;
}

// Enough blocks that the encoded data is about kTargetBytes (at least the raw size of 1 MiB for the
// narrow widths, so there are always thousands of distinct blocks).
size_t BlocksForWidth(int w) {
  const size_t by_encoded = kTargetBytes / (1 + 16 * static_cast<size_t>(w));
  return std::max(by_encoded, kTargetBytes / (kBlockSize * sizeof(uint32_t)));
}

size_t BlocksForRaw() { return kTargetBytes / (kBlockSize * sizeof(uint32_t)); }

void SetCounters(benchmark::State& state, size_t blocks, size_t encoded_bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * blocks * kBlockSize));
  state.counters["bits/int"] =
      8.0 * static_cast<double>(encoded_bytes) / static_cast<double>(blocks * kBlockSize);
}

void RunDecode(benchmark::State& state, const Encoded& e) {
  alignas(64) uint32_t out[kBlockSize];
  for (auto _ : state) {
    const uint8_t* p = e.bytes.data();
    const uint8_t* end = p + e.bytes.size();
    for (size_t b = 0; b < e.blocks; ++b) {
      p += DecodeBlock(p, static_cast<size_t>(end - p), out);
      benchmark::DoNotOptimize(out);
      benchmark::ClobberMemory();
    }
  }
  SetCounters(state, e.blocks, e.bytes.size());
}

void RunEncode(benchmark::State& state, const Values& v) {
  std::vector<uint8_t> out(v.size() / kBlockSize * kMaxEncodedBlockBytes);
  size_t total = 0;
  for (auto _ : state) {
    size_t pos = 0;
    for (size_t b = 0; b < v.size(); b += kBlockSize) pos += EncodeBlock(v.data() + b, out.data() + pos);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    total = pos;
  }
  SetCounters(state, v.size() / kBlockSize, total);
}

void RunDecodePrefixSum(benchmark::State& state, const Encoded& e) {
  alignas(64) uint32_t out[kBlockSize];
  for (auto _ : state) {
    const uint8_t* p = e.bytes.data();
    const uint8_t* end = p + e.bytes.size();
    uint32_t doc = 0;
    for (size_t b = 0; b < e.blocks; ++b) {
      p += DecodeBlock(p, static_cast<size_t>(end - p), out);
      doc = PrefixSumPlusOne(out, kBlockSize, doc);
      benchmark::DoNotOptimize(out);
      benchmark::ClobberMemory();
    }
    benchmark::DoNotOptimize(doc);
  }
  SetCounters(state, e.blocks, e.bytes.size());
}

void BM_Decode(benchmark::State& state) {
  const int w = static_cast<int>(state.range(0));
  const Encoded e = EncodeAll(WidthValues(w, BlocksForWidth(w)));
  RunDecode(state, e);
}
BENCHMARK(BM_Decode)->Arg(1)->Arg(4)->Arg(8)->Arg(12)->Arg(16)->Arg(24)->Arg(32);

void BM_DecodeDocGaps(benchmark::State& state) {
  RunDecode(state, EncodeAll(DocGapValues(BlocksForRaw() * 4)));
}
BENCHMARK(BM_DecodeDocGaps);

void BM_DecodeFreqs(benchmark::State& state) { RunDecode(state, EncodeAll(FreqValues(BlocksForRaw() * 8))); }
BENCHMARK(BM_DecodeFreqs);

void BM_Encode(benchmark::State& state) {
  const int w = static_cast<int>(state.range(0));
  RunEncode(state, WidthValues(w, BlocksForRaw()));
}
BENCHMARK(BM_Encode)->Arg(1)->Arg(4)->Arg(8)->Arg(12)->Arg(16)->Arg(24)->Arg(32);

void BM_EncodeDocGaps(benchmark::State& state) { RunEncode(state, DocGapValues(BlocksForRaw())); }
BENCHMARK(BM_EncodeDocGaps);

void BM_EncodeFreqs(benchmark::State& state) { RunEncode(state, FreqValues(BlocksForRaw())); }
BENCHMARK(BM_EncodeFreqs);

// Block by block over 1 MiB of gaps, in place; the values grow (and wrap) from one iteration to the
// next, which changes nothing in the cost.
void BM_PrefixSum(benchmark::State& state) {
  Values v = DocGapValues(BlocksForRaw());
  for (auto _ : state) {
    uint32_t doc = 0;
    for (size_t b = 0; b < v.size(); b += kBlockSize) doc = PrefixSumPlusOne(v.data() + b, kBlockSize, doc);
    benchmark::DoNotOptimize(doc);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * v.size()));
}
BENCHMARK(BM_PrefixSum);

// The plain loop PrefixSumPlusOne replaces, to show what the vector version buys.
__attribute__((noinline)) uint32_t ScalarPrefixSumPlusOne(uint32_t* values, size_t n, uint32_t base) {
  for (size_t i = 0; i < n; ++i) values[i] = base = base + values[i] + 1;
  return base;
}

void BM_PrefixSumScalar(benchmark::State& state) {
  Values v = DocGapValues(BlocksForRaw());
  for (auto _ : state) {
    uint32_t doc = 0;
    for (size_t b = 0; b < v.size(); b += kBlockSize)
      doc = ScalarPrefixSumPlusOne(v.data() + b, kBlockSize, doc);
    benchmark::DoNotOptimize(doc);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * v.size()));
}
BENCHMARK(BM_PrefixSumScalar);

void BM_DecodePrefixSum(benchmark::State& state) {
  const int w = static_cast<int>(state.range(0));
  RunDecodePrefixSum(state, EncodeAll(WidthValues(w, BlocksForWidth(w))));
}
BENCHMARK(BM_DecodePrefixSum)->Arg(1)->Arg(4)->Arg(8)->Arg(12)->Arg(16)->Arg(24)->Arg(32);

void BM_DecodePrefixSumDocGaps(benchmark::State& state) {
  RunDecodePrefixSum(state, EncodeAll(DocGapValues(BlocksForRaw() * 4)));
}
BENCHMARK(BM_DecodePrefixSumDocGaps);

}  // namespace
