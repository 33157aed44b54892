#include "index/postings_format.h"

#include <algorithm>
#include <cstring>

#include "codec/bit_stream.h"
#include "codec/varint.h"
#include "loupe/error.h"

namespace loupe::index {

namespace {
constexpr const char* kTooLarge =
    "a segment's postings would pass the format's 4 GiB limit (use a smaller RAM budget, or merge into more "
    "segments)";
}  // namespace

using store::LoadU32;

PostingsWriter::PostingsWriter(store::CheckedWriter* post, store::CheckedWriter* pos, IndexOptions options,
                               const uint32_t* lengths, const uint32_t* spans, double average_length)
    : post_(post), pos_(pos), options_(options), lengths_(lengths), spans_(spans), average_length_(average_length) {}

void PostingsWriter::EncodePositions(const uint32_t* docs, const uint32_t* freqs, const uint32_t* positions,
                                     uint32_t n, std::string* out) {
  firsts_buffer_.clear();
  unary_buffer_.clear();
  low_buffer_.clear();
  codec::BitWriter firsts(&firsts_buffer_), unary(&unary_buffer_), low(&low_buffer_);
  const uint32_t* p = positions;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t span = spans_[docs[i]];
    firsts.Write(p[0], FirstPositionBits(span));
    if (freqs[i] > 1) {
      const uint32_t k = RiceParameter(span, freqs[i]);
      for (uint32_t j = 1; j < freqs[i]; ++j) {
        const uint32_t gap = p[j] - p[j - 1] - 1;
        unary.WriteUnary(gap >> k);
        low.Write(gap, k);
      }
    }
    p += freqs[i];
  }
  firsts.Flush();
  unary.Flush();
  low.Flush();
  out->clear();
  codec::AppendVarint64(*out, firsts_buffer_.size());
  codec::AppendVarint64(*out, unary_buffer_.size());
  *out += firsts_buffer_;
  *out += unary_buffer_;
  *out += low_buffer_;
}

void PostingsWriter::StartTerm() {
  in_block_ = 0;
  doc_freq_ = 0;
  blocks_ = 0;
  last_doc_ = -1;
  positions_.clear();
  skip_.clear();
  term_impacts_.Reset();
}

void PostingsWriter::AddDoc(uint32_t doc, uint32_t freq, const uint32_t* positions) {
  if (in_block_ == kPostingsBlock) {
    // A full block and another doc: the term has >= 2 blocks. Encode the
    // block; the first one waits until the second exists, then both stream.
    EncodedBlock& block = blocks_ == 0 ? first_ : scratch_;
    EncodeBlock(&block);
    if (blocks_ == 1) WriteBlock(first_);
    if (blocks_ >= 1) WriteBlock(block);
    ++blocks_;
  }
  docs_[in_block_] = doc;
  freqs_[in_block_] = HasFreqs(options_) ? freq : 1;
  if (HasPositions(options_)) positions_.insert(positions_.end(), positions, positions + freq);
  ++in_block_;
  ++doc_freq_;
}

void PostingsWriter::EncodeBlock(EncodedBlock* out) {
  const bool with_freqs = HasFreqs(options_);
  const uint32_t len = in_block_;
  out->postings.clear();
  impacts_.Reset();
  for (uint32_t i = 0; i < len; ++i) impacts_.Add(freqs_[i], lengths_[docs_[i]]);
  const Impact impact = impacts_.Build(average_length_);
  EncodeImpact(impact, out->impact);
  term_impacts_.Add(impact.a.freq, impact.a.length);
  term_impacts_.Add(impact.b.freq, impact.b.length);
  int64_t previous = last_doc_;
  if (len == kPostingsBlock) {
    uint32_t values[kPostingsBlock];
    uint8_t encoded[codec::kMaxEncodedBlockBytes];
    for (uint32_t i = 0; i < len; ++i) {
      values[i] = static_cast<uint32_t>(docs_[i] - previous - 1);
      previous = docs_[i];
    }
    out->postings.append(reinterpret_cast<const char*>(encoded), codec::EncodeBlock(values, encoded));
    if (with_freqs) {
      for (uint32_t i = 0; i < len; ++i) values[i] = freqs_[i] - 1;
      out->postings.append(reinterpret_cast<const char*>(encoded), codec::EncodeBlock(values, encoded));
    }
  } else {
    for (uint32_t i = 0; i < len; ++i) {
      const auto gap = static_cast<uint32_t>(docs_[i] - previous - 1);
      previous = docs_[i];
      if (!with_freqs) {
        codec::AppendVarint32(out->postings, gap);
      } else if (freqs_[i] == 1) {
        codec::AppendVarint64(out->postings, (uint64_t{gap} << 1) | 1);
      } else {
        codec::AppendVarint64(out->postings, uint64_t{gap} << 1);
        codec::AppendVarint32(out->postings, freqs_[i]);
      }
    }
  }
  out->positions.clear();
  if (HasPositions(options_)) EncodePositions(docs_, freqs_, positions_.data(), len, &out->positions);
  out->last_doc = docs_[len - 1];
  last_doc_ = docs_[len - 1];
  in_block_ = 0;
  positions_.clear();
}

