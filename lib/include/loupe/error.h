/// @file
/// Loupe's error model.
///
/// Every failure a caller can act on is reported by throwing a subclass of
/// loupe::Error. The subclass (or Error::kind()) says what kind of failure it
/// is; what() says where and why, in words a user can read (a file name, a
/// line, a column). Nothing in Loupe throws anything else on purpose, except
/// std::bad_alloc when memory runs out. Functions that look something up
/// return an empty std::optional (or false) for "not there" instead of
/// throwing. Hot loops (decoding, scoring) never throw: errors are detected
/// when data is opened or read, before it reaches them. docs/API.md has the
/// table of which call throws what.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace loupe {

/// What kind of failure an Error reports; one subclass per kind.
enum class ErrorKind {
  kInvalidArgument,    ///< a caller passed something Loupe cannot use (InvalidArgumentError)
  kIo,                 ///< the operating system refused a read, write, sync or rename (IoError)
  kCorruption,         ///< a file's bytes are not what Loupe wrote: checksum, structure (CorruptionError)
  kUnsupportedFormat,  ///< not a Loupe index, or a format version this library does not read (UnsupportedFormatError)
  kLocked,             ///< another writer holds the index (LockedError)
  kQuerySyntax,        ///< a query string does not parse (QuerySyntaxError)
  kBadInput,           ///< a document to index is malformed (BadInputError)
  kNotFound,           ///< no index, or no file, where one was expected (NotFoundError)
};

/// The base of every exception Loupe throws on purpose. Catch it to handle
/// all of them; catch a subclass to handle one kind.
class Error : public std::runtime_error {
 public:
  /// `message` becomes what().
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  /// The kind of failure, for code that prefers a switch to catch clauses.
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

/// A caller passed something Loupe cannot use: an unknown analyzer, an empty
/// document id, a schema that differs from the index's. Fix the call.
class InvalidArgumentError : public Error {
 public:
  /// @param message what was wrong, and with which value
  explicit InvalidArgumentError(const std::string& message)
      : Error(ErrorKind::kInvalidArgument, message) {}
};

/// The operating system refused a read, write, sync or rename (disk full,
/// permissions). A writer that got one must be reopened; the last commit is
/// intact.
class IoError : public Error {
 public:
  /// @param message the file, the operation and the system's reason
  explicit IoError(const std::string& message) : Error(ErrorKind::kIo, message) {}
};

/// The one IoError after which a commit HAS happened: its manifest was
/// renamed into place (readers open it) but syncing the directory then
/// failed, so whether it survives a power loss is unknown. The writer carries
/// on from that commit as after any other (it stays usable, and a merge that
/// got it has replaced its sources), and keeps the previous commit's files
/// until a later sync succeeds. Thrown by IndexWriter::Commit, ForceMerge and
/// WaitForMerges (for a background merge).
class UnsyncedCommitError : public IoError {
 public:
  /// @param message the directory, the system's reason, and the commit
  explicit UnsyncedCommitError(const std::string& message) : IoError(message) {}
};

/// A file's bytes are not what Loupe wrote (a checksum or structural check
/// failed). The index needs restoring or rebuilding; VerifyIndex() lists
/// every damaged file.
class CorruptionError : public Error {
 public:
  /// @param message the file and what is wrong with it
  explicit CorruptionError(const std::string& message) : Error(ErrorKind::kCorruption, message) {}
};

/// Not a Loupe index, or files in a format version this library does not
/// read (see SupportedFormatVersions()): rebuild the index, or use the
/// library version that wrote it.
class UnsupportedFormatError : public Error {
 public:
  /// @param message the file, its version and the versions this build reads
  explicit UnsupportedFormatError(const std::string& message)
      : Error(ErrorKind::kUnsupportedFormat, message) {}
};

/// Another IndexWriter, in this process or another, holds the index. Readers
/// are never locked out.
class LockedError : public Error {
 public:
  /// @param message the index and what holds it
  explicit LockedError(const std::string& message) : Error(ErrorKind::kLocked, message) {}
};

/// No index at a path (or a file of one vanished). A document that is not
/// there is an empty result (IndexReader::Find, IndexWriter::DeleteDocument),
/// an unknown field an InvalidArgumentError.
class NotFoundError : public Error {
 public:
  /// @param message what was looked for, and where
  explicit NotFoundError(const std::string& message) : Error(ErrorKind::kNotFound, message) {}
};

/// A malformed document: what() is "SOURCE:LINE: reason".
class BadInputError : public Error {
 public:
  /// @param source the input's name
  /// @param line the line, from 1
  /// @param reason what is wrong
  BadInputError(std::string source, uint64_t line, std::string reason)
      : Error(ErrorKind::kBadInput, source + ":" + std::to_string(line) + ": " + reason),
        source_(std::move(source)), line_(line), reason_(std::move(reason)) {}
  /// The input's name (a file name).
  const std::string& source() const noexcept { return source_; }
  /// The line of the input, from 1.
  uint64_t line() const noexcept { return line_; }
  /// What is wrong, without the location.
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string source_;
  uint64_t line_;
  std::string reason_;
};

/// A query string that does not parse (ParseQuery()).
class QuerySyntaxError : public Error {
 public:
  /// @param query the text
  /// @param column where, in characters from 1
  /// @param reason what is wrong
  QuerySyntaxError(std::string query, uint32_t column, std::string reason)
      : Error(ErrorKind::kQuerySyntax,
              "query syntax error at column " + std::to_string(column) + ": " + reason),
        query_(std::move(query)), column_(column), reason_(std::move(reason)) {}
  /// The query text as given.
  const std::string& query() const noexcept { return query_; }
  /// Where the problem is, in characters (code points) from 1.
  uint32_t column() const noexcept { return column_; }
  /// What is wrong, without the column.
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string query_;
  uint32_t column_;
  std::string reason_;
};

}  // namespace loupe
