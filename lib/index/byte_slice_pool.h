// Growable byte streams packed into large blocks: the in-memory postings of
// the indexer. A stream starts as an 8-byte slice; when full it continues in a
// slice twice as large, whose address is written into the last four bytes of
// the full one. Millions of short streams (one per term) thus cost a few
// bytes each instead of one heap allocation each. (The design of Lucene's
// ByteBlockPool.)
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace loupe::index {

class ByteSlicePool {
 public:
  static constexpr uint32_t kBlockBits = 16;
  static constexpr uint32_t kBlockSize = 1u << kBlockBits;
  static constexpr uint32_t kFirstLevel = 0;
  static constexpr uint32_t kLastLevel = 10;  // slices of 8 KiB at most

  static constexpr uint32_t SliceSize(uint32_t level) { return 8u << level; }

  struct Stream {
    uint32_t start = 0;  // address of the first slice
    uint32_t write = 0;  // address of the next byte
    uint32_t end = 0;    // address of the forward pointer of the current slice
    uint8_t level = 0;
  };

  Stream NewStream() {
    const uint32_t start = Allocate(SliceSize(0));
    return {start, start, start + SliceSize(0) - 4, 0};
  }

  void WriteByte(Stream& s, uint8_t byte) {
    if (s.write == s.end) NextSlice(s);
    *At(s.write++) = byte;
  }

  void WriteVarint(Stream& s, uint32_t v) {
    while (v >= 0x80) {
      WriteByte(s, static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    WriteByte(s, static_cast<uint8_t>(v));
  }

  // Reads a stream back from its start to its write position.
  class Reader {
   public:
    Reader(const ByteSlicePool& pool, const Stream& s)
        : pool_(pool), pos_(s.start), end_(s.start + SliceSize(0) - 4), stop_(s.write) {}
    bool done() const { return pos_ == stop_; }
    uint8_t ReadByte() {
      if (pos_ == end_) {
        std::memcpy(&pos_, pool_.At(end_), 4);
        level_ = level_ < kLastLevel ? level_ + 1 : kLastLevel;
        end_ = pos_ + SliceSize(level_) - 4;
      }
      return *pool_.At(pos_++);
    }
    uint32_t ReadVarint() {
      uint32_t v = 0;
      for (int shift = 0;; shift += 7) {
        const uint8_t b = ReadByte();
        v |= static_cast<uint32_t>(b & 0x7F) << shift;
        if (b < 0x80) return v;
      }
    }

   private:
    const ByteSlicePool& pool_;
    uint32_t pos_;
    uint32_t end_;
    uint32_t stop_;
    uint32_t level_ = 0;
  };

  size_t memory_bytes() const { return blocks_.size() * size_t{kBlockSize}; }

 private:
  uint8_t* At(uint32_t address) const {
    return blocks_[address >> kBlockBits].get() + (address & (kBlockSize - 1));
  }

  uint32_t Allocate(uint32_t size) {
    if (blocks_.empty() || used_ + size > kBlockSize) {
      // Addresses are 32-bit; the writer flushes long before 4 GiB.
      if (blocks_.size() >= (size_t{1} << (32 - kBlockBits))) throw std::length_error("slice pool full");
      // Not zeroed: every byte is written before it is read.
      blocks_.push_back(std::unique_ptr<uint8_t[]>(new uint8_t[kBlockSize]));
      used_ = 0;
    }
    const uint32_t address = static_cast<uint32_t>((blocks_.size() - 1) << kBlockBits) + used_;
    used_ += size;
    return address;
  }

  void NextSlice(Stream& s) {
    const uint32_t level = s.level < kLastLevel ? s.level + 1u : kLastLevel;
    const uint32_t next = Allocate(SliceSize(level));
    std::memcpy(At(s.end), &next, 4);
    s.write = next;
    s.end = next + SliceSize(level) - 4;
    s.level = static_cast<uint8_t>(level);
  }

  std::vector<std::unique_ptr<uint8_t[]>> blocks_;
  uint32_t used_ = 0;
};

}  // namespace loupe::index
