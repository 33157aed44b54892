#include "codec/bit_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace loupe::codec {
namespace {

// Streams are read with 8 readable bytes past their end (Loupe's footer).
std::string Padded(std::string s) { return s + std::string(8, '\0'); }

TEST(BitStream, UnaryAndPlainBitsInSeparateStreamsRoundTrip) {
  std::mt19937_64 rng(20261128);
  std::string unary_bytes, low_bytes;
  BitWriter unary(&unary_bytes), low(&low_bytes);
  std::vector<std::pair<uint32_t, uint32_t>> values;  // (value, k)
  for (int i = 0; i < 100000; ++i) {
    const uint32_t k = static_cast<uint32_t>(rng() % 20);
    const uint32_t v = static_cast<uint32_t>(rng() % (i % 100 == 0 ? 1u << 22 : (8u << k)));  // some long unary runs
    values.emplace_back(v, k);
    unary.WriteUnary(v >> k);
    low.Write(v, k);
  }
  unary.Flush();
  low.Flush();
  const std::string u = Padded(unary_bytes), l = Padded(low_bytes);
  BitReader ru(reinterpret_cast<const uint8_t*>(u.data()), reinterpret_cast<const uint8_t*>(u.data()) + unary_bytes.size());
  BitReader rl(reinterpret_cast<const uint8_t*>(l.data()), reinterpret_cast<const uint8_t*>(l.data()) + low_bytes.size());
  for (const auto& [v, k] : values) {
    const uint64_t got = (uint64_t{ru.ReadUnary()} << k) | rl.Read(k);
    ASSERT_EQ(got, v);
  }
  EXPECT_FALSE(ru.error());
  EXPECT_FALSE(rl.error());
}

TEST(BitStream, SkipOnesLandsWhereDecodingWould) {
  std::mt19937_64 rng(7);
  std::string bytes;
  BitWriter w(&bytes);
  std::vector<uint32_t> runs;
  for (int i = 0; i < 20000; ++i) {
    runs.push_back(static_cast<uint32_t>(rng() % (i % 50 == 0 ? 300 : 4)));
    w.WriteUnary(runs.back());
  }
  w.Flush();
  const std::string padded = Padded(bytes);
  const auto* begin = reinterpret_cast<const uint8_t*>(padded.data());
  for (int trial = 0; trial < 200; ++trial) {
    const size_t from = rng() % runs.size();
    const size_t count = rng() % std::min<size_t>(runs.size() - from, 500);
    BitReader decode(begin, begin + bytes.size()), skip(begin, begin + bytes.size());
    for (size_t i = 0; i < from; ++i) decode.ReadUnary();
    skip.set_bit_position(decode.bit_position());
    for (size_t i = 0; i < count; ++i) decode.ReadUnary();
    skip.SkipOnes(count);
    ASSERT_EQ(skip.bit_position(), decode.bit_position()) << from << " + " << count;
  }
}

// Broadword select against the bit-by-bit definition: sparse, dense and
// random words, every rank.
TEST(BitStream, SelectOneFindsTheRankthOneBit) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 20000; ++trial) {
    uint64_t x = rng();
    if (trial % 3 == 1) x &= rng() & rng();  // sparse
    if (trial % 3 == 2) x |= rng() | rng();  // dense
    if (trial == 0) x = ~uint64_t{0};
    if (x == 0) continue;
    uint64_t rank = 0;
    for (uint64_t bit = 0; bit < 64; ++bit) {
      if (!(x >> bit & 1)) continue;
      ++rank;
      ASSERT_EQ(BitReader::SelectOne(x, rank), bit) << std::hex << x << " rank " << std::dec << rank;
    }
  }
}

TEST(BitStream, ReadingPastTheEndIsReportedNotCrashed) {
  std::string bytes(4, '\0');  // 32 zero bits: an unterminated unary code
  const std::string padded = Padded(bytes);
  BitReader r(reinterpret_cast<const uint8_t*>(padded.data()), reinterpret_cast<const uint8_t*>(padded.data()) + 4);
  r.ReadUnary();
  EXPECT_TRUE(r.error());
  BitReader s(reinterpret_cast<const uint8_t*>(padded.data()), reinterpret_cast<const uint8_t*>(padded.data()) + 4);
  s.SkipOnes(1000);
  EXPECT_TRUE(s.error());
}

// The bulk reads return what the one-at-a-time reads do and end at the same
// bit, for unary codes from 0 to well past a 56-bit window and every width.
TEST(BitStream, BulkReadsMatchSingleReads) {
  std::mt19937 rng(11);
  for (uint32_t bits = 0; bits <= 32; ++bits) {
    const uint32_t n = 1 + rng() % 300;
    std::vector<uint32_t> unaries(n), values(n);
    std::string unary_out, value_out;
    BitWriter unary_writer(&unary_out), value_writer(&value_out);
    for (uint32_t i = 0; i < n; ++i) {
      unaries[i] = rng() % 8 == 0 ? rng() % 200 : rng() % 3;
      values[i] = bits == 0 ? 0 : static_cast<uint32_t>(rng() & ((uint64_t{1} << bits) - 1));
      unary_writer.WriteUnary(unaries[i]);
      value_writer.Write(values[i], bits);
    }
    unary_writer.Write(1, 1);  // a marker after the codes
    unary_writer.Flush();
    value_writer.Flush();
    const std::string u = Padded(unary_out), v = Padded(value_out);
    const auto* ub = reinterpret_cast<const uint8_t*>(u.data());
    const auto* vb = reinterpret_cast<const uint8_t*>(v.data());
    BitReader unary(ub, ub + unary_out.size()), plain(vb, vb + value_out.size());
    std::vector<uint32_t> got_unaries(n), got_values(n);
    unary.ReadUnaries(n, got_unaries.data());
    plain.ReadMany(n, bits, got_values.data());
    EXPECT_EQ(got_unaries, unaries) << bits;
    EXPECT_EQ(got_values, values) << bits;
    EXPECT_EQ(unary.Read(1), 1u);
    EXPECT_FALSE(unary.error());
    EXPECT_EQ(plain.bit_position(), uint64_t{n} * bits);
  }
}

TEST(BitStream, BulkUnaryReadPastTheEndIsReported) {
  std::string bytes(4, '\0');
  const std::string padded = Padded(bytes);
  const auto* b = reinterpret_cast<const uint8_t*>(padded.data());
  BitReader r(b, b + 4);
  std::vector<uint32_t> out(5, 7);
  r.ReadUnaries(5, out.data());
  EXPECT_TRUE(r.error());
}

}  // namespace
}  // namespace loupe::codec
