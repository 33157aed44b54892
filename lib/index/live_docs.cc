#include "index/live_docs.h"

#include <cstring>

#include "codec/popcount.h"

namespace loupe::index {

LiveDocs::LiveDocs(uint32_t max_doc) : max_doc_(max_doc), words_((max_doc + 63) / 64, ~uint64_t{0}) {
  if (max_doc % 64 != 0) words_.back() = (uint64_t{1} << (max_doc % 64)) - 1;
}

bool LiveDocs::Delete(uint32_t doc) {
  const uint64_t bit = uint64_t{1} << (doc & 63);
  if (!(words_[doc >> 6] & bit)) return false;
  words_[doc >> 6] &= ~bit;
  ++deleted_;
  return true;
}

LiveDocs LiveDocs::Read(const store::CheckedFile& file, uint32_t max_doc) {
  const std::string_view body = file.body();
  LiveDocs live(max_doc);
  const size_t bytes = live.words_.size() * 8;
  if (body.size() != 8 + bytes || store::LoadU32(body.data()) != max_doc) {
    file.Corrupt("deletions do not match the segment");
  }
  std::memcpy(live.words_.data(), body.data() + 8, bytes);
  uint64_t live_count = 0;
  for (uint64_t w : live.words_) live_count += codec::PopCount(w);
  if (max_doc % 64 != 0 && (live.words_.back() >> (max_doc % 64)) != 0) file.Corrupt("deletion bits beyond the last doc");
  live.deleted_ = static_cast<uint32_t>(max_doc - live_count);
  if (live.deleted_ != store::LoadU32(body.data() + 4)) file.Corrupt("deleted count does not match the bits");
  return live;
}

void LiveDocs::Write(store::CheckedWriter* out) const {
  out->WriteU32(max_doc_);
  out->WriteU32(deleted_);
  out->Write(words_.data(), words_.size() * 8);
}

}  // namespace loupe::index