// Writes a block of a term with a skip table, and its skip entry.
void PostingsWriter::WriteBlock(const EncodedBlock& block) {
  uint8_t entry[kSkipEntryBytes];
  store::StoreU32(entry, block.last_doc);
  store::StoreU32(entry + 4, static_cast<uint32_t>(post_->offset()));
  store::StoreU32(entry + 8, HasPositions(options_) ? static_cast<uint32_t>(pos_->offset()) : 0);
  std::memcpy(entry + 12, block.impact, kImpactBytes);
  skip_.append(reinterpret_cast<const char*>(entry), kSkipEntryBytes);
  post_->Write(block.postings);
  if (HasPositions(options_)) pos_->Write(block.positions);
  if (post_->offset() > kMaxPostingsFileBytes || (pos_ != nullptr && pos_->offset() > kMaxPostingsFileBytes)) {
    throw InvalidArgumentError(kTooLarge);
  }
}

TermInfo PostingsWriter::FinishTerm() {
  TermInfo info;
  info.doc_freq = doc_freq_;
  if (doc_freq_ == 0) return info;  // every posting was dropped (a merge of deleted docs)
  const bool with_positions = HasPositions(options_);
  if (doc_freq_ == 1) {
    info.single_doc = docs_[0];
    info.single_freq = freqs_[0];
    if (with_positions) {
      if (freqs_[0] == 1) {
        info.single_position = positions_[0];
      } else {
        info.positions_offset = pos_->offset();
        EncodePositions(docs_, freqs_, positions_.data(), 1, &scratch_.positions);
        pos_->Write(scratch_.positions);
      }
    }
    in_block_ = 0;
    return info;
  }
  if (blocks_ == 0) {
    // One block: the header is the impact and the block itself.
    EncodeBlock(&scratch_);
    info.postings_offset = post_->offset();
    if (with_positions) info.positions_offset = pos_->offset();
    post_->Write(scratch_.impact, kImpactBytes);
    post_->Write(scratch_.postings);
    if (with_positions) pos_->Write(scratch_.positions);
    if (post_->offset() > kMaxPostingsFileBytes || (pos_ != nullptr && pos_->offset() > kMaxPostingsFileBytes)) {
      throw InvalidArgumentError(kTooLarge);
    }
    return info;
  }
  if (blocks_ == 1) WriteBlock(first_);  // no second full block came
  if (in_block_ > 0) {
    EncodeBlock(&scratch_);
    WriteBlock(scratch_);
  }
  // The header: the term's impact and its skip table.
  info.postings_offset = post_->offset();
  const uint32_t first_entry = store::LoadU32(skip_.data() + 8);
  if (with_positions) info.positions_offset = first_entry;
  uint8_t term_impact[kImpactBytes];
  EncodeImpact(term_impacts_.Build(average_length_), term_impact);
  post_->Write(term_impact, kImpactBytes);
  post_->Write(skip_);
  return info;
}

TermInfo PostingsWriter::AddTerm(const uint32_t* docs, const uint32_t* freqs, const uint32_t* positions,
                                 uint32_t n) {
  StartTerm();
  const uint32_t* p = positions;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t freq = freqs != nullptr ? freqs[i] : 1;
    AddDoc(docs[i], freq, p);
    if (p != nullptr) p += freq;
  }
  return FinishTerm();
}

void PostingsCursor::Corrupt(const std::string& what) const { post_->Corrupt(what); }

