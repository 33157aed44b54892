// ISO 8601 parsing against the civil calendar, computed here independently
// (day by day from 1970), and the periods a date's precision names.
#include "util/date.h"

#include <gtest/gtest.h>

namespace loupe::util {
namespace {

TEST(Date, DaysMatchACalendarWalk) {
  // Walk day by day from 1900-01-01 to 2100-12-31.
  int64_t year = 1900;
  unsigned month = 1, day = 1;
  int64_t days = -25567;  // 1900-01-01
  const auto length = [](int64_t y, unsigned m) -> unsigned {
    if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
    return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
  };
  while (year <= 2100) {
    ASSERT_EQ(DaysFromCivil(year, month, day), days) << year << "-" << month << "-" << day;
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    ASSERT_EQ(y, year);
    ASSERT_EQ(m, month);
    ASSERT_EQ(d, day);
    ++days;
    if (++day > length(year, month)) {
      day = 1;
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
  }
}

TEST(Date, PeriodsFollowThePrecision) {
  const auto p = [](const char* s) { return ParseIsoDate(s).value(); };
  EXPECT_EQ(p("1970-01-01").first_ms, 0);
  EXPECT_EQ(p("1970-01-01").last_ms, 86'400'000 - 1);
  EXPECT_EQ(p("2023").first_ms, 1672531200000);
  EXPECT_EQ(p("2023").last_ms, 1704067199999);
  EXPECT_EQ(p("2024-02").last_ms - p("2024-02").first_ms + 1, 29 * int64_t{86'400'000});
  EXPECT_EQ(p("1987-02-26T15:01:01").first_ms, 541350061000);
  EXPECT_EQ(p("1987-02-26T15:01:01").last_ms, 541350061999);
  EXPECT_EQ(p("1987-02-26 15:01").last_ms - p("1987-02-26 15:01").first_ms, 59'999);
  EXPECT_EQ(p("1987-02-26T15:01:01.5Z").first_ms, 541350061500);
  EXPECT_EQ(p("1987-02-26T15:01:01.123456").first_ms, 541350061123);
  EXPECT_EQ(p("1987-02-26T16:01:01+01:00").first_ms, 541350061000);
  EXPECT_EQ(p("1987-02-26T14:31:01-0030").first_ms, 541350061000);
  EXPECT_EQ(p("1969-12-31T23:59:59Z").first_ms, -1000);
  EXPECT_EQ(p("2023-06-30").precision, DatePrecision::kDay);
  for (const char* bad : {"", "87-02-26", "1987-2-26", "1987-02-30", "1987-13-01", "1987-02-26T24:00",
                          "1987-02-26T15", "1987-02-26T15:01:60", "1987-02-26T15:01:01.", "1987-02-26Z",
                          "1987-02-26T15:01+25:00", "1987-02-26T15:01+07:", "1987-02-26T15:01+07:5", "1987-02-26T15:01:01 extra", "3-MAR-1987  09:15:05.40",
                          // In years 0000-9999 as written, not in UTC.
                          "9999-12-31T23:00:00-05:00", "0000-01-01T00:00:00+01:00"}) {
    EXPECT_FALSE(ParseIsoDate(bad).has_value()) << bad;
  }
  EXPECT_EQ(p("9999-12-31T23:59:59.999Z").last_ms, DaysFromCivil(10000, 1, 1) * 86400000 - 1);
  EXPECT_EQ(p("0000-01-01T01:00+01:00").first_ms, DaysFromCivil(0, 1, 1) * 86400000);
  EXPECT_EQ(p("9999").last_ms, DaysFromCivil(10000, 1, 1) * 86400000 - 1);
}

TEST(Date, FormatRoundTrips) {
  for (int64_t ms : {int64_t{0}, int64_t{541350061123}, int64_t{-1000}, int64_t{4102444799999}}) {
    EXPECT_EQ(ParseIsoDate(FormatDate(ms, DatePrecision::kMillisecond))->first_ms, ms);
  }
  EXPECT_EQ(FormatDate(541350061123, DatePrecision::kMonth), "1987-02");
  EXPECT_EQ(FormatDate(541350061123, DatePrecision::kYear), "1987");
  EXPECT_EQ(FormatDate(541350061123, DatePrecision::kDay), "1987-02-26");
  EXPECT_EQ(FormatDate(541350061123, DatePrecision::kSecond), "1987-02-26T15:01:01Z");
}

}  // namespace
}  // namespace loupe::util
