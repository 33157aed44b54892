// Postings and positions of one segment: the .post and .pos files.
//
// A term's postings (documents in increasing order, with frequencies) are cut
// into blocks of 128. Full blocks are PFOR-compressed (codec/block_codec.h):
// the doc-id gaps minus one, then, for fields with frequencies, the
// frequencies minus one. The last, partial block is varint-coded. A term found
// in a single document has no .post entry (the term dictionary holds its doc
// and frequency), and no .pos entry either when it occurs once (the
// dictionary holds the position); with frequency >= 2 its positions are in
// .pos as a group of one document.
//
// .post, for a term with doc_freq >= 2, at the offset the dictionary gives
// (the term's "header"):
//   impact of the whole term              4 bytes (index/impact.h)
//   then, with one block: the block
//   or, with >= 2 blocks, the skip table, one 16-byte entry per block:
//     u32 last doc id of the block
//     u32 offset of the block in .post
//     u32 offset of the block's positions in .pos (0 without positions)
//     4   impact of the block
//   and the blocks themselves come before the header, in order (the writer
//   streams them as they fill, so a term of any length takes one block of
//   memory). A block:
//     full block: PFOR(doc gaps - 1) [PFOR(freqs - 1)]
//     last block (< 128 docs): per doc varint((gap - 1) << 1 | (freq == 1))
//                              [varint(freq) when freq != 1], or, without
//                              frequencies, varint(gap - 1)
//   The first gap of a block is counted from the last doc of the block before
//   (or from -1 for the first block).
//
// .pos, per block of docs, the positions of its docs (a "group"). For a doc
// whose position span in the field is S (stored in .lens) and with
// frequency f: its first position in FirstPositionBits(S) bits, then each
// following position as the gap to the previous one minus one, Golomb-Rice-
// coded with parameter RiceParameter(S, f). Both widths come from what the
// reader already knows (S, f) instead of being stored: positions are nearly
// uniform over a document, and this comes within a few percent of the
// entropy of that model: on English Wikipedia about 10.9 bits a position,
// against 12.9 for PFOR over blocks of mixed documents.
// The group keeps the three kinds of bits apart, each a bit stream
// (codec/bit_stream.h) padded to a whole byte:
//   varint bytes of the first-position stream, varint bytes of the unary
//   stream, first positions (all docs), the unary parts of all gaps, the low
//   bits of all gaps.
// so that a phrase query can pass over the documents of a block it does not
// need without decoding them: their bit counts follow from S and f alone,
// and their unary parts from a popcount.
//
// Offsets are u32, so a segment's .post and .pos data must end below 4 GiB:
// the writer flushes in-memory segments at 3 GiB, and AddTerm refuses to go
// past the limit.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "codec/block_codec.h"
#include "codec/packed_ints.h"
#include "index/impact.h"
#include "store/checked_file.h"

namespace loupe::index {

inline constexpr uint32_t kPostingsBlock = 128;
inline constexpr size_t kSkipEntryBytes = 16;
// Offsets in .post/.pos are 32-bit: files must stay below this size.
inline constexpr uint64_t kMaxPostingsFileBytes = (uint64_t{1} << 32) - 1;

enum class IndexOptions : uint8_t {
  kDocs = 0,          // doc ids only (ids, keywords)
  kFreqs = 1,         // doc ids and term frequencies
  kPositions = 2,     // doc ids, frequencies and positions (text)
};

inline bool HasFreqs(IndexOptions o) { return o != IndexOptions::kDocs; }
inline bool HasPositions(IndexOptions o) { return o == IndexOptions::kPositions; }

// Bits of a doc's first position: enough for any value below its span S
// (0 for S <= 1).
inline uint32_t FirstPositionBits(uint32_t span) {
  return static_cast<uint32_t>(std::bit_width(span - (span > 0 ? 1u : 0u)));
}

// The Rice parameter for the gaps of a doc's positions: log2 of 0.69 times
// S / f, the mean gap of f positions spread over S (0.69 x mean is the
// optimum for geometric gaps); the largest k with f * 100 * 2^k <= S * 69,
// or 0 when there is none, in integers so that writer and reader agree on
// every platform. Without branches: a phrase query computes it for every
// document its cursors pass over.
inline uint32_t RiceParameter(uint32_t span, uint32_t freq) {
  const uint64_t a = static_cast<uint64_t>(span) * 69;
  const uint64_t b = static_cast<uint64_t>(freq) * 100;
  // b << k stays below 2^bit_width(a) <= 2^39: no overflow.
  int k = std::max(static_cast<int>(std::bit_width(a)) - static_cast<int>(std::bit_width(b)), 0);
  k -= static_cast<int>((b << k) > a) & static_cast<int>(k > 0);
  return static_cast<uint32_t>(k);
}

// Where a term's postings are (from the term dictionary).
struct TermInfo {
  uint32_t doc_freq = 0;
  uint64_t postings_offset = 0;   // .post, when doc_freq >= 2
  uint64_t positions_offset = 0;  // .pos, when positions are stored there
  // A term in one document is kept entirely in the dictionary.
  uint32_t single_doc = 0;
  uint32_t single_freq = 0;
  uint32_t single_position = 0;   // when single_freq == 1 and positions are kept

