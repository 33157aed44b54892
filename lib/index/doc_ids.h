// External document ids by internal doc number: the .ids file.
//
// Body: u32 max_doc, u8 bit width w, (max_doc + 1) offsets bit-packed with w
// bits (codec/packed_ints.h), then the id bytes; id d is the bytes from
// offset[d] to offset[d + 1]. The reverse mapping (id -> doc) is the "id"
// field of the term dictionary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/packed_ints.h"
#include "store/checked_file.h"

namespace loupe::index {

void WriteDocIds(store::CheckedWriter* out, const std::vector<std::string_view>& ids);

class DocIdsReader {
 public:
  DocIdsReader(const store::CheckedFile* file, uint32_t max_doc);
  std::string_view Id(uint32_t doc) const {
    const uint64_t begin = offsets_.Get(doc);
    return bytes_.substr(begin, offsets_.Get(doc + 1) - begin);
  }

 private:
  codec::PackedReader offsets_;
  std::string_view bytes_;
};

}  // namespace loupe::index