void PostingsCursor::Reset(const store::CheckedFile* post, const store::CheckedFile* pos,
                           const uint32_t* spans, IndexOptions options, const TermInfo& info,
                           uint32_t max_doc) {
  post_ = post;
  pos_ = pos;
  spans_ = spans;
  options_ = options;
  max_doc_ = max_doc;
  doc_freq_ = info.doc_freq;
  freqs_ready_ = false;
  prefetch_positions_ = false;
  positions_decoded_ = 0;
  positions_index_ = kNoMoreDocs;
  pending_gaps_ = 0;
  shallow_block_ = 0;
  if (info.doc_freq == 0) {
    num_blocks_ = 0;
    doc_ = kNoMoreDocs;
    shallow_last_doc_ = kNoMoreDocs;
    return;
  }
  if (info.doc_freq == 1) {
    if (info.single_doc >= max_doc) Corrupt("term dictionary names doc " + std::to_string(info.single_doc) +
                                            " beyond the segment's " + std::to_string(max_doc));
    num_blocks_ = 1;
    skip_ = nullptr;
    block_ = 0;
    block_len_ = 1;
    index_ = 0;
    docs_[0] = doc_ = info.single_doc;
    freqs_[0] = std::max<uint32_t>(info.single_freq, 1);
    freqs_ready_ = true;
    // A single posting's bound: its frequency, any length.
    EncodeImpact({{freqs_[0], 0}, {freqs_[0], 0}}, single_impact_);
    term_impact_ = single_impact_;
    first_positions_ = info.positions_offset;
    if (info.positions_inline()) {
      positions_.assign(1, info.single_position);
      positions_decoded_ = 1;
      positions_index_ = 0;
      positions_ready_ = 1;
    }
    positions_at_ = first_positions_;
    shallow_last_doc_ = doc_;
    shallow_impact_ = term_impact_;
    return;
  }
  num_blocks_ = (info.doc_freq + kPostingsBlock - 1) / kPostingsBlock;
  const uint64_t header = kImpactBytes + (num_blocks_ >= 2 ? uint64_t{kSkipEntryBytes} * num_blocks_ : 0);
  const std::string_view head = post->Slice(info.postings_offset, header, "postings");
  term_impact_ = reinterpret_cast<const uint8_t*>(head.data());
  skip_ = num_blocks_ >= 2 ? term_impact_ + kImpactBytes : nullptr;
  first_block_ = term_impact_ + header;
  first_positions_ = info.positions_offset;
  LoadBlock(0);
  shallow_last_doc_ = BlockLastDoc(0);
  shallow_impact_ = skip_ ? skip_ + 12 : term_impact_;
}

uint32_t PostingsCursor::BlockLastDoc(uint32_t block) const {
  if (skip_ != nullptr) return LoadU32(skip_ + kSkipEntryBytes * block);
  return docs_[block_len_ - 1];  // a single block, always loaded
}

void PostingsCursor::LoadBlock(uint32_t block) {
  block_ = block;
  block_len_ = block + 1 < num_blocks_ ? kPostingsBlock : doc_freq_ - kPostingsBlock * (num_blocks_ - 1);
  const uint32_t base = block == 0 ? 0xFFFFFFFFu : BlockLastDoc(block - 1);  // -1 for the first block
  const uint8_t* file_begin = reinterpret_cast<const uint8_t*>(post_->data().data());
  const uint8_t* file_end = file_begin + post_->body_end();
  const uint8_t* p = first_block_;
  if (skip_ != nullptr) {
    const uint32_t offset = LoadU32(skip_ + kSkipEntryBytes * block + 4);
    if (offset < store::kHeaderSize || offset >= post_->body_end()) Corrupt("skip entry points outside the file");
    p = file_begin + offset;
    positions_at_ = LoadU32(skip_ + kSkipEntryBytes * block + 8);
  } else {
    positions_at_ = first_positions_;
  }
  if (prefetch_positions_) PrefetchGroup();
  const bool with_freqs = HasFreqs(options_);
  if (block_len_ == kPostingsBlock) {
    const size_t used = codec::DecodeBlock(p, static_cast<size_t>(file_end - p), docs_);
    if (used == 0) Corrupt("malformed doc block");
    codec::PrefixSumPlusOne(docs_, kPostingsBlock, base);
    freqs_at_ = p + used;
    freqs_ready_ = !with_freqs;
    if (!with_freqs) std::fill(freqs_, freqs_ + kPostingsBlock, 1u);
  } else {
    uint32_t previous = base;
    for (uint32_t i = 0; i < block_len_; ++i) {
      if (!with_freqs) {
        uint32_t gap;
        if (!codec::GetVarint32(p, file_end, &gap)) Corrupt("malformed doc block");
        previous += gap + 1;
        freqs_[i] = 1;
      } else {
        uint64_t v;
        if (!codec::GetVarint64(p, file_end, &v)) Corrupt("malformed doc block");
        previous += static_cast<uint32_t>(v >> 1) + 1;
        if (v & 1) {
          freqs_[i] = 1;
        } else if (!codec::GetVarint32(p, file_end, &freqs_[i]) || freqs_[i] == 0) {
          Corrupt("malformed doc block");
        }
      }
      docs_[i] = previous;
    }
    freqs_ready_ = true;
  }
  const uint32_t last = docs_[block_len_ - 1];
  if (last >= max_doc_ || (skip_ != nullptr && last != BlockLastDoc(block)) ||
      (block > 0 && docs_[0] <= base)) {
    Corrupt("doc block does not match its skip entry");
  }
  index_ = 0;
  doc_ = docs_[0];
  positions_decoded_ = 0;
  positions_index_ = kNoMoreDocs;
}

