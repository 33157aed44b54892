#include "index/term_dictionary.h"

#include <algorithm>

#include "codec/varint.h"
#include "loupe/error.h"

namespace loupe::index {

void TermDictionaryWriter::StartField(uint32_t field_number, IndexOptions options) {
  fields_.push_back({field_number, options, 0, {}});
  previous_.clear();
}

void TermDictionaryWriter::Add(std::string_view term, const TermInfo& info) {
  FieldIndex& field = fields_.back();
  if (in_block_ == 0) {
    field.blocks.emplace_back(std::string(term), 0);
    previous_.clear();
    running_postings_ = running_positions_ = 0;
  }
  const size_t limit = std::min(previous_.size(), term.size());
  size_t shared = 0;
  while (shared < limit && previous_[shared] == term[shared]) ++shared;
  codec::AppendVarint32(block_, static_cast<uint32_t>(shared));
  codec::AppendVarint32(block_, static_cast<uint32_t>(term.size() - shared));
  block_.append(term.substr(shared));
  codec::AppendVarint32(block_, info.doc_freq);
  const bool freqs = HasFreqs(field.options);
  const bool positions = HasPositions(field.options);
  if (info.doc_freq == 1) {
    codec::AppendVarint32(block_, info.single_doc);
    if (freqs) codec::AppendVarint32(block_, info.single_freq);
    if (positions) {
      if (info.single_freq == 1) {
        codec::AppendVarint32(block_, info.single_position);
      } else {
        codec::AppendVarint64(block_, info.positions_offset - running_positions_);
        running_positions_ = info.positions_offset;
      }
    }
  } else {
    codec::AppendVarint64(block_, info.postings_offset - running_postings_);
    running_postings_ = info.postings_offset;
    if (positions) {
      codec::AppendVarint64(block_, info.positions_offset - running_positions_);
      running_positions_ = info.positions_offset;
    }
  }
  previous_.assign(term);
  ++field.term_count;
  if (++in_block_ == kTermsPerBlock) FlushBlock();
}

void TermDictionaryWriter::FlushBlock() {
  if (in_block_ == 0) return;
  fields_.back().blocks.back().second = out_->offset();
  uint8_t n[5];
  out_->Write(n, static_cast<size_t>(codec::PutVarint32(n, in_block_) - n));
  out_->Write(block_);
  block_.clear();
  in_block_ = 0;
}

void TermDictionaryWriter::FinishField() { FlushBlock(); }

void TermDictionaryWriter::Finish() {
  FlushBlock();
  const uint64_t index_offset = out_->offset();
  std::string index;
  codec::AppendVarint32(index, static_cast<uint32_t>(fields_.size()));
  for (const FieldIndex& f : fields_) {
    codec::AppendVarint32(index, f.field_number);
    index.push_back(static_cast<char>(f.options));
    codec::AppendVarint64(index, f.term_count);
    codec::AppendVarint32(index, static_cast<uint32_t>(f.blocks.size()));
    for (const auto& [first, offset] : f.blocks) {
      codec::AppendVarint32(index, static_cast<uint32_t>(first.size()));
      index.append(first);
      codec::AppendVarint64(index, offset);
    }
  }
  out_->Write(index);
  out_->WriteU64(index_offset);
}

namespace {

uint64_t TermKey(std::string_view term) {
  uint64_t key = 0;
  const size_t n = std::min<size_t>(term.size(), 8);
  for (size_t i = 0; i < n; ++i) key |= uint64_t{static_cast<uint8_t>(term[i])} << (56 - 8 * i);
  return key;
}

}  // namespace

TermDictionaryReader::TermDictionaryReader(const store::CheckedFile* file) : file_(file) {
  const uint64_t trailer = file->body_end() - 8;
  const uint64_t index_offset = store::LoadU64(file->Slice(trailer, 8, "term index offset").data());
  const std::string_view index = file->Slice(index_offset, trailer - std::min(trailer, index_offset), "term index");
  const auto* p = reinterpret_cast<const uint8_t*>(index.data());
  const auto* end = p + index.size();
  auto fail = [&] { file->Corrupt("malformed term index"); };
  uint32_t field_count;
  if (!codec::GetVarint32(p, end, &field_count) || field_count > 65536) fail();
  fields_.reserve(field_count);
  for (uint32_t f = 0; f < field_count; ++f) {
    FieldTerms field{};
    uint32_t blocks = 0;
    if (!codec::GetVarint32(p, end, &field.field_number) || p >= end) fail();
    const uint8_t options = *p++;
    if (options > static_cast<uint8_t>(IndexOptions::kPositions)) fail();
    field.options = static_cast<IndexOptions>(options);
    if (!codec::GetVarint64(p, end, &field.term_count) || !codec::GetVarint32(p, end, &blocks)) fail();
    if (blocks > index.size()) fail();
    field.first_terms.reserve(blocks);
    field.block_offsets.reserve(blocks);
    for (uint32_t b = 0; b < blocks; ++b) {
      uint32_t len;
      uint64_t offset;
      if (!codec::GetVarint32(p, end, &len) || len > static_cast<size_t>(end - p)) fail();
      field.first_terms.emplace_back(reinterpret_cast<const char*>(p), len);
      p += len;
      if (!codec::GetVarint64(p, end, &offset) || offset < store::kHeaderSize || offset >= index_offset) fail();
      if (b > 0 && (offset <= field.block_offsets.back() || field.first_terms[b] <= field.first_terms[b - 1])) fail();
      field.block_offsets.push_back(offset);
      field.first_keys.push_back(TermKey(field.first_terms.back()));
    }
    fields_.push_back(std::move(field));
  }
}

const TermDictionaryReader::FieldTerms* TermDictionaryReader::Field(uint32_t field_number) const {
  for (const FieldTerms& f : fields_) {
    if (f.field_number == field_number) return &f;
  }
  return nullptr;
}

TermDictionaryReader::Iterator TermDictionaryReader::Terms(uint32_t field_number, std::string_view from) const {
  return Iterator(this, Field(field_number), from);
}

bool TermDictionaryReader::Lookup(uint32_t field_number, std::string_view term, TermInfo* info) const {
  const FieldTerms* field = Field(field_number);
  if (field == nullptr || field->first_terms.empty()) return false;
  Iterator it(this, field, term);
  if (!it.valid() || it.term() != term) return false;
  *info = it.info();
  return true;
}

TermDictionaryReader::Iterator::Iterator(const TermDictionaryReader* reader, const FieldTerms* field,
                                         std::string_view from)
    : reader_(reader), field_(field) {
  if (field_ == nullptr || field_->first_terms.empty()) return;
  // The last block whose first term is <= from. Keys order terms as the
  // bytes do, only more coarsely: a smaller key is a smaller term, a larger
  // key a larger one, and equal keys need the terms compared.
  const uint64_t key = TermKey(from);
  const auto& keys = field_->first_keys;
  const auto& terms = field_->first_terms;
  const size_t lo = static_cast<size_t>(std::lower_bound(keys.begin(), keys.end(), key) - keys.begin());
  const size_t hi = static_cast<size_t>(std::upper_bound(keys.begin() + lo, keys.end(), key) - keys.begin());
  const size_t at_most_from =
      static_cast<size_t>(std::upper_bound(terms.begin() + lo, terms.begin() + hi, from) - terms.begin());
  OpenBlock(at_most_from == 0 ? 0 : at_most_from - 1);
  Next();
  while (valid_ && term_ < from) Next();
}

void TermDictionaryReader::Iterator::OpenBlock(size_t block) {
  block_ = block;
  const store::CheckedFile* file = reader_->file_;
  const uint64_t offset = field_->block_offsets[block];
  const auto* begin = reinterpret_cast<const uint8_t*>(file->data().data());
  p_ = begin + offset;
  end_ = begin + file->body_end();
  if (!codec::GetVarint32(p_, end_, &remaining_) || remaining_ == 0 || remaining_ > kTermsPerBlock) {
    file->Corrupt("malformed term block at offset " + std::to_string(offset));
  }
  term_.clear();
  running_postings_ = running_positions_ = 0;
}

void TermDictionaryReader::Iterator::Next() {
  if (remaining_ == 0) {
    if (block_ + 1 >= field_->block_offsets.size()) {
      valid_ = false;
      return;
    }
    OpenBlock(block_ + 1);
  }
  valid_ = ReadEntry();
  --remaining_;
}

bool TermDictionaryReader::Iterator::ReadEntry() {
  const store::CheckedFile* file = reader_->file_;
  auto fail = [&] { file->Corrupt("malformed term entry in block " + std::to_string(block_)); };
  uint32_t shared = 0, suffix = 0;
  if (!codec::GetVarint32(p_, end_, &shared) || !codec::GetVarint32(p_, end_, &suffix)) fail();
  if (shared > term_.size() || suffix > static_cast<size_t>(end_ - p_)) fail();
  term_.resize(shared);
  term_.append(reinterpret_cast<const char*>(p_), suffix);
  p_ += suffix;
  info_ = TermInfo{};
  if (!codec::GetVarint32(p_, end_, &info_.doc_freq) || info_.doc_freq == 0) fail();
  const bool freqs = HasFreqs(field_->options);
  const bool positions = HasPositions(field_->options);
  if (info_.doc_freq == 1) {
    if (!codec::GetVarint32(p_, end_, &info_.single_doc)) fail();
    info_.single_freq = 1;
    if (freqs && (!codec::GetVarint32(p_, end_, &info_.single_freq) || info_.single_freq == 0)) fail();
    if (positions) {
      if (info_.single_freq == 1) {
        if (!codec::GetVarint32(p_, end_, &info_.single_position)) fail();
      } else {
        uint64_t delta;
        if (!codec::GetVarint64(p_, end_, &delta)) fail();
        info_.positions_offset = running_positions_ += delta;
      }
    }
  } else {
    uint64_t delta;
    if (!codec::GetVarint64(p_, end_, &delta)) fail();
    info_.postings_offset = running_postings_ += delta;
    if (positions) {
      if (!codec::GetVarint64(p_, end_, &delta)) fail();
      info_.positions_offset = running_positions_ += delta;
    }
  }
  return true;
}

}  // namespace loupe::index
