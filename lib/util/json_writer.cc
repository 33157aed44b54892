#include "util/json_writer.h"

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include "util/utf8.h"

namespace loupe::util {

void AppendJsonString(std::string& out, std::string_view s) {
  const std::string clean = FindInvalidUtf8(s) == std::string_view::npos ? std::string() : SanitizeUtf8(s);
  const std::string_view text = clean.empty() ? s : std::string_view(clean);
  out.push_back('"');
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C1 controls and the bidirectional formatting characters are escaped
    // too (losslessly): JSON printed to a terminal must not drive it.
    if (c >= 0x80) {
      const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + i;
      const DecodedChar d = DecodeUtf8(p, p + (text.size() - i));
      if (IsTerminalControl(d.code_point)) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(d.code_point));
        out += buf;
      } else {
        out.append(text.substr(i, d.length));
      }
      i += d.length - 1;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void JsonWriter::Newline() {
  if (!pretty_) return;
  out_.push_back('\n');
  out_.append(2 * first_.size(), ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (first_.empty()) return;
  if (!first_.back()) out_.push_back(',');
  first_.back() = false;
  Newline();
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) Newline();
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) Newline();
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(out_, key);
  out_ += pretty_ ? ": " : ":";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  out_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  out_ += std::to_string(value);
  return *this;
}

namespace {

// The shortest "%g" text that reads back as exactly `value` (through
// `read`), from `precision` digits up to `max_precision`; a whole number
// keeps a ".0", so that a float reads back as a float (and -0.0 keeps its
// sign) in any JSON parser.
template <typename T, typename Read>
void AppendShortest(std::string& out, T value, int precision, int max_precision, Read read) {
  char buf[40];
  for (; precision <= max_precision; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(value));
    if (read(buf) == value) break;
  }
  out += buf;
  if (std::strpbrk(buf, ".e") == nullptr) out += ".0";
}

}  // namespace

JsonWriter& JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_ += "null";
    return *this;
  }
  AppendShortest(out_, value, 6, 17, [](const char* s) { return std::strtod(s, nullptr); });
  return *this;
}

JsonWriter& JsonWriter::Float(float value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_ += "null";
    return *this;
  }
  AppendShortest(out_, value, 6, 9, [](const char* s) { return std::strtof(s, nullptr); });
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_ += json;
  return *this;
}

}  // namespace loupe::util
