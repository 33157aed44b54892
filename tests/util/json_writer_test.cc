// The JSON writer's numbers read back as what was written: floats as floats
// (a whole number keeps ".0", -0.0 its sign), in the shortest exact text.
#include "util/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

namespace loupe::util {
namespace {

std::string DoubleText(double v) {
  JsonWriter w;
  w.Double(v);
  return w.str();
}

std::string FloatText(float v) {
  JsonWriter w;
  w.Float(v);
  return w.str();
}

TEST(JsonWriter, DoublesStayFloatsAndReadBackExactly) {
  EXPECT_EQ(DoubleText(1.0), "1.0");
  EXPECT_EQ(DoubleText(-0.0), "-0.0");
  EXPECT_EQ(DoubleText(0.0), "0.0");
  EXPECT_EQ(DoubleText(123456789.0), "123456789.0");
  EXPECT_EQ(DoubleText(0.1), "0.1");
  EXPECT_EQ(DoubleText(1e308), "1e+308");
  EXPECT_EQ(DoubleText(5e-324), "4.94066e-324");
  EXPECT_EQ(DoubleText(std::numeric_limits<double>::infinity()), "null");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, 8);
    if (!std::isfinite(v)) continue;
    const std::string t = DoubleText(v);
    EXPECT_EQ(std::strtod(t.c_str(), nullptr), v) << t;
    EXPECT_NE(t.find_first_of(".e"), std::string::npos) << t;
  }
}

TEST(JsonWriter, FloatsInTheirShortestText) {
  EXPECT_EQ(FloatText(0.9f), "0.9");
  EXPECT_EQ(FloatText(2.0f), "2.0");
  EXPECT_EQ(FloatText(6.542645454406738f), "6.5426455");
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const uint32_t bits = rng();
    float v;
    std::memcpy(&v, &bits, 4);
    if (!std::isfinite(v)) continue;
    const std::string t = FloatText(v);
    EXPECT_EQ(std::strtof(t.c_str(), nullptr), v) << t;
  }
}

// Strings: C0, C1 and the bidirectional controls escaped (a terminal shows
// JSON too), everything else as it is.
TEST(JsonWriter, StringsEscapeWhatWouldDriveATerminal) {
  JsonWriter w;
  w.String("a\x1b[2J \xC2\x9B" "2J \xE2\x80\xAE" "evil \xE2\x81\xA9 \xC2\xA0\xC3\xA9\xE2\x80\xA8 \"q\"");
  EXPECT_EQ(w.str(), "\"a\\u001b[2J \\u009b2J \\u202eevil \\u2069 \xC2\xA0\xC3\xA9\xE2\x80\xA8 \\\"q\\\"\"");
}

}  // namespace
}  // namespace loupe::util
