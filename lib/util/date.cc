#include "util/date.h"

#include <cstdio>

namespace loupe::util {

namespace {

constexpr int64_t kMsPerMinute = 60'000;
constexpr int64_t kMsPerDay = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `p`.
bool Digits(std::string_view s, size_t& p, size_t n, int64_t* out) {
  if (p + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[p + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  p += n;
  *out = v;
  return true;
}

}  // namespace

// The civil-calendar conversions count 400-year eras of 146097 days, as in
// Howard Hinnant's "chrono-compatible low-level date algorithms".
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = FloorDiv(year, 400);
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  days += 719468;
  const int64_t era = FloorDiv(days, 146097);
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  *day = static_cast<unsigned>(day_of_year - (153 * mp + 2) / 5 + 1);
  *month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  *year = year_of_era + era * 400 + (*month <= 2);
}

std::optional<DatePeriod> ParseIsoDate(std::string_view s) {
  size_t p = 0;
  int64_t year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0;
  DatePeriod period;
  if (!Digits(s, p, 4, &year)) return std::nullopt;
  period.precision = DatePrecision::kYear;
  if (p < s.size() && s[p] == '-') {
    ++p;
    if (!Digits(s, p, 2, &month) || month < 1 || month > 12) return std::nullopt;
    period.precision = DatePrecision::kMonth;
    if (p < s.size() && s[p] == '-') {
      ++p;
      if (!Digits(s, p, 2, &day) || day < 1 || day > DaysInMonth(year, static_cast<unsigned>(month))) {
        return std::nullopt;
      }
      period.precision = DatePrecision::kDay;
    }
  }
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ') && period.precision == DatePrecision::kDay) {
    ++p;
    if (!Digits(s, p, 2, &hour) || hour > 23 || p >= s.size() || s[p++] != ':' || !Digits(s, p, 2, &minute) ||
        minute > 59) {
      return std::nullopt;
    }
    period.precision = DatePrecision::kMinute;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!Digits(s, p, 2, &second) || second > 59) return std::nullopt;
      period.precision = DatePrecision::kSecond;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        size_t digits = 0;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
          if (digits < 3) ms = ms * 10 + (s[p] - '0');
          ++digits;
          ++p;
        }
        if (digits == 0) return std::nullopt;
        for (size_t i = digits; i < 3; ++i) ms *= 10;
        period.precision = DatePrecision::kMillisecond;
      }
    }
  }
  int64_t offset_minutes = 0;
  if (p < s.size() && period.precision >= DatePrecision::kMinute) {
    if (s[p] == 'Z') {
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      const int64_t sign = s[p++] == '-' ? -1 : 1;
      int64_t oh = 0, om = 0;
      if (!Digits(s, p, 2, &oh) || oh > 23) return std::nullopt;
      // ±hh, ±hhmm or ±hh:mm (a colon needs its minutes).
      if (p < s.size() && s[p] == ':') {
        ++p;
        if (!Digits(s, p, 2, &om)) return std::nullopt;
      } else if (p < s.size() && !Digits(s, p, 2, &om)) {
        return std::nullopt;
      }
      if (om > 59) return std::nullopt;
      offset_minutes = sign * (oh * 60 + om);
    }
  }
  if (p != s.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  period.first_ms = days * kMsPerDay + ((hour * 60 + minute) * 60 + second) * 1000 + ms - offset_minutes * kMsPerMinute;
  int64_t length = 1;
  switch (period.precision) {
    case DatePrecision::kYear: length = (IsLeap(year) ? 366 : 365) * kMsPerDay; break;
    case DatePrecision::kMonth: length = DaysInMonth(year, static_cast<unsigned>(month)) * kMsPerDay; break;
    case DatePrecision::kDay: length = kMsPerDay; break;
    case DatePrecision::kMinute: length = kMsPerMinute; break;
    case DatePrecision::kSecond: length = 1000; break;
    case DatePrecision::kMillisecond: length = 1; break;
  }
  period.last_ms = period.first_ms + length - 1;
  if (period.first_ms < DaysFromCivil(0, 1, 1) * kMsPerDay || period.last_ms >= DaysFromCivil(10000, 1, 1) * kMsPerDay) {
    return std::nullopt;  // an offset took it out of years 0000-9999 in UTC
  }
  return period;
}

std::string FormatDate(int64_t ms, DatePrecision precision) {
  const int64_t days = FloorDiv(ms, kMsPerDay);
  const int64_t in_day = ms - days * kMsPerDay;
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  char buf[64];
  const auto y = static_cast<long long>(year);
  const auto h = static_cast<int>(in_day / 3'600'000), mi = static_cast<int>(in_day / 60'000 % 60),
             se = static_cast<int>(in_day / 1000 % 60), mil = static_cast<int>(in_day % 1000);
  switch (precision) {
    case DatePrecision::kYear: std::snprintf(buf, sizeof buf, "%04lld", y); break;
    case DatePrecision::kMonth: std::snprintf(buf, sizeof buf, "%04lld-%02u", y, month); break;
    case DatePrecision::kDay: std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", y, month, day); break;
    case DatePrecision::kMinute:
      std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02dZ", y, month, day, h, mi);
      break;
    case DatePrecision::kSecond:
      std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", y, month, day, h, mi, se);
      break;
    case DatePrecision::kMillisecond:
      std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", y, month, day, h, mi, se, mil);
      break;
  }
  return buf;
}

}  // namespace loupe::util
