// Readers that turn input files into Documents: JSON Lines (optionally zstd-
// or gzip-compressed) and folders of plain-text articles. The input contract
// is documented in corpus/README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "loupe/document.h"

namespace loupe::ingest {

class DocumentReader {
 public:
  virtual ~DocumentReader() = default;

  // Reads the next document. Returns false at the end of the input. Throws
  // BadInputError ("FILE:LINE: reason") for a malformed record; the reader has
  // then moved past that record, so the caller may skip it and call Next()
  // again. Throws IoError if the input cannot be read.
  virtual bool Next(Document* doc) = 0;

  // Where the last document came from (file name, line), for messages.
  virtual const std::string& source() const = 0;
  virtual uint64_t line() const = 0;

  // Progress: input bytes consumed so far and, when known, in total (for
  // compressed files these count compressed bytes).
  virtual uint64_t bytes_done() const = 0;
  virtual std::optional<uint64_t> bytes_total() const = 0;
  // Memory the reader holds (buffers, decompressor), for memory budgets.
  virtual size_t memory_bytes() const = 0;
};

// Opens a JSON Lines file (any name; "-" for standard input) or a folder of
// .txt files. Throws IoError if the path cannot be opened.
std::unique_ptr<DocumentReader> OpenDocuments(const std::string& path);

// Converts one JSON object (the text of one JSON Lines record) to a Document.
// Throws BadInputError(source, line, reason). Exposed for tests and fuzzing.
Document ParseJsonDocument(std::string_view json, const std::string& source, uint64_t line);

// Parses a plain-text article: the first line is the title, the rest the body.
Document ParseTextDocument(std::string id, std::string_view text, const std::string& source);

}  // namespace loupe::ingest
