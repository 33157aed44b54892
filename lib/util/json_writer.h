// A small streaming JSON writer: what Loupe's manifests, segment infos and the
// command's --json outputs are written with. Strings are escaped and
// ill-formed UTF-8 is replaced with U+FFFD, so the output is always valid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::util {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = false) : pretty_(pretty) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);  // non-finite values are written as null
  JsonWriter& Float(float value);    // as Double, in the shortest text that reads back as the float
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A value that is already JSON text.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  void Newline();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  bool pretty_;
};

// Appends `s` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace loupe::util
