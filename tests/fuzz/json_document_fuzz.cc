// Fuzz target: the input readers. One JSON Lines record, or a text article,
// becomes a Document or a BadInputError naming the source and line; never a
// crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/document_reader.h"
#include "loupe/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const loupe::Document doc = loupe::ingest::ParseJsonDocument(text, "fuzz.jsonl", 1);
    if (doc.id.empty()) __builtin_trap();  // an id is required
  } catch (const loupe::BadInputError&) {
  }
  try {
    (void)loupe::ingest::ParseTextDocument("fuzz", text, "fuzz.txt");
  } catch (const loupe::BadInputError&) {
  }
  return 0;
}
