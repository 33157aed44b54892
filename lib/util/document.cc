#include "loupe/document.h"

namespace loupe {

const FieldValue* Document::Find(std::string_view name) const {
  for (const Field& f : fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

std::string_view Document::Text(std::string_view name) const {
  const FieldValue* v = Find(name);
  if (v == nullptr) return {};
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return {};
}

}  // namespace loupe
