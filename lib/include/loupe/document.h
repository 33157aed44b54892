// A document as Loupe indexes and returns it: a unique id and named fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace loupe {

// A JSON value that is neither a scalar nor an array of strings (an object, an
// array of numbers, ...), kept as its JSON text.
struct RawJson {
  std::string text;
  bool operator==(const RawJson&) const = default;
};

using StringList = std::vector<std::string>;

// The value of one field. Strings are UTF-8.
using FieldValue = std::variant<std::string, int64_t, double, bool, StringList, RawJson>;

struct Field {
  std::string name;
  FieldValue value;
  bool operator==(const Field&) const = default;
};

struct Document {
  std::string id;             // the unique key; never empty
  std::vector<Field> fields;  // in input order, names unique, "id" not among them

  // The field named `name`, or nullptr.
  const FieldValue* Find(std::string_view name) const;
  // The field's text if it is a string, else an empty view.
  std::string_view Text(std::string_view name) const;

  bool operator==(const Document&) const = default;
};

}  // namespace loupe
