// Loupe's error model.
//
// Every failure a caller can act on is reported by throwing a subclass of
// loupe::Error. The subclass says what kind of failure it is; what() says
// where and why, in words a user can read (a file name, a line, a column).
// Nothing in Loupe throws anything else on purpose, except std::bad_alloc
// when memory runs out. Hot loops (decoding, scoring) never throw: errors are
// detected when data is opened or read, before it reaches them.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace loupe {

enum class ErrorKind {
  kInvalidArgument,    // a caller passed something Loupe cannot use
  kIo,                 // the operating system refused a read, write, sync or rename
  kCorruption,         // a file's bytes are not what Loupe wrote (checksum, structure)
  kUnsupportedFormat,  // not a Loupe index, or one written by a newer format version
  kLocked,             // another writer holds the index
  kQuerySyntax,        // a query string does not parse
  kBadInput,           // a document to index is malformed
  kNotFound,           // a named thing (index, document, field) does not exist
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

class InvalidArgumentError : public Error {
 public:
  explicit InvalidArgumentError(const std::string& message)
      : Error(ErrorKind::kInvalidArgument, message) {}
};

class IoError : public Error {
 public:
  explicit IoError(const std::string& message) : Error(ErrorKind::kIo, message) {}
};

class CorruptionError : public Error {
 public:
  explicit CorruptionError(const std::string& message) : Error(ErrorKind::kCorruption, message) {}
};

class UnsupportedFormatError : public Error {
 public:
  explicit UnsupportedFormatError(const std::string& message)
      : Error(ErrorKind::kUnsupportedFormat, message) {}
};

class LockedError : public Error {
 public:
  explicit LockedError(const std::string& message) : Error(ErrorKind::kLocked, message) {}
};

class NotFoundError : public Error {
 public:
  explicit NotFoundError(const std::string& message) : Error(ErrorKind::kNotFound, message) {}
};

// A malformed document: what() is "SOURCE:LINE: reason".
class BadInputError : public Error {
 public:
  BadInputError(std::string source, uint64_t line, std::string reason)
      : Error(ErrorKind::kBadInput, source + ":" + std::to_string(line) + ": " + reason),
        source_(std::move(source)), line_(line), reason_(std::move(reason)) {}
  const std::string& source() const noexcept { return source_; }
  uint64_t line() const noexcept { return line_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string source_;
  uint64_t line_;
  std::string reason_;
};

// A query that does not parse. column() counts characters (code points) from 1.
class QuerySyntaxError : public Error {
 public:
  QuerySyntaxError(std::string query, uint32_t column, std::string reason)
      : Error(ErrorKind::kQuerySyntax,
              "query syntax error at column " + std::to_string(column) + ": " + reason),
        query_(std::move(query)), column_(column), reason_(std::move(reason)) {}
  const std::string& query() const noexcept { return query_; }
  uint32_t column() const noexcept { return column_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string query_;
  uint32_t column_;
  std::string reason_;
};

}  // namespace loupe
