// Columns: per-segment storage of scalar fields (keywords, dates, integers),
// read by document number without touching stored documents, for filters,
// sorting and facet counts (Lucene's doc values, tantivy's fast fields).
//
// A numeric column holds one code per document: 0 for no value, else
// (value - min) / gcd + 1, bit-packed at the width the largest code needs
// (dates at day or second granularity share a large gcd). A keyword column
// holds the segment's distinct values, sorted (so a value's ordinal orders
// like the value), and per document a run of ordinals. See docs/FORMAT.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codec/packed_ints.h"
#include "loupe/document.h"
#include "loupe/schema.h"
#include "store/checked_file.h"

namespace loupe::index {

// One document's value of one scalar field, as the writer resolved it.
struct ColumnValue {
  std::string_view name;
  ScalarType type = ScalarType::kKeyword;    // kKeyword, kDate or kInteger
  int64_t number = 0;                        // kDate (ms since 1970) and kInteger
  std::vector<std::string_view> keywords;    // kKeyword
};

// Resolves the scalar fields of `doc` against `schema` into `out`: a field
// the schema does not know gets a type from its value first (when the schema
// infers; see Schema::infer_scalar_fields), added to `schema`. Throws
// InvalidArgumentError naming the field when a value does not fit its type
// (then `schema` is unchanged), or with `malformed` given, leaves the value
// out and describes it there. Sets *unstored when the document has a field
// that is not to be stored. With `unnamable`, lists the fields that would have
// been inferred but have a name no query can use (stored only).
void ResolveColumns(const Document& doc, Schema& schema, std::vector<ColumnValue>* out, bool* unstored,
                    std::vector<std::string>* malformed = nullptr, std::vector<std::string>* unnamable = nullptr);

// Whether a field of this name can become a column when inferred: a name the
// query language can write (no spaces, ':', quotes, backslashes or control
// characters, at most 256 bytes). Other fields are stored only.
bool InferableFieldName(const std::string& name);

// Columns of a segment being written; documents arrive in increasing order.
class ColumnsBuilder {
 public:
  void AddNumber(std::string_view name, ScalarType type, uint32_t doc, int64_t value);
  void AddKeyword(std::string_view name, uint32_t doc, std::string_view value);
  void Add(uint32_t doc, const std::vector<ColumnValue>& values);
  size_t memory_bytes() const { return memory_; }
  // The whole file body for `max_doc` documents.
  void Write(store::CheckedWriter* out, uint32_t max_doc) const;

 private:
  struct Column {
    ScalarType type;
    std::vector<int64_t> numbers;  // numeric: per document
    std::vector<bool> present;     // numeric: per document
    std::unordered_map<std::string, uint32_t> ids;  // keyword: value -> id (first-seen order)
    std::vector<const std::string*> values;         // keyword: id -> value
    std::vector<uint32_t> doc_ends;                 // keyword: per document, end of its ids in `doc_ids`
    std::vector<uint32_t> doc_ids;
  };
  Column& Get(std::string_view name, ScalarType type);
  std::map<std::string, Column, std::less<>> columns_;  // by name: written in name order
  size_t memory_ = 0;
};

// Random access to codes of `width` bits (up to 56 packed, or 64 as plain
// little-endian words).
class CodeArray {
 public:
  CodeArray() = default;
  CodeArray(const unsigned char* data, uint32_t width) : data_(data), width_(width), packed_(data, width) {}
  uint64_t Get(uint64_t i) const {
    if (width_ != 64) return packed_.Get(i);
    uint64_t v;
    std::memcpy(&v, data_ + i * 8, 8);
    return v;
  }
  static size_t Bytes(uint64_t n, uint32_t width) { return width == 64 ? n * 8 : codec::PackedBytes(n, width); }

 private:
  const unsigned char* data_ = nullptr;
  uint32_t width_ = 0;
  codec::PackedReader packed_;
};

class NumericColumn {
 public:
  ScalarType type() const { return type_; }
  uint32_t docs_with_value() const { return docs_with_value_; }
  int64_t min() const { return min_; }
  int64_t max() const { return max_; }
  // 0: the document has no value; else Value(code) is its value. Codes
  // order like values.
  uint64_t Code(uint32_t doc) const { return codes_.Get(doc); }
  int64_t Value(uint64_t code) const { return static_cast<int64_t>(static_cast<uint64_t>(min_) + (code - 1) * gcd_); }
  bool Get(uint32_t doc, int64_t* value) const {
    const uint64_t c = Code(doc);
    if (c == 0) return false;
    *value = Value(c);
    return true;
  }
  // The codes of values in [lower, upper]: false when there are none.
  bool CodeRange(int64_t lower, int64_t upper, uint64_t* first, uint64_t* last) const;

 private:
  friend class ColumnsReader;
  ScalarType type_ = ScalarType::kInteger;
  uint32_t docs_with_value_ = 0;
  int64_t min_ = 0, max_ = 0;
  uint64_t gcd_ = 1;
  CodeArray codes_;
};

class KeywordColumn {
 public:
  uint32_t value_count() const { return value_count_; }
  std::string_view Value(uint32_t ord) const {
    const uint64_t begin = value_offsets_.Get(ord), end = value_offsets_.Get(ord + 1);
    return std::string_view(values_ + begin, end - begin);
  }
  std::optional<uint32_t> Find(std::string_view value) const;
  // The ordinals of `doc` are Ord(i) for i in [Begin(doc), Begin(doc + 1)),
  // increasing and distinct.
  uint64_t Begin(uint32_t doc) const { return doc_offsets_.Get(doc); }
  uint32_t Ord(uint64_t i) const { return static_cast<uint32_t>(ords_.Get(i)); }
  bool Has(uint32_t doc, uint32_t ord) const {
    for (uint64_t i = Begin(doc), end = Begin(doc + 1); i < end; ++i) {
      if (Ord(i) == ord) return true;
    }
    return false;
  }
  // The documents holding `ord`, increasing. The column is inverted on first
  // use (one pass, 4 bytes per value, kept with the reader) so that a filter
  // walks a list instead of scanning every document. Thread-safe.
  std::pair<const uint32_t*, const uint32_t*> Docs(uint32_t ord) const;

 private:
  friend class ColumnsReader;
  struct Inverted {
    std::once_flag once;
    std::vector<uint64_t> starts;  // per ordinal, into docs; value_count + 1 entries
    std::vector<uint32_t> docs;
  };
  uint32_t max_doc_ = 0;
  std::shared_ptr<Inverted> inverted_ = std::make_shared<Inverted>();
  uint32_t value_count_ = 0;
  const char* values_ = nullptr;
  codec::PackedReader value_offsets_;
  codec::PackedReader doc_offsets_;
  codec::PackedReader ords_;
};

// The columns of one segment; a segment written before format 4 has none.
class ColumnsReader {
 public:
  ColumnsReader() = default;
  // Checks the structure (every offset and ordinal in range), so that reads
  // never leave the file whatever its bytes.
  ColumnsReader(const store::CheckedFile* file, uint32_t max_doc);
  const NumericColumn* Numeric(std::string_view name) const;
  const KeywordColumn* Keyword(std::string_view name) const;
  struct Entry {
    std::string name;
    ScalarType type;
  };
  std::vector<Entry> List() const;

 private:
  std::map<std::string, NumericColumn, std::less<>> numeric_;
  std::map<std::string, KeywordColumn, std::less<>> keyword_;
};

}  // namespace loupe::index
