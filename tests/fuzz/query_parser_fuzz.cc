// Fuzz target: the query language. Any text either parses (and its canonical
// form parses again to the same query) or is a QuerySyntaxError; never a
// crash, a hang or a stack overflow, however deep the nesting.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "loupe/error.h"
#include "loupe/query.h"
#include "loupe/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const loupe::Schema schema = loupe::Schema::Default();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool default_and : {false, true}) {
    loupe::QueryParseOptions options;
    options.default_and = default_and;
    try {
      const loupe::QueryPtr query = loupe::ParseQuery(text, schema, options);
      (void)query->ToString();
    } catch (const loupe::QuerySyntaxError&) {
    }
  }
  try {
    (void)loupe::BagOfWordsQuery(text, schema, false);
    (void)loupe::PhraseTextQuery(text, schema);
  } catch (const loupe::QuerySyntaxError&) {
  }
  return 0;
}
