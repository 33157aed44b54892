#include "util/utf8.h"

#include <gtest/gtest.h>

namespace loupe::util {
namespace {

struct DecodeCase {
  std::string bytes;
  char32_t code_point;
  uint32_t length;
  bool valid;
};

class DecodeTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeTest, DecodesOneCharacter) {
  const DecodeCase& c = GetParam();
  const auto* p = reinterpret_cast<const unsigned char*>(c.bytes.data());
  const DecodedChar d = DecodeUtf8(p, p + c.bytes.size());
  EXPECT_EQ(static_cast<uint32_t>(d.code_point), static_cast<uint32_t>(c.code_point));
  EXPECT_EQ(d.length, c.length);
  EXPECT_EQ(d.valid, c.valid);
}

INSTANTIATE_TEST_SUITE_P(
    Utf8, DecodeTest,
    ::testing::Values(
        DecodeCase{"A", U'A', 1, true}, DecodeCase{"\xC3\xA9", 0xE9, 2, true},
        DecodeCase{"\xE1\xBB\xA3", 0x1EE3, 3, true}, DecodeCase{"\xF0\x9F\x91\x8D", 0x1F44D, 4, true},
        // Maximal subparts: each ill-formed prefix is one replacement character.
        DecodeCase{"\xFF", kReplacementChar, 1, false},
        DecodeCase{"\x80", kReplacementChar, 1, false},
        DecodeCase{"\xC3", kReplacementChar, 1, false},        // truncated at the end
        DecodeCase{"\xC3(", kReplacementChar, 1, false},       // bad continuation
        DecodeCase{"\xE1\xBB", kReplacementChar, 2, false},    // truncated 3-byte
        DecodeCase{"\xE0\x80\x80", kReplacementChar, 1, false},  // overlong
        DecodeCase{"\xC0\xAF", kReplacementChar, 1, false},    // overlong '/'
        DecodeCase{"\xED\xA0\x80", kReplacementChar, 1, false},  // surrogate
        DecodeCase{"\xF4\x90\x80\x80", kReplacementChar, 1, false},  // above U+10FFFF
        DecodeCase{"\xF0\x9F\x91", kReplacementChar, 3, false}));

TEST(Utf8, FindsFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii text that is long enough"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("L\xC3\xBD Th\xC6\xB0\xE1\xBB\xA3ng"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("0123456789abcdef\xFFxyz"), 16u);
  EXPECT_EQ(FindInvalidUtf8(std::string_view("a\0b\xC3", 4)), 3u);
  EXPECT_EQ(FindInvalidUtf8(""), std::string_view::npos);
}

TEST(Utf8, SanitizeReplacesEachMaximalSubpart) {
  EXPECT_EQ(SanitizeUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(SanitizeUtf8("\xE1\xBB"), "\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("ok"), "ok");
}

// Data printed to a terminal cannot move the cursor or recolour it, and one
// line stays one line; the same-width form keeps a caret's column.
TEST(Utf8, PrintableTextShowsControlCharacters) {
  EXPECT_EQ(PrintableText("a\x1b[31mb"), "a\\x1b[31mb");
  EXPECT_EQ(PrintableText(std::string("x\0y", 3)), "x\\x00y");
  EXPECT_EQ(PrintableText("one\ntwo\tthree\r"), "one two three ");
  EXPECT_EQ(PrintableText("one\ntwo", true), "one\ntwo");
  EXPECT_EQ(PrintableText("del\x7f \xFF \xC3\xA9"), "del\\x7f \xEF\xBF\xBD \xC3\xA9");
  EXPECT_EQ(PrintableSameWidth("a\x1b\tb\xFF"), "a  b\xEF\xBF\xBD");
  // C1 controls (U+009B is an 8-bit CSI) and bidirectional overrides and
  // isolates too; other non-ASCII text stays as it is.
  EXPECT_EQ(PrintableText("x\xC2\x9B" "2J \xC2\x85 \xE2\x80\xAE" "evil \xE2\x81\xA6 \xC2\xA0\xE2\x80\x8B"),
            "x\\x9b2J \\x85 \\u202eevil \\u2066 \xC2\xA0\xE2\x80\x8B");
  EXPECT_EQ(PrintableSameWidth("a\xC2\x9B" "b\xE2\x80\xAE" "c\xC3\xA9"), "a b c\xC3\xA9");
  // For snippets, bidirectional controls go (a word stays one word).
  EXPECT_EQ(TerminalSafeText("a\x1b\xC2\x9B" "b foo\xE2\x80\xAE" "bar \xE2\x81\xA9\xC3\xA9"), "a  b foobar \xC3\xA9");
}

TEST(Utf8, AppendRoundTripsEveryScalarValue) {
  for (char32_t c = 0; c <= 0x10FFFF; c += (c < 0x800 ? 1 : 97)) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    std::string s;
    AppendUtf8(s, c);
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const DecodedChar d = DecodeUtf8(p, p + s.size());
    ASSERT_TRUE(d.valid) << std::hex << static_cast<uint32_t>(c);
    ASSERT_EQ(static_cast<uint32_t>(d.code_point), static_cast<uint32_t>(c));
    ASSERT_EQ(d.length, s.size());
  }
}

}  // namespace
}  // namespace loupe::util
