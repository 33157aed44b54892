// Blocks of 128 unsigned 32-bit integers (doc-id gaps, term frequencies, positions) compressed with
// patched frame-of-reference (PFOR): every value is bit-packed at one width w, and up to 7 values that
// need more than w bits ("exceptions") keep their bits above w in a short list after the packed data,
// as Lucene's PForUtil does. The packed data uses the vertical 4-lane layout of SIMD-BP128 (D. Lemire
// and L. Boytsov, "Decoding billions of integers per second through vectorization", Software: Practice
// and Experience 45(1), 2015), so that a 128-bit vector unpacks four values per shift-and-mask; the code
// uses GCC/Clang vector extensions, which compile to SSE2 on baseline x86-64 and NEON on ARM.
//
// Block format (all multi-byte words little-endian, no alignment):
//
//   byte 0          token. Bits 0-4 are the width w (0..31) and bits 5-7 the number of exceptions
//                   e (0..7), except that token 0xFF means w = 32, e = 0. (Both fields cannot fit in
//                   8 bits; the pair it replaces, w = 31 with 7 exceptions, is never written: the
//                   encoder uses w = 32 or a narrower width instead.)
//   bytes 1..16w    packed data, w 32-bit words per lane, interleaved: word k of lane l (0..3) is
//                   at byte 1 + 16k + 4l. Value i belongs to lane i % 4, row i / 4 (0..31); each lane
//                   is a little-endian bit stream in which row r occupies bits [r*w, r*w + w), bit b
//                   of the stream being bit b % 32 of the lane's word b / 32. Holds the low w bits of
//                   every value; nothing when w = 0.
//   then e pairs    (index, high), one byte each, in increasing index order: value[index] gets
//                   `high << w` OR-ed in. index < 128, and high < 2^(32 - w).
//
// The encoded size is therefore 1 + 16w + 2e bytes, at most 513 (w = 32); a block of zeros is 1 byte.
// The encoder picks the smallest w such that at most 7 values are >= 2^w and every value is
// < 2^(w + 8); that is always the smallest encoding, because each step down in width saves 16 bytes
// and 7 exceptions cost 14.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loupe::codec {

inline constexpr size_t kBlockSize = 128;

// Largest encoded size of one block: 1 token byte + 128*32/8 packed bytes + 7 exceptions * 2 bytes.
// (A bound for sizing buffers. The format's real maximum is 513 bytes, since blocks with exceptions
// have w <= 31; see kMaxBlockBytesWritten.)
inline constexpr size_t kMaxEncodedBlockBytes = 1 + 512 + 14;
inline constexpr size_t kMaxBlockBytesWritten = 1 + 512;

// The most exceptions one block may have.
inline constexpr int kMaxExceptions = 7;

// Encodes exactly kBlockSize values (any uint32) into `out` (at least kMaxEncodedBlockBytes
// writable); returns the number of bytes written. Chooses the bit width w that minimises the size,
// allowing up to 7 "exceptions" whose bits above w are stored separately. Writes only
// out[0, returned size), so blocks can be encoded back to back into one buffer.
size_t EncodeBlock(const uint32_t* values, uint8_t* out);

// Decodes one block that starts at `in`, of which `available` bytes may be read, into
// out[0..kBlockSize). Returns the number of bytes consumed, or 0 if the bytes are not a valid
// block (an exception index >= 128, an exception with bits above bit 31, a block longer than
// `available`; a width > 32 cannot be expressed by the token). Never reads past in + available,
// never writes past out + kBlockSize, whatever the bytes are. On failure `out` holds unspecified
// values.
size_t DecodeBlock(const uint8_t* in, size_t available, uint32_t* out);

// The encoded size of the block at `in` from its token byte alone (to skip a block without decoding
// it); 0 if invalid or longer than `available`. (Exceptions are not checked: a block this accepts
// may still fail DecodeBlock.)
size_t EncodedBlockSize(const uint8_t* in, size_t available);

// Turns gaps into values in place: values[i] = base + sum_{j<=i} (gaps[j] + 1).
// (Doc ids are strictly increasing, so gaps are stored minus one.) Returns the last value, or
// `base` when n = 0. Arithmetic is modulo 2^32. `values` needs no alignment.
uint32_t PrefixSumPlusOne(uint32_t* values, size_t n, uint32_t base);

}  // namespace loupe::codec
