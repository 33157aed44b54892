// Field lengths (the number of terms of each text field in each document,
// stop words excluded), which BM25 needs: the .lens file.
//
// Body: varint field count; per field: varint field number, u8 bit width w,
// then max_doc lengths bit-packed with w bits each (codec/packed_ints.h).
#pragma once

#include <cstdint>
#include <vector>

#include "codec/packed_ints.h"
#include "store/checked_file.h"

namespace loupe::index {

void WriteFieldLengths(store::CheckedWriter* out, const std::vector<uint32_t>& field_numbers,
                       const std::vector<const std::vector<uint32_t>*>& lengths, uint32_t max_doc);

class FieldLengthsReader {
 public:
  FieldLengthsReader(const store::CheckedFile* file, uint32_t max_doc);
  // Lengths of a field, or nullptr when the field has none.
  const codec::PackedReader* Field(uint32_t field_number) const;

 private:
  std::vector<std::pair<uint32_t, codec::PackedReader>> fields_;
};

}  // namespace loupe::index
