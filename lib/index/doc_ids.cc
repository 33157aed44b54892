#include "index/doc_ids.h"

namespace loupe::index {

void WriteDocIds(store::CheckedWriter* out, const std::vector<std::string_view>& ids) {
  std::vector<uint64_t> offsets;
  offsets.reserve(ids.size() + 1);
  uint64_t total = 0;
  for (std::string_view id : ids) {
    offsets.push_back(total);
    total += id.size();
  }
  offsets.push_back(total);
  const uint32_t width = codec::BitsRequired(total);
  std::string head;
  const auto count = static_cast<uint32_t>(ids.size());
  head.append(reinterpret_cast<const char*>(&count), 4);
  head.push_back(static_cast<char>(width));
  codec::AppendPacked(head, offsets.data(), offsets.size(), width);
  out->Write(head);
  for (std::string_view id : ids) out->Write(id);
}

DocIdsReader::DocIdsReader(const store::CheckedFile* file, uint32_t max_doc) {
  const std::string_view body = file->body();
  if (body.size() < 5 || store::LoadU32(body.data()) != max_doc) file->Corrupt("id table does not match the segment");
  const uint32_t width = static_cast<uint8_t>(body[4]);
  const size_t packed = codec::PackedBytes(uint64_t{max_doc} + 1, width);
  if (width > codec::kMaxPackedWidth || packed > body.size() - 5) file->Corrupt("malformed id table");
  offsets_ = codec::PackedReader(body.data() + 5, width);
  bytes_ = body.substr(5 + packed);
  // Offsets must increase and stay inside the id bytes; checked once here so
  // Id() never reads outside the file.
  uint64_t previous = 0;
  for (uint64_t d = 0; d <= max_doc; ++d) {
    const uint64_t offset = offsets_.Get(d);
    if (offset < previous || offset > bytes_.size()) file->Corrupt("malformed id table");
    previous = offset;
  }
}

}  // namespace loupe::index
