/// @file
/// What an index indexes: its text fields, each made of one or more input
/// fields and analysed by an analyzer (one analyzer per field), and its
/// scalar fields (keywords, dates, integers), kept in per-segment columns for
/// filtering, sorting and facet counts. The schema is stored in the index, so
/// every reader analyses and parses queries exactly as the writer indexed
/// documents. Every input field is stored and returned with hits unless its
/// scalar field says otherwise.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/analysis.h"

namespace loupe {

/// One indexed (searchable) field.
struct TextField {
  std::string name{};                ///< e.g. "title", or "contents"
  std::vector<std::string> sources{};  ///< input fields indexed into it, in order
  std::string analyzer_name{};       ///< e.g. "english"
  AnalyzerConfig analyzer{};         ///< the full configuration, as recorded
  float weight = 1.0f;               ///< default BM25 weight of the field in queries

  /// The analyzer documents and queries of this field go through.
  Analyzer MakeAnalyzer() const { return Analyzer(analyzer_name, analyzer); }
  bool operator==(const TextField&) const = default;
};

/// The type of a scalar (non-text) input field.
enum class ScalarType {
  kKeyword,  ///< exact strings, one or many per document (`"topics": ["earn", "acq"]`)
  kDate,     ///< an ISO 8601 date or time, kept as milliseconds since 1970 (UTC)
  kInteger,  ///< a signed 64-bit integer
  kStored,   ///< stored and returned only: no column, not searchable
};

/// "keyword", "date", "integer" or "stored".
const char* ScalarTypeName(ScalarType type);

/// An input field kept in a column (unless kStored), found by its own name.
struct ScalarField {
  std::string name{};  ///< the input field's name, e.g. "date"
  ScalarType type = ScalarType::kStored;
  bool stored = true;  ///< false: dropped from stored documents (the column keeps it)
  bool operator==(const ScalarField&) const = default;
};

/// The fields of an index. A plain value. Text fields are fixed when the
/// index is created (IndexWriterOptions::schema); scalar fields may be added
/// later, by a writer's options or by type inference.
struct Schema {
  std::vector<TextField> text_fields{};    ///< in the order queries list them
  std::vector<ScalarField> scalar_fields{};  ///< in the order they were declared or first seen
  /// A writer gives an input field that is neither a text field's source nor
  /// declared here a type from its first value: an ISO 8601 string with at
  /// least a day (2023-06-30) a date, a JSON integer an integer, an array of
  /// strings a keyword, anything else kStored. Later values must fit it.
  bool infer_scalar_fields = true;

  /// The default: "title" (weight 2) and "body" (weight 1), both analysed by
  /// `analyzer`.
  /// @throws InvalidArgumentError an unknown analyzer
  static Schema Default(std::string_view analyzer = "english");

  /// Adds a text field built from `sources` (e.g. contents = title, body: one
  /// "flat" field, as Anserini indexes), analysed by the built-in analyzer
  /// named `analyzer` (Analyzer::Named()). Returns *this, for chaining.
  /// @throws InvalidArgumentError the name is taken or invalid, a source is
  ///         named twice, or the analyzer unknown
  Schema& AddTextField(std::string name, std::vector<std::string> sources, std::string_view analyzer,
                       float weight = 1.0f);

  /// Declares a scalar field. Returns *this, for chaining.
  /// @throws InvalidArgumentError the name is taken or invalid
  Schema& AddScalarField(std::string name, ScalarType type, bool stored = true);

  /// The text field named `name`, or nullptr.
  const TextField* Find(std::string_view name) const;
  /// The scalar field named `name`, or nullptr.
  const ScalarField* FindScalar(std::string_view name) const;
  /// Whether `name` is a source of some text field.
  bool IsTextSource(std::string_view name) const;

  /// Reads a schema file (what `loupe index --schema` takes) over `base`:
  ///
  ///     {"fields": {"date": "date", "topics": "keyword",
  ///                 "year": {"type": "integer", "stored": false},
  ///                 "contents": {"type": "text", "sources": ["title", "body"],
  ///                              "analyzer": "english", "weight": 1}},
  ///      "infer": true}
  ///
  /// Text fields given here replace base's; scalar fields are added to or
  /// replace base's of the same name.
  /// @throws InvalidArgumentError malformed JSON or an invalid field, with the reason
  static Schema FromJson(std::string_view json, const Schema& base);
  /// Checks names and analyzers.
  /// @throws InvalidArgumentError what is wrong
  void Validate() const;

  bool operator==(const Schema&) const = default;
};

}  // namespace loupe
