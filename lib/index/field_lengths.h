// Field lengths (the number of terms of each text field in each document,
// stop words excluded), which BM25 needs, and position spans (the position
// of the field's last indexed term plus one: gaps of stop words and between
// values before it count, trailing stop words do not), which the positions
// codec needs: the .lens file.
//
// Body: varint field count; per field: varint field number, u8 bit width w,
// then max_doc lengths bit-packed with w bits each (codec/packed_ints.h);
// then u8 bit width v and max_doc spans bit-packed with v bits each.
#pragma once

#include <cstdint>
#include <vector>

#include "codec/packed_ints.h"
#include "store/checked_file.h"

namespace loupe::index {

void WriteFieldLengths(store::CheckedWriter* out, const std::vector<uint32_t>& field_numbers,
                       const std::vector<const std::vector<uint32_t>*>& lengths,
                       const std::vector<const std::vector<uint32_t>*>& spans, uint32_t max_doc);

class FieldLengthsReader {
 public:
  FieldLengthsReader(const store::CheckedFile* file, uint32_t max_doc);
  // Lengths of a field, or nullptr when the field has none.
  const codec::PackedReader* Field(uint32_t field_number) const;
  // Position spans of a field (max_doc values), or nullptr. Unpacked when
  // the file is opened (4 bytes a document): a phrase query reads the span
  // of every document its cursors pass over, and a plain load is cheaper
  // than a bit-packed one in that loop.
  const uint32_t* Spans(uint32_t field_number) const;

 private:
  struct Entry {
    uint32_t number;
    codec::PackedReader lengths;
    std::vector<uint32_t> spans;
  };
  std::vector<Entry> fields_;
};

}  // namespace loupe::index
