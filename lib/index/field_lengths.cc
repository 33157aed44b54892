#include "index/field_lengths.h"

#include <algorithm>

#include "codec/varint.h"

namespace loupe::index {

void WriteFieldLengths(store::CheckedWriter* out, const std::vector<uint32_t>& field_numbers,
                       const std::vector<const std::vector<uint32_t>*>& lengths, uint32_t max_doc) {
  std::string body;
  codec::AppendVarint32(body, static_cast<uint32_t>(field_numbers.size()));
  for (size_t f = 0; f < field_numbers.size(); ++f) {
    const std::vector<uint32_t>& values = *lengths[f];
    const uint32_t max = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
    const uint32_t width = codec::BitsRequired(max);
    codec::AppendVarint32(body, field_numbers[f]);
    body.push_back(static_cast<char>(width));
    codec::AppendPacked(body, values.data(), max_doc, width);
  }
  out->Write(body);
}

FieldLengthsReader::FieldLengthsReader(const store::CheckedFile* file, uint32_t max_doc) {
  const std::string_view body = file->body();
  const auto* p = reinterpret_cast<const uint8_t*>(body.data());
  const auto* end = p + body.size();
  uint32_t count;
  if (!codec::GetVarint32(p, end, &count) || count > 65536) file->Corrupt("malformed field lengths");
  for (uint32_t f = 0; f < count; ++f) {
    uint32_t number;
    if (!codec::GetVarint32(p, end, &number) || p >= end) file->Corrupt("malformed field lengths");
    const uint32_t width = *p++;
    const size_t bytes = codec::PackedBytes(max_doc, width);
    if (width > 32 || bytes > static_cast<size_t>(end - p)) file->Corrupt("malformed field lengths");
    fields_.emplace_back(number, codec::PackedReader(p, width));
    p += bytes;
  }
}

const codec::PackedReader* FieldLengthsReader::Field(uint32_t field_number) const {
  for (const auto& [number, reader] : fields_) {
    if (number == field_number) return &reader;
  }
  return nullptr;
}

}  // namespace loupe::index
