#include "codec/varint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace loupe::codec {
namespace {

using Bytes = std::vector<uint8_t>;

const uint64_t kEdgeValues[] = {0,
                                1,
                                127,
                                128,
                                (1u << 14) - 1,
                                1u << 14,
                                (1u << 21) - 1,
                                1u << 21,
                                (1u << 28) - 1,
                                1u << 28,
                                uint64_t{UINT32_MAX},
                                uint64_t{1} << 32,
                                (uint64_t{1} << 35) - 1,
                                uint64_t{1} << 35,
                                (uint64_t{1} << 63) - 1,
                                uint64_t{1} << 63,
                                UINT64_MAX};

// Decoders get an exactly sized heap copy, so AddressSanitizer catches a read past `end`.
struct Input {
  explicit Input(const Bytes& b) : data(std::make_unique<uint8_t[]>(b.size())), size(b.size()) {
    std::copy(b.begin(), b.end(), data.get());
  }
  const uint8_t* begin() const { return data.get(); }
  const uint8_t* end() const { return data.get() + size; }
  std::unique_ptr<uint8_t[]> data;
  size_t size;
};

Bytes Encode64(uint64_t v) {
  Bytes out(kMaxVarint64Bytes + 4, 0xA5);
  out.resize(static_cast<size_t>(PutVarint64(out.data(), v) - out.data()));
  return out;
}

TEST(VarintTest, KnownEncodings) {
  EXPECT_EQ(Encode64(0), Bytes{0x00});
  EXPECT_EQ(Encode64(127), Bytes{0x7F});
  EXPECT_EQ(Encode64(128), (Bytes{0x80, 0x01}));
  EXPECT_EQ(Encode64(300), (Bytes{0xAC, 0x02}));
  EXPECT_EQ(Encode64(UINT32_MAX), (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(Encode64(UINT64_MAX), (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

TEST(VarintTest, RoundTripsEdgeValues64) {
  for (uint64_t v : kEdgeValues) {
    SCOPED_TRACE(v);
    Bytes buf(kMaxVarint64Bytes + 1, 0xA5);
    uint8_t* end = PutVarint64(buf.data(), v);
    const size_t n = static_cast<size_t>(end - buf.data());
    EXPECT_EQ(n, VarintLength(v));
    EXPECT_LE(n, kMaxVarint64Bytes);
    EXPECT_EQ(buf[n], 0xA5);

    std::string appended = "x";
    AppendVarint64(appended, v);
    EXPECT_EQ(appended.substr(1), std::string(buf.begin(), buf.begin() + n));

    buf.resize(n);
    const Input in(buf);
    const uint8_t* p = in.begin();
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(p, in.end(), &got));
    EXPECT_EQ(got, v);
    EXPECT_EQ(p, in.end());
  }
}

TEST(VarintTest, RoundTripsEdgeValues32) {
  for (uint64_t v64 : kEdgeValues) {
    if (v64 > UINT32_MAX) continue;
    const auto v = static_cast<uint32_t>(v64);
    SCOPED_TRACE(v);
    Bytes buf(kMaxVarint32Bytes + 1, 0xA5);
    uint8_t* end = PutVarint32(buf.data(), v);
    const size_t n = static_cast<size_t>(end - buf.data());
    EXPECT_EQ(n, VarintLength(v));
    EXPECT_LE(n, kMaxVarint32Bytes);
    EXPECT_EQ(buf[n], 0xA5);
    buf.resize(n);
    EXPECT_EQ(buf, Encode64(v)) << "32- and 64-bit encodings agree";

    std::string appended;
    AppendVarint32(appended, v);
    EXPECT_EQ(appended, std::string(buf.begin(), buf.end()));

    const Input in(buf);
    const uint8_t* p = in.begin();
    uint32_t got = 0;
    ASSERT_TRUE(GetVarint32(p, in.end(), &got));
    EXPECT_EQ(got, v);
    EXPECT_EQ(p, in.end());
  }
}

TEST(VarintTest, VarintLengthBoundaries) {
  EXPECT_EQ(VarintLength(0), 1u);
  for (int bytes = 1; bytes < 10; ++bytes) {
    const uint64_t first_longer = uint64_t{1} << (7 * bytes);
    EXPECT_EQ(VarintLength(first_longer - 1), static_cast<size_t>(bytes));
    EXPECT_EQ(VarintLength(first_longer), static_cast<size_t>(bytes + 1));
  }
  EXPECT_EQ(VarintLength(UINT64_MAX), 10u);
}

TEST(VarintTest, DecodesASequence) {
  std::mt19937_64 rng(9);
  std::string buf;
  std::vector<uint64_t> values;
  for (int i = 0; i < 10000; ++i) {
    values.push_back(rng() >> (rng() % 64));
    AppendVarint64(buf, values.back());
  }
  const auto* p = reinterpret_cast<const uint8_t*>(buf.data());
  const auto* end = p + buf.size();
  for (uint64_t expected : values) {
    uint64_t v;
    ASSERT_TRUE(GetVarint64(p, end, &v));
    ASSERT_EQ(v, expected);
  }
  EXPECT_EQ(p, end);
  uint64_t v;
  EXPECT_FALSE(GetVarint64(p, end, &v));
}

TEST(VarintTest, TruncatedInputIsRejectedAndLeavesPointer) {
  for (uint64_t v : kEdgeValues) {
    const Bytes full = Encode64(v);
    for (size_t len = 0; len < full.size(); ++len) {
      const Input in(Bytes(full.begin(), full.begin() + len));
      const uint8_t* p = in.begin();
      uint64_t got64 = 77;
      EXPECT_FALSE(GetVarint64(p, in.end(), &got64)) << v << " cut to " << len;
      EXPECT_EQ(p, in.begin());
      EXPECT_EQ(got64, 77u);
      if (v <= UINT32_MAX) {
        uint32_t got32 = 77;
        EXPECT_FALSE(GetVarint32(p, in.end(), &got32));
        EXPECT_EQ(p, in.begin());
        EXPECT_EQ(got32, 77u);
      }
    }
  }
}

bool Decodes32(const Bytes& b, uint32_t* v = nullptr) {
  const Input in(b);
  const uint8_t* p = in.begin();
  uint32_t scratch;
  const bool ok = GetVarint32(p, in.end(), v ? v : &scratch);
  EXPECT_EQ(p, ok ? in.end() : in.begin());
  return ok;
}

bool Decodes64(const Bytes& b, uint64_t* v = nullptr) {
  const Input in(b);
  const uint8_t* p = in.begin();
  uint64_t scratch;
  const bool ok = GetVarint64(p, in.end(), v ? v : &scratch);
  EXPECT_EQ(p, ok ? in.end() : in.begin());
  return ok;
}

TEST(VarintTest, RejectsOverlong32) {
  // Six bytes (five continuations), even though the value would be 0.
  EXPECT_FALSE(Decodes32({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}));
  // A continuation bit on the 5th byte.
  EXPECT_FALSE(Decodes32({0xFF, 0xFF, 0xFF, 0xFF, 0x8F, 0x00}));
  // Non-minimal but within five bytes: accepted (see varint.h).
  uint32_t v = 1;
  EXPECT_TRUE(Decodes32({0x80, 0x80, 0x80, 0x80, 0x00}, &v));
  EXPECT_EQ(v, 0u);
}

TEST(VarintTest, Rejects32BitOverflow) {
  uint32_t v = 0;
  EXPECT_TRUE(Decodes32({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, &v));
  EXPECT_EQ(v, UINT32_MAX);
  for (uint8_t fifth = 0x10; fifth < 0x80; ++fifth) {
    EXPECT_FALSE(Decodes32({0xFF, 0xFF, 0xFF, 0xFF, fifth})) << int{fifth};
    EXPECT_FALSE(Decodes32({0x80, 0x80, 0x80, 0x80, fifth})) << int{fifth};
  }
  // 2^32 itself is a valid 64-bit varint.
  uint64_t v64 = 0;
  EXPECT_TRUE(Decodes64({0x80, 0x80, 0x80, 0x80, 0x10}, &v64));
  EXPECT_EQ(v64, uint64_t{1} << 32);
}

TEST(VarintTest, RejectsOverlongAndOverflowing64) {
  Bytes max(9, 0xFF);
  max.push_back(0x01);
  uint64_t v = 0;
  EXPECT_TRUE(Decodes64(max, &v));
  EXPECT_EQ(v, UINT64_MAX);
  for (int tenth = 0x02; tenth < 0x100; ++tenth) {
    max.back() = static_cast<uint8_t>(tenth);
    EXPECT_FALSE(Decodes64(max)) << tenth;
  }
  Bytes eleven(10, 0x80);
  eleven.push_back(0x00);
  EXPECT_FALSE(Decodes64(eleven));
}

TEST(VarintTest, EmptyInput) {
  const uint8_t byte = 0;
  const uint8_t* p = &byte;
  uint32_t v32;
  uint64_t v64;
  EXPECT_FALSE(GetVarint32(p, p, &v32));
  EXPECT_FALSE(GetVarint64(p, p, &v64));
  EXPECT_EQ(p, &byte);
}

// The textbook decoder, for comparison: accumulate 7-bit groups while the continuation bit is set,
// reject the input once more than `bits` bits or bytes would be needed.
bool ReferenceDecode(const Bytes& b, int bits, uint64_t* v, size_t* length) {
  uint64_t result = 0;
  for (size_t i = 0; i < b.size() && 7 * i < static_cast<size_t>(bits); ++i) {
    const uint64_t group = b[i] & 0x7F;
    if (7 * i + std::bit_width(group) > static_cast<size_t>(bits)) return false;
    result |= group << (7 * i);
    if (b[i] < 0x80) {
      *v = result;
      *length = i + 1;
      return true;
    }
  }
  return false;
}

TEST(VarintTest, RandomBytesMatchReference) {
  std::mt19937 rng(21);
  for (int iter = 0; iter < 50000; ++iter) {
    Bytes b(rng() % 13);
    for (auto& x : b) x = static_cast<uint8_t>(rng() % 4 == 0 ? rng() : 0x80 | rng());
    const Input in(b);
    uint64_t expected;
    size_t length;

    const uint8_t* p = in.begin();
    uint64_t v64;
    const bool ok64 = GetVarint64(p, in.end(), &v64);
    ASSERT_EQ(ok64, ReferenceDecode(b, 64, &expected, &length)) << iter;
    if (ok64) {
      ASSERT_EQ(v64, expected);
      ASSERT_EQ(static_cast<size_t>(p - in.begin()), length);
    }

    p = in.begin();
    uint32_t v32;
    const bool ok32 = GetVarint32(p, in.end(), &v32);
    ASSERT_EQ(ok32, ReferenceDecode(b, 32, &expected, &length)) << iter;
    if (ok32) {
      ASSERT_EQ(v32, expected);
      ASSERT_EQ(static_cast<size_t>(p - in.begin()), length);
    }
  }
}

}  // namespace
}  // namespace loupe::codec
