#include "codec/block_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace loupe::codec {
namespace {

using Block = std::array<uint32_t, kBlockSize>;
using Bytes = std::vector<uint8_t>;

// ---------------------------------------------------------------------------------------------------
// A scalar model of the format, written from the description in block_codec.h one bit at a time, so
// that the SIMD code is checked against the documented bytes rather than against itself.

uint32_t MaxBits(const Block& v) { return std::bit_width(*std::max_element(v.begin(), v.end())); }

// Position of bit `bit` of lane `lane`'s stream: byte offset within the packed data and bit in it.
size_t PackedByte(int lane, size_t bit) { return 16 * (bit / 32) + 4 * lane + (bit % 32) / 8; }

Bytes ReferenceEncode(const Block& v, int w) {
  std::vector<std::pair<uint8_t, uint8_t>> exceptions;
  for (size_t i = 0; i < kBlockSize; ++i) {
    const uint64_t high = uint64_t{v[i]} >> w;
    if (high != 0) exceptions.emplace_back(static_cast<uint8_t>(i), static_cast<uint8_t>(high));
  }
  const int e = static_cast<int>(exceptions.size());
  Bytes out(1 + 16 * w, 0);
  out[0] = w == 32 ? 0xFF : static_cast<uint8_t>(e << 5 | w);
  for (size_t i = 0; i < kBlockSize; ++i) {
    const int lane = static_cast<int>(i % 4);
    for (int b = 0; b < w; ++b) {
      const size_t bit = (i / 4) * w + b;
      if ((v[i] >> b) & 1) out[1 + PackedByte(lane, bit)] |= static_cast<uint8_t>(1 << (bit % 8));
    }
  }
  for (auto [index, high] : exceptions) {
    out.push_back(index);
    out.push_back(high);
  }
  return out;
}

// Decodes per the documented format; false where DecodeBlock must return 0.
bool ReferenceDecode(const Bytes& in, Block* out, size_t* size) {
  if (in.empty()) return false;
  const int w = in[0] == 0xFF ? 32 : in[0] & 31;
  const int e = in[0] == 0xFF ? 0 : in[0] >> 5;
  *size = 1 + 16 * w + 2 * e;
  if (*size > in.size()) return false;
  for (size_t i = 0; i < kBlockSize; ++i) {
    uint32_t x = 0;
    for (int b = 0; b < w; ++b) {
      const size_t bit = (i / 4) * w + b;
      x |= static_cast<uint32_t>((in[1 + PackedByte(static_cast<int>(i % 4), bit)] >> (bit % 8)) & 1) << b;
    }
    (*out)[i] = x;
  }
  for (int k = 0; k < e; ++k) {
    const uint8_t index = in[1 + 16 * w + 2 * k];
    const uint64_t high = uint64_t{in[2 + 16 * w + 2 * k]} << w;
    if (index >= kBlockSize || high > UINT32_MAX) return false;
    (*out)[index] |= static_cast<uint32_t>(high);
  }
  return true;
}

// The smallest PFOR encoding by exhaustive search over every width.
int OptimalWidth(const Block& v) {
  int best = -1;
  size_t best_size = SIZE_MAX;
  for (int w = 0; w <= 32; ++w) {
    int e = 0;
    bool fits = true;
    for (uint32_t x : v) {
      const uint64_t high = uint64_t{x} >> w;
      e += high != 0;
      fits = fits && high < 256;
    }
    if (!fits || e > 7 || (w == 31 && e == 7)) continue;
    const size_t size = 1 + 16 * w + 2 * e;
    if (size < best_size) best = w, best_size = size;
  }
  return best;
}

// Plain horizontal bit packing at the maximal width (value i at bits [i*w, i*w + w)), the baseline
// PFOR must not lose to by more than its token byte.
Bytes HorizontalPack(const Block& v) {
  const uint32_t w = MaxBits(v);
  Bytes out((kBlockSize * w + 7) / 8, 0);
  for (size_t i = 0; i < kBlockSize; ++i) {
    for (uint32_t b = 0; b < w; ++b) {
      if ((v[i] >> b) & 1) out[(i * w + b) / 8] |= static_cast<uint8_t>(1 << ((i * w + b) % 8));
    }
  }
  return out;
}

// Encodes into a buffer with guard bytes and checks that nothing past the block was written.
Bytes Encode(const Block& v) {
  Bytes buf(kMaxEncodedBlockBytes + 32, 0xA5);
  const size_t size = EncodeBlock(v.data(), buf.data());
  EXPECT_GE(size, 1u);
  EXPECT_LE(size, kMaxBlockBytesWritten);
  EXPECT_TRUE(std::all_of(buf.begin() + size, buf.end(), [](uint8_t b) { return b == 0xA5; }))
      << "EncodeBlock wrote past the " << size << " bytes it reported";
  buf.resize(size);
  return buf;
}

// Decodes from a heap copy of exactly `available` bytes so that AddressSanitizer catches any read past
// it, into a heap array of exactly kBlockSize values.
size_t DecodeExact(const uint8_t* data, size_t available, Block* out) {
  auto in = std::make_unique<uint8_t[]>(available);
  std::copy(data, data + available, in.get());
  auto values = std::make_unique<uint32_t[]>(kBlockSize);
  const size_t consumed = DecodeBlock(in.get(), available, values.get());
  std::copy(values.get(), values.get() + kBlockSize, out->begin());
  return consumed;
}

void ExpectRoundTrip(const Block& v) {
  const Bytes encoded = Encode(v);
  const size_t size = encoded.size();
  const int w = OptimalWidth(v);
  EXPECT_EQ(encoded, ReferenceEncode(v, w)) << "optimal width " << w;
  EXPECT_EQ(EncodedBlockSize(encoded.data(), size), size);
  EXPECT_EQ(EncodedBlockSize(encoded.data(), size - 1), 0u);

  Block decoded{};
  EXPECT_EQ(DecodeExact(encoded.data(), size, &decoded), size);
  EXPECT_EQ(decoded, v);

  // Trailing bytes (the next block) are neither consumed nor a problem.
  Bytes padded = encoded;
  padded.insert(padded.end(), 40, 0xEE);
  decoded.fill(0);
  EXPECT_EQ(DecodeExact(padded.data(), padded.size(), &decoded), size);
  EXPECT_EQ(decoded, v);

  // Never larger than bit packing at the maximal width, plus the token.
  EXPECT_LE(size, HorizontalPack(v).size() + 1);
  EXPECT_LE(size, 1 + 16 * MaxBits(v));
}

// ---------------------------------------------------------------------------------------------------
// Value generators.

// Uniform values below 2^w, one of them with bit w-1 set so the maximum has exactly w bits.
Block WithWidth(int w, std::mt19937& rng) {
  Block v{};
  if (w == 0) return v;
  const uint32_t mask = w == 32 ? UINT32_MAX : (uint32_t{1} << w) - 1;
  for (auto& x : v) x = rng() & mask;
  v[rng() % kBlockSize] |= uint32_t{1} << (w - 1);
  return v;
}

// Gaps between documents containing a term that occurs in a fraction p of documents, minus one.
Block GeometricGaps(double p, std::mt19937& rng) {
  std::geometric_distribution<uint32_t> gap(p);
  Block v{};
  for (auto& x : v) x = gap(rng);
  return v;
}

// Heavy-tailed (Zipf-like) values: log-uniform up to 2^max_log2.
Block LogUniform(double max_log2, std::mt19937& rng) {
  std::uniform_real_distribution<double> e(0, max_log2);
  Block v{};
  for (auto& x : v) x = static_cast<uint32_t>(std::min(std::exp2(e(rng)) - 1, double{UINT32_MAX}));
  return v;
}

// Runs of equal values, as term frequencies or positions in repetitive text produce.
Block Runs(std::mt19937& rng) {
  Block v{};
  uint32_t value = 0;
  for (size_t i = 0; i < kBlockSize; ++i) {
    if (rng() % 16 == 0) value = rng() % 1000;
    v[i] = value;
  }
  return v;
}

// Sets `count` distinct random positions to values of `bits` bits.
void AddOutliers(Block& v, int count, int bits, std::mt19937& rng) {
  std::vector<size_t> idx(kBlockSize);
  for (size_t i = 0; i < kBlockSize; ++i) idx[i] = i;
  std::shuffle(idx.begin(), idx.end(), rng);
  const uint32_t top = uint32_t{1} << (bits - 1);
  for (int k = 0; k < count; ++k) v[idx[k]] = top | (rng() & (top - 1));
}

// ---------------------------------------------------------------------------------------------------

TEST(BlockCodecTest, GoldenBytesAlternatingBits) {
  // Even indices are lanes 0 and 2, odd ones lanes 1 and 3: each lane's single word is all zeros or
  // all ones.
  Block v{};
  for (size_t i = 0; i < kBlockSize; ++i) v[i] = i % 2;
  const Bytes expected = {0x01, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(Encode(v), expected);
}

TEST(BlockCodecTest, GoldenBytesVerticalLayout) {
  // Width 8, value i = 128 + i: word k of lane l holds rows 4k..4k+3 of that lane, i.e. values
  // 16k + 4j + l for byte j, so each 16 bytes of packed data are a 4x4 transpose of the values.
  Block v{};
  for (size_t i = 0; i < kBlockSize; ++i) v[i] = static_cast<uint32_t>(128 + i);
  Bytes expected(1 + 128);
  expected[0] = 8;
  for (int k = 0; k < 8; ++k) {
    for (int l = 0; l < 4; ++l) {
      for (int j = 0; j < 4; ++j)
        expected[1 + 16 * k + 4 * l + j] = static_cast<uint8_t>(128 + 16 * k + 4 * j + l);
    }
  }
  EXPECT_EQ(Encode(v), expected);
}

TEST(BlockCodecTest, GoldenBytesException) {
  // One outlier of 300 among zeros: 9 bits plainly (145 bytes) but width 1 with one exception
  // (300 = 150 << 1 | 0) takes 19.
  Block v{};
  v[5] = 300;
  Bytes expected(19, 0);
  expected[0] = 1 << 5 | 1;
  expected[17] = 5;
  expected[18] = 150;
  EXPECT_EQ(Encode(v), expected);
  ExpectRoundTrip(v);
}

TEST(BlockCodecTest, AllZeroIsOneByte) {
  Block v{};
  EXPECT_EQ(Encode(v), Bytes{0x00});
  ExpectRoundTrip(v);
}

TEST(BlockCodecTest, AllOnesUsesWidth32Token) {
  Block v;
  v.fill(UINT32_MAX);
  const Bytes encoded = Encode(v);
  ASSERT_EQ(encoded.size(), 513u);
  EXPECT_EQ(encoded[0], 0xFF);
  ExpectRoundTrip(v);
}

TEST(BlockCodecTest, NeverWritesWidth31WithSevenExceptions) {
  // Seven values of 32 bits over a block of 31-bit values: the token that pair would need means
  // width 32, so the encoder must pick width 32 (no narrower width has <= 7 exceptions).
  std::mt19937 rng(31);
  Block v = WithWidth(31, rng);
  AddOutliers(v, 7, 32, rng);
  Bytes encoded = Encode(v);
  EXPECT_EQ(encoded.size(), 513u);
  ExpectRoundTrip(v);

  // With the others below 2^30 (and half of them >= 2^29), width 30 with seven exceptions is both
  // possible and smallest.
  v = WithWidth(30, rng);
  AddOutliers(v, 7, 32, rng);
  encoded = Encode(v);
  EXPECT_EQ(encoded.size(), 1u + 16 * 30 + 14);
  EXPECT_EQ(encoded[0], 7 << 5 | 30);
  ExpectRoundTrip(v);
}

class EveryWidthTest : public ::testing::TestWithParam<int> {};

TEST_P(EveryWidthTest, RoundTrips) {
  const int w = GetParam();
  std::mt19937 rng(1000 + w);
  for (int trial = 0; trial < 20; ++trial) {
    const Block v = WithWidth(w, rng);
    ASSERT_EQ(MaxBits(v), static_cast<uint32_t>(w));
    ExpectRoundTrip(v);
    // Uniform values rarely leave room for exceptions: the block is plain bit packing.
    if (w > 0) {
      EXPECT_LE(Encode(v).size(), 1u + 16 * w);
    }
  }
}

TEST_P(EveryWidthTest, RoundTripsWithOutliers) {
  const int w = GetParam();
  std::mt19937 rng(2000 + w);
  // 0..7 outliers take exceptions; 8 and 9 force a wider block. Outliers up to 8 bits wider fit an
  // exception, wider ones do not.
  for (int outliers = 0; outliers <= 9; ++outliers) {
    for (int extra = 1; extra <= 12 && w + extra <= 32; ++extra) {
      SCOPED_TRACE(testing::Message() << "outliers " << outliers << " of " << w + extra << " bits");
      Block v = WithWidth(w, rng);
      AddOutliers(v, outliers, w + extra, rng);
      ExpectRoundTrip(v);
      // (Except 31 + 7 exceptions of 32 bits, which the token cannot express.)
      if (outliers > 0 && outliers <= 7 && extra <= 8 && !(w == 31 && outliers == 7)) {
        EXPECT_LT(Encode(v).size(), 1u + 16 * (w + extra)) << "should have used exceptions";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Widths, EveryWidthTest, ::testing::Range(0, 33));

TEST(BlockCodecTest, RoundTripsDistributions) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    SCOPED_TRACE(trial);
    Block v;
    for (auto& x : v) x = rng();
    ExpectRoundTrip(v);
    for (double p : {0.9, 0.5, 0.1, 0.01, 0.001, 1e-5}) ExpectRoundTrip(GeometricGaps(p, rng));
    for (double m : {4.0, 10.0, 20.0, 32.0}) ExpectRoundTrip(LogUniform(m, rng));
    ExpectRoundTrip(Runs(rng));
    Block g = GeometricGaps(0.05, rng);
    AddOutliers(g, static_cast<int>(rng() % 8), 8 + static_cast<int>(rng() % 25), rng);
    ExpectRoundTrip(g);
  }
  Block v;
  v.fill(UINT32_MAX);
  ExpectRoundTrip(v);
  v.fill(0);
  ExpectRoundTrip(v);
  v.fill(12345);
  ExpectRoundTrip(v);
}

TEST(BlockCodecTest, BlocksConcatenate) {
  std::mt19937 rng(11);
  std::vector<Block> blocks;
  Bytes stream;
  for (int i = 0; i < 300; ++i) {
    blocks.push_back(i % 3 == 0 ? WithWidth(static_cast<int>(rng() % 33), rng) : GeometricGaps(0.02, rng));
    const size_t old = stream.size();
    stream.resize(old + kMaxEncodedBlockBytes);
    stream.resize(old + EncodeBlock(blocks.back().data(), stream.data() + old));
  }
  size_t pos = 0;
  for (const Block& expected : blocks) {
    const size_t skip = EncodedBlockSize(stream.data() + pos, stream.size() - pos);
    Block decoded;
    ASSERT_EQ(DecodeBlock(stream.data() + pos, stream.size() - pos, decoded.data()), skip);
    ASSERT_EQ(decoded, expected);
    pos += skip;
  }
  EXPECT_EQ(pos, stream.size());
}

TEST(BlockCodecTest, EveryTruncationIsRejected) {
  std::mt19937 rng(3);
  std::vector<Block> samples;
  for (int w = 0; w <= 32; ++w) samples.push_back(WithWidth(w, rng));
  for (int e = 1; e <= 7; ++e) {
    Block v = WithWidth(10, rng);
    AddOutliers(v, e, 16, rng);
    samples.push_back(v);
  }
  for (const Block& v : samples) {
    const Bytes encoded = Encode(v);
    for (size_t available = 0; available < encoded.size(); ++available) {
      Block out;
      ASSERT_EQ(DecodeExact(encoded.data(), available, &out), 0u) << available << " of " << encoded.size();
      auto in = std::make_unique<uint8_t[]>(available);
      std::copy(encoded.data(), encoded.data() + available, in.get());
      ASSERT_EQ(EncodedBlockSize(in.get(), available), 0u);
    }
  }
}

TEST(BlockCodecTest, RejectsBadExceptions) {
  Block v{};
  v[5] = 300;
  Bytes encoded = Encode(v);  // width 1, exception (5, 150) in the last two bytes
  Block out;
  for (uint8_t index : {128, 200, 255}) {
    Bytes bad = encoded;
    bad[17] = index;
    EXPECT_EQ(DecodeExact(bad.data(), bad.size(), &out), 0u) << int{index};
  }
  // At width 25 an exception's high byte may hold 7 bits; an 8th would fall off bit 31.
  Bytes wide(1 + 16 * 25 + 2, 0);
  wide[0] = 1 << 5 | 25;
  wide[1 + 16 * 25] = 0;
  wide[2 + 16 * 25] = 0x7F;
  ASSERT_EQ(DecodeExact(wide.data(), wide.size(), &out), wide.size());
  EXPECT_EQ(out[0], 0x7Fu << 25);
  wide[2 + 16 * 25] = 0x80;
  EXPECT_EQ(DecodeExact(wide.data(), wide.size(), &out), 0u);
}

TEST(BlockCodecTest, FuzzedBytesNeverMisbehave) {
  // Random bytes, and mutated or truncated valid blocks. A decode either fails or consumes what the
  // token says and yields what the scalar model yields; AddressSanitizer checks the bounds.
  std::mt19937 rng(12345);
  int accepted = 0;
  for (int iter = 0; iter < 100000; ++iter) {
    Bytes in;
    if (iter % 2 == 0) {
      in.resize(rng() % 600);
      for (auto& b : in) b = static_cast<uint8_t>(rng());
      // Keep the exception indices valid now and then, or almost nothing with exceptions decodes.
      if (!in.empty() && iter % 4 == 0) {
        const int w = in[0] == 0xFF ? 32 : in[0] & 31;
        for (size_t k = 1 + 16 * w; k < in.size(); k += 2) in[k] &= 0x7F;
      }
    } else {
      Block v = GeometricGaps(0.01, rng);
      AddOutliers(v, static_cast<int>(rng() % 9), 1 + static_cast<int>(rng() % 32), rng);
      in = Encode(v);
      for (int flips = static_cast<int>(rng() % 4); flips > 0; --flips) {
        in[rng() % in.size()] ^= static_cast<uint8_t>(1 << (rng() % 8));
      }
      in.resize(rng() % 4 == 0 ? rng() % (in.size() + 1) : in.size() + rng() % 8);
    }
    Block out;
    const size_t consumed = DecodeExact(in.data(), in.size(), &out);
    const size_t skip = in.empty() ? 0 : EncodedBlockSize(in.data(), in.size());
    Block expected{};
    size_t expected_size = 0;
    const bool valid = ReferenceDecode(in, &expected, &expected_size);
    ASSERT_EQ(consumed, valid ? expected_size : 0) << "iteration " << iter;
    if (valid) {
      ++accepted;
      ASSERT_EQ(out, expected) << "iteration " << iter;
      ASSERT_EQ(skip, consumed);
    }
    ASSERT_LE(consumed, in.size());
  }
  EXPECT_GT(accepted, 10000);  // the fuzzing reaches the decoding, not only the checks
}

TEST(BlockCodecTest, EncodedBlockSizeOfEveryToken) {
  for (int t = 0; t < 256; ++t) {
    const uint8_t token = static_cast<uint8_t>(t);
    const size_t expected = t == 0xFF ? 513 : 1 + 16 * (t & 31) + 2 * (t >> 5);
    EXPECT_EQ(EncodedBlockSize(&token, kMaxEncodedBlockBytes), expected) << t;
    EXPECT_LE(expected, kMaxBlockBytesWritten);
  }
}

// ---------------------------------------------------------------------------------------------------

std::vector<uint32_t> ReferencePrefixSum(std::vector<uint32_t> v, uint32_t base) {
  for (auto& x : v) x = base = base + x + 1;
  return v;
}

TEST(PrefixSumTest, MatchesScalarForEveryLength) {
  std::mt19937 rng(5);
  for (size_t n = 0; n <= 300; ++n) {
    for (int trial = 0; trial < 4; ++trial) {
      std::vector<uint32_t> gaps(n);
      for (auto& g : gaps) g = trial == 3 ? rng() : rng() % 1000;  // trial 3 wraps around 2^32
      const uint32_t base = trial == 0 ? 0 : rng();
      const std::vector<uint32_t> expected = ReferencePrefixSum(gaps, base);
      // An exactly sized heap copy, offset by one value so that nothing assumes alignment.
      auto buf = std::make_unique<uint32_t[]>(n + 1);
      std::copy(gaps.begin(), gaps.end(), buf.get() + 1);
      const uint32_t last = PrefixSumPlusOne(buf.get() + 1, n, base);
      EXPECT_EQ(std::vector<uint32_t>(buf.get() + 1, buf.get() + 1 + n), expected) << "n = " << n;
      EXPECT_EQ(last, n == 0 ? base : expected.back());
    }
  }
}

TEST(PrefixSumTest, ZeroGapsAreConsecutiveIds) {
  std::vector<uint32_t> v(kBlockSize, 0);
  EXPECT_EQ(PrefixSumPlusOne(v.data(), v.size(), 99), 99 + kBlockSize);
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], 100 + i);
}

TEST(PrefixSumTest, EmptyLeavesBase) { EXPECT_EQ(PrefixSumPlusOne(nullptr, 0, 42), 42u); }

}  // namespace
}  // namespace loupe::codec