  bool positions_inline() const { return doc_freq == 1 && single_freq == 1; }
};

// Writes the postings of one field's terms, term after term.
class PostingsWriter {
 public:
  // `lengths[doc]` is the field's length in each document (for impacts),
  // `spans[doc]` its position span (for positions); `pos` and `spans` may be
  // null when the field has no positions.
  PostingsWriter(store::CheckedWriter* post, store::CheckedWriter* pos, IndexOptions options,
                 const uint32_t* lengths, const uint32_t* spans, double average_length);

  // One term, streamed: StartTerm(), AddDoc() for each of its docs in
  // increasing order (freq >= 1; `positions` freq strictly increasing
  // positions, or null without positions), FinishTerm(). Memory: one block.
  void StartTerm();
  void AddDoc(uint32_t doc, uint32_t freq, const uint32_t* positions);
  TermInfo FinishTerm();

  // A whole term at once: `docs` strictly increasing, `freqs[i] >= 1`,
  // `positions` the concatenation of each doc's freqs[i] positions.
  TermInfo AddTerm(const uint32_t* docs, const uint32_t* freqs, const uint32_t* positions, uint32_t n);

 private:
  struct EncodedBlock {
    std::string postings;
    std::string positions;
    uint32_t last_doc = 0;
    uint8_t impact[kImpactBytes] = {};
  };
  void EncodeBlock(EncodedBlock* out);
  void EncodePositions(const uint32_t* docs, const uint32_t* freqs, const uint32_t* positions, uint32_t n,
                       std::string* out);
  void WriteBlock(const EncodedBlock& block);

  store::CheckedWriter* post_;
  store::CheckedWriter* pos_;
  IndexOptions options_;
  const uint32_t* lengths_;
  const uint32_t* spans_;
  double average_length_;
  ImpactBuilder impacts_;
  ImpactBuilder term_impacts_;  // from the block impacts' corners
  // The open block.
  uint32_t docs_[kPostingsBlock];
  uint32_t freqs_[kPostingsBlock];
  std::vector<uint32_t> positions_;
  uint32_t in_block_ = 0;
  // The term so far.
  uint32_t doc_freq_ = 0;
  uint32_t blocks_ = 0;
  int64_t last_doc_ = -1;  // of the previous block
  EncodedBlock first_;     // held until a second block shows the term needs a skip table
  EncodedBlock scratch_;
  std::string skip_;
  std::string firsts_buffer_, unary_buffer_, low_buffer_;
};

// Reads the postings of one term. Cursors follow one protocol: doc() is the
// current document, or kNoMoreDocs past the end; Next() and Advance(target)
// move forward only. Not thread-safe; cheap to create.
class PostingsCursor {
 public:
  static constexpr uint32_t kNoMoreDocs = 0xFFFFFFFFu;

  PostingsCursor() = default;
  // `post`, `pos` and `spans` must outlive the cursor; `pos` and `spans`
  // may be null for a field without positions.
  void Reset(const store::CheckedFile* post, const store::CheckedFile* pos, const uint32_t* spans,
             IndexOptions options, const TermInfo& info, uint32_t max_doc);

  uint32_t doc() const { return doc_; }
  uint32_t doc_freq() const { return doc_freq_; }
  uint32_t Next() {
    if (++index_ < block_len_) return doc_ = docs_[index_];
    return NextBlock();
  }
  // Moves to the first doc >= target (never backwards).
  uint32_t Advance(uint32_t target) {
    if (doc_ >= target) return doc_;
    if (target > docs_[block_len_ - 1]) return AdvanceBlocks(target);
    return doc_ = docs_[index_ = SearchBlock(target)];
  }
  uint32_t freq();
  // Positions of the current doc (freq() of them), valid until the cursor moves.
  const uint32_t* Positions() {
    uint32_t count;
    return PositionsThrough(UINT32_MAX, &count);
  }
  // A prefix of the current doc's positions that holds every one <= bound:
  // decoding stops at the first position >= bound (or at the last one), and
  // *count says how many are valid. A phrase query needs a frequent term's
  // positions only up to the last place the rarer terms allow, so it stops
  // early; the rest are passed over (or decoded by a later call with a
  // higher bound) as if skipped. Valid until the cursor moves.
  const uint32_t* PositionsThrough(uint32_t bound, uint32_t* count) {
    if (positions_index_ != index_) StartCurrentPositions();
    if (pending_gaps_ > 0 && positions_[positions_ready_ - 1] < bound) ContinuePositions(bound);
    *count = positions_ready_;
    return positions_.data();
  }
  // Tells the cursor that Positions() will be asked for in most blocks it
  // loads (phrase queries): it then starts fetching a block's positions from
  // memory when it loads the block, so the fetch overlaps the conjunction's
  // work instead of stalling the first Positions() call. Until Reset().
  void PrefetchPositions();

