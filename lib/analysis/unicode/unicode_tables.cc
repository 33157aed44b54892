#include "analysis/unicode/unicode_tables.h"

#include <algorithm>
#include <iterator>

namespace loupe::analysis {
namespace unicode_data {
namespace {

struct MappingEntry {
  uint32_t code_point;
  uint32_t offset;
  uint32_t length;
};

#include "loupe_unicode_tables.inc"

template <size_t N>
std::string_view Lookup(const MappingEntry (&entries)[N], const unsigned char* pool, char32_t c) {
  const MappingEntry* it = std::lower_bound(
      std::begin(entries), std::end(entries), c,
      [](const MappingEntry& e, char32_t cp) { return e.code_point < cp; });
  if (it == std::end(entries) || it->code_point != c) return {};
  return {reinterpret_cast<const char*>(pool) + it->offset, it->length};
}

}  // namespace

const uint16_t* const kClassStage1Ptr = kClassStage1;
const uint8_t* const kClassStage2Ptr = kClassStage2;
const int kBlockBitsValue = kBlockBits;

}  // namespace unicode_data

std::string_view FoldMapping(char32_t c) {
  return unicode_data::Lookup(unicode_data::kFoldEntries, unicode_data::kFoldPool, c);
}

std::string_view LowerMapping(char32_t c) {
  return unicode_data::Lookup(unicode_data::kLowerEntries, unicode_data::kLowerPool, c);
}

std::string_view TablesUnicodeVersion() { return unicode_data::kUnicodeVersion; }

}  // namespace loupe::analysis
