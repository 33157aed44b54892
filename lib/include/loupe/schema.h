/// @file
/// What an index indexes: its text fields, each made of one or more input
/// fields and analysed by an analyzer (one analyzer per field). The schema is
/// stored in the index, so every reader analyses queries exactly as the
/// writer analysed documents. All other input fields are stored and returned
/// with hits.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/analysis.h"

namespace loupe {

/// One indexed (searchable) field.
struct TextField {
  std::string name;                  ///< e.g. "title", or "contents"
  std::vector<std::string> sources;  ///< input fields indexed into it, in order
  std::string analyzer_name;         ///< e.g. "english"
  AnalyzerConfig analyzer;           ///< the full configuration, as recorded
  float weight = 1.0f;               ///< default BM25 weight of the field in queries

  /// The analyzer documents and queries of this field go through.
  Analyzer MakeAnalyzer() const { return Analyzer(analyzer_name, analyzer); }
  bool operator==(const TextField&) const = default;
};

/// The text fields of an index. A plain value; fixed when the index is
/// created (IndexWriterOptions::schema).
struct Schema {
  std::vector<TextField> text_fields;  ///< in the order queries list them

  /// The default: "title" (weight 2) and "body" (weight 1), both analysed by
  /// `analyzer`.
  /// @throws InvalidArgumentError an unknown analyzer
  static Schema Default(std::string_view analyzer = "english");

  /// Adds a text field built from `sources` (e.g. contents = title, body: one
  /// "flat" field, as Anserini indexes), analysed by the built-in analyzer
  /// named `analyzer` (Analyzer::Named()). Returns *this, for chaining.
  /// @throws InvalidArgumentError the name is taken or invalid, or the
  ///         analyzer unknown
  Schema& AddTextField(std::string name, std::vector<std::string> sources, std::string_view analyzer,
                       float weight = 1.0f);

  /// The text field named `name`, or nullptr.
  const TextField* Find(std::string_view name) const;
  /// Checks names and analyzers.
  /// @throws InvalidArgumentError what is wrong
  void Validate() const;

  bool operator==(const Schema&) const = default;
};

}  // namespace loupe
