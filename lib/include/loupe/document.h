/// @file
/// A document as Loupe indexes and returns it: a unique id and named fields.
/// Documents are plain values: copy them, move them, build them by hand or
/// with DocumentFromJson().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace loupe {

/// A JSON value that is neither a scalar nor an array of strings (an object,
/// an array of numbers, ...), kept as its JSON text.
struct RawJson {
  std::string text{};  ///< the value's JSON text
  bool operator==(const RawJson&) const = default;
};

/// An array of strings, e.g. a list of topics.
using StringList = std::vector<std::string>;

/// The value of one field. Strings are UTF-8.
using FieldValue = std::variant<std::string, int64_t, double, bool, StringList, RawJson>;

/// One named field of a document.
struct Field {
  std::string name{};  ///< unique within the document; never "id"
  FieldValue value{};  ///< the value, stored as given
  bool operator==(const Field&) const = default;
};

/// A document: what IndexWriter::AddDocument() takes and what readers return.
/// The fields the schema indexes (by default "title" and "body") are analysed
/// when they hold a string or a string list; every field is stored and
/// returned with hits, whatever its value.
struct Document {
  std::string id{};           ///< the unique key; never empty, at most 4096 bytes
  std::vector<Field> fields{};  ///< in input order, names unique, "id" not among them

  /// The field named `name`, or nullptr.
  const FieldValue* Find(std::string_view name) const;
  /// The field's text if it is a string, else an empty view.
  std::string_view Text(std::string_view name) const;

  bool operator==(const Document&) const = default;
};

/// Converts one JSON object, e.g. a line of a JSON Lines file, to a Document,
/// by the rules `loupe index` applies (corpus/README.md): "id" (a string or a
/// number) is required, strings stay strings, arrays of strings become
/// StringList, other arrays and objects RawJson, null means absent.
/// @throws BadInputError the text is not a JSON object with a usable id; its
///         reason() says why
Document DocumentFromJson(std::string_view json);

}  // namespace loupe
