// ISO 8601 dates and times as milliseconds since 1970-01-01T00:00:00Z, the
// form date columns hold. A text names a period as long as its precision (a
// year, a month, a day, a second, a millisecond), which is what a range bound
// like `date:[2023-01-01 TO 2023-06-30]` means: from the first millisecond of
// the lower bound's period to the last of the upper one's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loupe::util {

enum class DatePrecision { kYear, kMonth, kDay, kMinute, kSecond, kMillisecond };

struct DatePeriod {
  int64_t first_ms = 0;  // the period's first millisecond (UTC)
  int64_t last_ms = 0;   // its last millisecond
  DatePrecision precision = DatePrecision::kDay;
};

// Accepts YYYY, YYYY-MM, YYYY-MM-DD, then optionally 'T' (or a space) and
// hh:mm[:ss[.fff...]], then optionally 'Z' or an offset ±hh[:mm]. Years
// 0000-9999, in UTC too (9999-12-31T23:00-05:00 is in year 10000, and
// dates are bucketed and printed in UTC). Returns nothing for anything else
// (including 2023-02-30).
std::optional<DatePeriod> ParseIsoDate(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

// The period of `precision` holding `ms`, written as ISO 8601 ("1987",
// "1987-03", "1987-03-01", ..., "1987-03-01T10:04:05.123Z").
std::string FormatDate(int64_t ms, DatePrecision precision);

}  // namespace loupe::util