  // Block-max support. The block that would contain `target` (without
  // decoding it): its last doc and impact. Returns kNoMoreDocs as last doc
  // when target is past the end.
  uint32_t ShallowAdvance(uint32_t target);
  uint32_t shallow_last_doc() const { return shallow_last_doc_; }
  const uint8_t* shallow_impact() const { return shallow_impact_; }
  const uint8_t* term_impact() const { return term_impact_; }

 private:
  void LoadBlock(uint32_t block);
  uint32_t NextBlock();
  uint32_t AdvanceBlocks(uint32_t target);
  // The index of the first doc >= target in the loaded block, from index_
  // (the block's last doc is >= target): the next 8 docs at once, a short
  // scan, then a binary search. (A binary search without branches from
  // index_ measured 10% slower on phrase queries: most targets are a few
  // docs ahead.)
  uint32_t SearchBlock(uint32_t target) const {
    uint32_t i = index_;
#if defined(__SSE2__)
    // The next 8 docs compared at once: the docs below target form a prefix
    // (docs are sorted), so the first one at or above it is where the mask
    // of "below" first has a zero. No branch per doc to mispredict; docs
    // past block_len_ are stale but come after the answer (the block's last
    // doc is >= target).
    if (i + 8 <= kPostingsBlock) {
      const __m128i bias = _mm_set1_epi32(INT32_MIN);
      const __m128i t = _mm_xor_si128(_mm_set1_epi32(static_cast<int>(target)), bias);
      const __m128i lo = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(docs_ + i)), bias);
      const __m128i hi = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(docs_ + i + 4)), bias);
      const auto below = static_cast<uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(t, lo))) |
                                               _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(t, hi))) << 4);
      if (below != 0xFF) return i + static_cast<uint32_t>(std::countr_one(below));
      i += 8;
    }
#endif
    for (const uint32_t stop = std::min(i + 8, block_len_); i < stop; ++i) {
      if (docs_[i] >= target) return i;
    }
    uint32_t lo = i, hi = block_len_ - 1;  // docs_[hi] >= target
    while (lo < hi) {
      const uint32_t mid = (lo + hi) / 2;
      if (docs_[mid] < target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
  void DecodeFreqs();
  // Skips the positions of the block's docs before index_ (and the rest of
  // a doc left partly decoded) and decodes index_'s first position
  // (positions are asked for in doc order).
  void StartCurrentPositions();
  // Decodes more of the current doc's gaps, a chunk at a time, until a
  // position >= bound or the last one.
  void ContinuePositions(uint32_t bound);
  void OpenPositionsGroup();
  void PrefetchGroup() const;
  uint32_t BlockLastDoc(uint32_t block) const;
  [[noreturn]] void Corrupt(const std::string& what) const;

  const store::CheckedFile* post_ = nullptr;
  const store::CheckedFile* pos_ = nullptr;
  const uint32_t* spans_ = nullptr;  // max_doc_ of them
  IndexOptions options_ = IndexOptions::kDocs;
  uint32_t max_doc_ = 0;
  uint32_t doc_freq_ = 0;
  uint32_t num_blocks_ = 0;
  const uint8_t* skip_ = nullptr;       // skip table (num_blocks_ >= 2)
  const uint8_t* first_block_ = nullptr;
  uint64_t first_positions_ = 0;
  const uint8_t* term_impact_ = nullptr;
  uint8_t single_impact_[kImpactBytes] = {};

  // Current block.
  uint32_t block_ = 0;
  uint32_t block_len_ = 0;
  uint32_t index_ = 0;  // in the block
  uint32_t doc_ = kNoMoreDocs;
  const uint8_t* freqs_at_ = nullptr;  // undecoded frequencies of the block
  bool freqs_ready_ = false;
  bool prefetch_positions_ = false;
  uint64_t positions_at_ = 0;          // offset of the block's positions in .pos
  uint32_t positions_decoded_ = 0;     // docs of the block passed (decoded or skipped)
  // Where the next doc's bits are in the group's three streams.
  const uint8_t* firsts_ = nullptr;
  const uint8_t* unary_ = nullptr;
  const uint8_t* low_ = nullptr;
  uint64_t firsts_bit_ = 0;
  uint64_t unary_bit_ = 0;
  uint64_t low_bit_ = 0;
  uint32_t positions_index_ = kNoMoreDocs;  // index_ whose positions are in positions_
  uint32_t positions_ready_ = 0;            // how many of them are decoded
  uint32_t pending_gaps_ = 0;               // its gaps not yet decoded
  uint32_t pending_rice_ = 0;               // their Rice parameter
  uint32_t pending_span_ = 0;               // its span (to check what is decoded)

  uint32_t shallow_block_ = 0;
  uint32_t shallow_last_doc_ = 0;
  const uint8_t* shallow_impact_ = nullptr;

  alignas(64) uint32_t docs_[kPostingsBlock] = {};  // initialised: SearchBlock reads past block_len_
  alignas(64) uint32_t freqs_[kPostingsBlock];
  std::vector<uint32_t> positions_;  // positions of the current doc (a prefix of it)
  std::vector<uint32_t> gap_lows_;   // scratch: low bits of its gaps
};

}  // namespace loupe::index
