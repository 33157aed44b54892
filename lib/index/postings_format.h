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
// .post, for a term with doc_freq >= 2, at the offset the dictionary gives:
//   impact of the whole term              4 bytes (index/impact.h)
//   skip table, when there are >= 2 blocks: one 16-byte entry per block
//     u32 last doc id of the block
//     u32 offset of the block in .post
//     u32 offset of the block's positions in .pos (0 without positions)
//     4   impact of the block
//   blocks, in order
//     full block: PFOR(doc gaps - 1) [PFOR(freqs - 1)]
//     last block (< 128 docs): per doc varint((gap - 1) << 1 | (freq == 1))
//                              [varint(freq) when freq != 1], or, without
//                              frequencies, varint(gap - 1)
//   The first gap of a block is counted from the last doc of the block before
//   (or from -1 for the first block).
//
// .pos, per block of docs, the positions of all its docs in doc order: each
// doc's first position, then the gaps between its positions minus one; the
// values in chunks of 128, PFOR-compressed, the last partial chunk of the
// block varint-coded.
//
// Offsets are u32, so a segment's .post and .pos data must end below 4 GiB:
// the writer flushes in-memory segments at 3 GiB, and AddTerm refuses to go
// past the limit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/block_codec.h"
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
  // `lengths[doc]` is the field's length in each document (for impacts);
  // `pos` may be null when the field has no positions.
  PostingsWriter(store::CheckedWriter* post, store::CheckedWriter* pos, IndexOptions options,
                 const uint32_t* lengths, double average_length);

  // One term: `docs` strictly increasing, `freqs[i] >= 1`, `positions` the
  // concatenation of each doc's freqs[i] strictly increasing positions.
  TermInfo AddTerm(const uint32_t* docs, const uint32_t* freqs, const uint32_t* positions, uint32_t n);

 private:
  void EncodePositions(const uint32_t* freqs, const uint32_t* positions, uint32_t n);

  store::CheckedWriter* post_;
  store::CheckedWriter* pos_;
  IndexOptions options_;
  const uint32_t* lengths_;
  double average_length_;
  ImpactBuilder impacts_;
  std::string blocks_;     // the term's encoded blocks, written after its skip table
  std::string skip_;       // its skip table
  std::string pos_buffer_;
  std::vector<uint32_t> scratch_;
};

// Reads the postings of one term. Cursors follow one protocol: doc() is the
// current document, or kNoMoreDocs past the end; Next() and Advance(target)
// move forward only. Not thread-safe; cheap to create.
class PostingsCursor {
 public:
  static constexpr uint32_t kNoMoreDocs = 0xFFFFFFFFu;

  PostingsCursor() = default;
  // `post` and `pos` must outlive the cursor; `pos` may be null.
  void Reset(const store::CheckedFile* post, const store::CheckedFile* pos, IndexOptions options,
             const TermInfo& info, uint32_t max_doc);

  uint32_t doc() const { return doc_; }
  uint32_t doc_freq() const { return doc_freq_; }
  uint32_t Next();
  // Moves to the first doc >= target (never backwards).
  uint32_t Advance(uint32_t target);
  uint32_t freq();
  // Positions of the current doc (freq() of them), valid until the cursor moves.
  const uint32_t* Positions();

  // Block-max support. The block that would contain `target` (without
  // decoding it): its last doc and impact. Returns kNoMoreDocs as last doc
  // when target is past the end.
  uint32_t ShallowAdvance(uint32_t target);
  uint32_t shallow_last_doc() const { return shallow_last_doc_; }
  const uint8_t* shallow_impact() const { return shallow_impact_; }
  const uint8_t* term_impact() const { return term_impact_; }

 private:
  void LoadBlock(uint32_t block);
  void DecodeFreqs();
  void DecodePositions();
  uint32_t BlockLastDoc(uint32_t block) const;
  [[noreturn]] void Corrupt(const std::string& what) const;

  const store::CheckedFile* post_ = nullptr;
  const store::CheckedFile* pos_ = nullptr;
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
  bool positions_ready_ = false;
  uint64_t positions_at_ = 0;

  uint32_t shallow_block_ = 0;
  uint32_t shallow_last_doc_ = 0;
  const uint8_t* shallow_impact_ = nullptr;

  alignas(64) uint32_t docs_[kPostingsBlock];
  alignas(64) uint32_t freqs_[kPostingsBlock];
  std::vector<uint32_t> positions_;       // all positions of the block
  std::vector<uint32_t> position_starts_; // per doc of the block, index into positions_
};

}  // namespace loupe::index
