// The term dictionary of one segment: the .terms file.
//
// Terms of each field, sorted by their bytes, in blocks of up to 32 entries.
// Inside a block each term shares a prefix with the one before it, and each
// entry carries where the term's postings are (or, for a term in a single
// document, the posting itself). A small index of the first term of every
// block is read into memory when the segment opens, so a lookup is a binary
// search over block first terms plus a scan of one block.
//
// Layout after the file header:
//   blocks, field after field; a block:
//     varint n (1..32), then n entries:
//       varint shared prefix length, varint suffix length, suffix bytes
//       varint doc_freq
//       doc_freq == 1:  varint doc, [varint freq], [varint position when
//                       freq == 1, else varint64 positions offset delta]
//       doc_freq >= 2:  varint64 postings offset delta, [varint64 positions
//                       offset delta]
//     (frequencies when the field has them, positions when it has positions;
//      offset deltas count from the previous entry of the block that had an
//      offset of that kind, from 0 for the first)
//   block index:
//     varint field count; per field: varint field number, u8 index options,
//     varint64 term count, varint block count, and per block: varint
//     first-term length, first-term bytes, varint64 block offset
//   u64 offset of the block index
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/postings_format.h"
#include "store/checked_file.h"

namespace loupe::index {

inline constexpr uint32_t kTermsPerBlock = 32;

class TermDictionaryWriter {
 public:
  explicit TermDictionaryWriter(store::CheckedWriter* out) : out_(out) {}

  void StartField(uint32_t field_number, IndexOptions options);
  // Terms of the current field, strictly increasing.
  void Add(std::string_view term, const TermInfo& info);
  void FinishField();
  // Writes the block index and the trailer (the caller finishes the file).
  void Finish();

 private:
  void FlushBlock();

  struct FieldIndex {
    uint32_t field_number;
    IndexOptions options;
    uint64_t term_count = 0;
    std::vector<std::pair<std::string, uint64_t>> blocks;  // first term, offset
  };

  store::CheckedWriter* out_;
  std::vector<FieldIndex> fields_;
  std::string block_;
  uint32_t in_block_ = 0;
  std::string previous_;
  uint64_t running_postings_ = 0;
  uint64_t running_positions_ = 0;
};

class TermDictionaryReader {
 public:
  // Parses the block index; throws CorruptionError if it is malformed.
  explicit TermDictionaryReader(const store::CheckedFile* file);

  struct FieldTerms {
    uint32_t field_number;
    IndexOptions options;
    uint64_t term_count;
    std::vector<std::string_view> first_terms;
    // The first 8 bytes of each first term as a big-endian number (zero
    // padded), in the same order: a lookup's binary search compares these
    // in one dense array and reads the terms themselves (in the mapped file)
    // only among blocks whose keys equal the sought term's.
    std::vector<uint64_t> first_keys;
    std::vector<uint64_t> block_offsets;
  };

  const FieldTerms* Field(uint32_t field_number) const;
  // Finds `term` in a field; false if absent.
  bool Lookup(uint32_t field_number, std::string_view term, TermInfo* info) const;

  // Walks the terms of one field in order, from the first term >= `from`.
  class Iterator {
   public:
    Iterator(const TermDictionaryReader* reader, const FieldTerms* field, std::string_view from);
    bool valid() const { return valid_; }
    std::string_view term() const { return term_; }
    const TermInfo& info() const { return info_; }
    void Next();

   private:
    bool ReadEntry();
    void OpenBlock(size_t block);

    const TermDictionaryReader* reader_;
    const FieldTerms* field_;
    size_t block_ = 0;
    uint32_t remaining_ = 0;
    const uint8_t* p_ = nullptr;
    const uint8_t* end_ = nullptr;
    std::string term_;
    TermInfo info_;
    uint64_t running_postings_ = 0;
    uint64_t running_positions_ = 0;
    bool valid_ = false;
  };

  Iterator Terms(uint32_t field_number, std::string_view from = {}) const;
  const store::CheckedFile* file() const { return file_; }

 private:
  const store::CheckedFile* file_;
  std::vector<FieldTerms> fields_;
};

}  // namespace loupe::index