void PostingsCursor::DecodeFreqs() {
  const uint8_t* file_end = reinterpret_cast<const uint8_t*>(post_->data().data()) + post_->body_end();
  if (codec::DecodeBlock(freqs_at_, static_cast<size_t>(file_end - freqs_at_), freqs_) == 0) {
    Corrupt("malformed frequency block");
  }
  for (uint32_t i = 0; i < kPostingsBlock; ++i) freqs_[i] += 1;
  freqs_ready_ = true;
}

uint32_t PostingsCursor::NextBlock() {
  if (block_ + 1 < num_blocks_) {
    LoadBlock(block_ + 1);
    return doc_;
  }
  index_ = block_len_;
  return doc_ = kNoMoreDocs;
}

uint32_t PostingsCursor::AdvanceBlocks(uint32_t target) {
  // Gallop over the skip entries, then binary search the last step.
  uint32_t lo = block_ + 1, step = 1;
  uint32_t hi = lo;
  while (hi < num_blocks_ && BlockLastDoc(hi) < target) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  if (hi >= num_blocks_) {
    hi = num_blocks_;
    if (lo >= num_blocks_ || BlockLastDoc(num_blocks_ - 1) < target) {
      index_ = block_len_;
      return doc_ = kNoMoreDocs;
    }
  }
  while (lo < hi) {  // the first block in [lo, hi] whose last doc >= target
    const uint32_t mid = (lo + hi) / 2;
    if (BlockLastDoc(mid) < target) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  LoadBlock(lo);
  return doc_ = docs_[index_ = SearchBlock(target)];
}

uint32_t PostingsCursor::freq() {
  if (!freqs_ready_) DecodeFreqs();
  return freqs_[index_];
}

void PostingsCursor::PrefetchPositions() {
  if (pos_ == nullptr) return;
  prefetch_positions_ = true;
  if (num_blocks_ > 0) PrefetchGroup();
}

void PostingsCursor::PrefetchGroup() const {
  // The group's header and the start of its streams; a hint only (an
  // offset past the end is caught when the group is opened).
  if (positions_at_ >= pos_->body_end()) return;
  const char* group = pos_->data().data() + positions_at_;
  __builtin_prefetch(group);
  __builtin_prefetch(group + 64);
}

void PostingsCursor::OpenPositionsGroup() {
  if (pos_ == nullptr || spans_ == nullptr) Corrupt("positions requested for a field without positions");
  if (positions_at_ < store::kHeaderSize || positions_at_ >= pos_->body_end()) {
    pos_->Corrupt("positions offset outside the file");
  }
  const uint8_t* begin = reinterpret_cast<const uint8_t*>(pos_->data().data());
  const uint8_t* end = begin + pos_->body_end();
  const uint8_t* p = begin + positions_at_;
  uint64_t firsts_bytes, unary_bytes;
  if (!codec::GetVarint64(p, end, &firsts_bytes) || !codec::GetVarint64(p, end, &unary_bytes) ||
      firsts_bytes > static_cast<uint64_t>(end - p) || unary_bytes > static_cast<uint64_t>(end - p) - firsts_bytes) {
    pos_->Corrupt("malformed positions group");
  }
  firsts_ = p;
  unary_ = p + firsts_bytes;
  low_ = unary_ + unary_bytes;
  firsts_bit_ = unary_bit_ = low_bit_ = 0;
  pending_gaps_ = 0;
}

void PostingsCursor::StartCurrentPositions() {
  if (!freqs_ready_) DecodeFreqs();
  if (positions_decoded_ == 0) OpenPositionsGroup();
  if (index_ < positions_decoded_) Corrupt("positions asked for out of order");
  const uint8_t* end = reinterpret_cast<const uint8_t*>(pos_->data().data()) + pos_->body_end();
  codec::BitReader firsts(firsts_, unary_), unary(unary_, low_);
  firsts.set_bit_position(firsts_bit_);
  // The docs in between, passed over: their sizes follow from their spans
  // and frequencies, their unary parts from a popcount. So does what a
  // partial decode left of the doc before.
  uint64_t ones = pending_gaps_, first_bits = 0, low_bits = uint64_t{pending_gaps_} * pending_rice_;
  for (uint32_t d = positions_decoded_; d < index_; ++d) {
    const auto span = spans_[docs_[d]];
    first_bits += FirstPositionBits(span);
    // No branch on the frequency: one or more is a coin toss per doc.
    const uint32_t gaps = freqs_[d] - 1;
    ones += gaps;
    low_bits += uint64_t{gaps} * RiceParameter(span, freqs_[d]);
  }
  firsts.Skip(first_bits);
  unary.set_bit_position(unary_bit_);
  unary.SkipOnes(ones);
  unary_bit_ = unary.bit_position();
  low_bit_ += low_bits;
  // The current doc: its first position now, its gaps on demand.
  const auto span = spans_[docs_[index_]];
  const uint32_t freq = freqs_[index_];
  // Positions are distinct and inside the span: a larger frequency is damage
  // (and must not size the buffer).
  if (freq > span) pos_->Corrupt("a frequency beyond the document's span");
  if (positions_.size() < freq) positions_.resize(std::max<size_t>(freq, 2 * positions_.size()));
  const auto first = static_cast<uint32_t>(firsts.Read(FirstPositionBits(span)));
  if (first >= span) pos_->Corrupt("positions beyond the document's span");
  if (firsts.error() || unary.error() || low_bit_ > uint64_t(end - low_) * 8) {
    pos_->Corrupt("truncated positions group");
  }
  positions_[0] = first;
  firsts_bit_ = firsts.bit_position();
  positions_decoded_ = index_ + 1;
  positions_index_ = index_;
  positions_ready_ = 1;
  pending_gaps_ = freq - 1;
  pending_rice_ = RiceParameter(span, freq);
  pending_span_ = span;
}

void PostingsCursor::ContinuePositions(uint32_t bound) {
  // Chunks of 16 gaps: a few loads of each stream, and at most a chunk
  // decoded beyond what the bound needs.
  constexpr uint32_t kChunk = 16;
  const uint8_t* end = reinterpret_cast<const uint8_t*>(pos_->data().data()) + pos_->body_end();
  codec::BitReader unary(unary_, low_), low(low_, end);
  unary.set_bit_position(unary_bit_);
  low.set_bit_position(low_bit_);
  const uint32_t k = pending_rice_;
  const uint32_t span = pending_span_;
  if (gap_lows_.size() < kChunk) gap_lows_.resize(kChunk);
  uint32_t* lows = gap_lows_.data();
  uint32_t ready = positions_ready_;
  uint64_t at = positions_[ready - 1];
  bool beyond = false;
  do {
    const uint32_t n = std::min(pending_gaps_, kChunk);
    // Each gap's two halves are read in bulk (a load per 56 bits, not per
    // code), then summed: gap = (unary << k | low) + 1.
    uint32_t* q = positions_.data() + ready;
    unary.ReadUnaries(n, q);
    low.ReadMany(n, k, lows);
    for (uint32_t j = 0; j < n; ++j) {
      const uint64_t gap = (uint64_t{q[j]} << k) | lows[j];
      beyond |= gap >= span;  // also keeps the sum below 2^64
      at += gap + 1;
      q[j] = static_cast<uint32_t>(at);
    }
    ready += n;
    pending_gaps_ -= n;
    // Every position lies inside the doc's span; a damaged stream fails here.
    if (beyond || at >= span) pos_->Corrupt("positions beyond the document's span");
  } while (pending_gaps_ > 0 && at < bound);
  if (unary.error() || low.error()) pos_->Corrupt("truncated positions group");
  positions_ready_ = ready;
  unary_bit_ = unary.bit_position();
  low_bit_ = low.bit_position();
}

uint32_t PostingsCursor::ShallowAdvance(uint32_t target) {
  if (num_blocks_ == 0) return shallow_last_doc_ = kNoMoreDocs;
  if (skip_ == nullptr) {
    shallow_last_doc_ = target <= docs_[block_len_ - 1] ? docs_[block_len_ - 1] : kNoMoreDocs;
    shallow_impact_ = term_impact_;
    return shallow_last_doc_;
  }
  uint32_t b = std::max(shallow_block_, block_);
  while (b < num_blocks_ && BlockLastDoc(b) < target) ++b;
  shallow_block_ = b;
  if (b >= num_blocks_) return shallow_last_doc_ = kNoMoreDocs;
  shallow_impact_ = skip_ + kSkipEntryBytes * b + 12;
  return shallow_last_doc_ = BlockLastDoc(b);
}

}  // namespace loupe::index
