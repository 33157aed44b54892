// Fuzz target: text analysis. Any bytes (broken UTF-8, NUL, huge words)
// analyse without crashing, and every token lies within the input, in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "loupe/analysis.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const loupe::Analyzer analyzers[] = {loupe::Analyzer::Named("standard"), loupe::Analyzer::Named("english"),
                                              loupe::Analyzer::Named("anserini")};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const loupe::Analyzer& analyzer : analyzers) {
    loupe::TokenStream stream(analyzer);
    stream.Reset(text);
    uint32_t last_position = 0, last_end = 0;
    bool first = true;
    while (stream.Next()) {
      const loupe::Token& t = stream.token();
      // Tokens come in input order, inside the input, never empty.
      if (t.term.empty() || t.start >= t.end || t.end > size || t.start < last_end ||
          (!first && t.position <= last_position)) {
        std::abort();
      }
      last_position = t.position;
      last_end = t.end;
      first = false;
    }
  }
  return 0;
}
