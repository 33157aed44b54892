#include "index/field_lengths.h"

#include <algorithm>

#include "codec/varint.h"

namespace loupe::index {

namespace {

void AppendArray(std::string& body, const std::vector<uint32_t>& values, uint32_t max_doc) {
  const uint32_t max = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  const uint32_t width = codec::BitsRequired(max);
  body.push_back(static_cast<char>(width));
  codec::AppendPacked(body, values.data(), max_doc, width);
}

}  // namespace

void WriteFieldLengths(store::CheckedWriter* out, const std::vector<uint32_t>& field_numbers,
                       const std::vector<const std::vector<uint32_t>*>& lengths,
                       const std::vector<const std::vector<uint32_t>*>& spans, uint32_t max_doc) {
  std::string body;
  codec::AppendVarint32(body, static_cast<uint32_t>(field_numbers.size()));
  for (size_t f = 0; f < field_numbers.size(); ++f) {
    codec::AppendVarint32(body, field_numbers[f]);
    AppendArray(body, *lengths[f], max_doc);
    AppendArray(body, *spans[f], max_doc);
  }
  out->Write(body);
}

FieldLengthsReader::FieldLengthsReader(const store::CheckedFile* file, uint32_t max_doc) {
  const std::string_view body = file->body();
  const auto* p = reinterpret_cast<const uint8_t*>(body.data());
  const auto* end = p + body.size();
  const auto array = [&](codec::PackedReader* out) {
    if (p >= end) file->Corrupt("malformed field lengths");
    const uint32_t width = *p++;
    const size_t bytes = codec::PackedBytes(max_doc, width);
    if (width > 32 || bytes > static_cast<size_t>(end - p)) file->Corrupt("malformed field lengths");
    *out = codec::PackedReader(p, width);
    p += bytes;
  };
  uint32_t count;
  if (!codec::GetVarint32(p, end, &count) || count > 65536) file->Corrupt("malformed field lengths");
  for (uint32_t f = 0; f < count; ++f) {
    Entry e{};
    if (!codec::GetVarint32(p, end, &e.number)) file->Corrupt("malformed field lengths");
    array(&e.lengths);
    codec::PackedReader spans;
    array(&spans);
    e.spans.resize(max_doc);
    for (uint32_t d = 0; d < max_doc; ++d) e.spans[d] = static_cast<uint32_t>(spans.Get(d));
    fields_.push_back(std::move(e));
  }
}

const codec::PackedReader* FieldLengthsReader::Field(uint32_t field_number) const {
  for (const Entry& e : fields_) {
    if (e.number == field_number) return &e.lengths;
  }
  return nullptr;
}

const uint32_t* FieldLengthsReader::Spans(uint32_t field_number) const {
  for (const Entry& e : fields_) {
    if (e.number == field_number) return e.spans.data();
  }
  return nullptr;
}

}  // namespace loupe::index
