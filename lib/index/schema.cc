#include "loupe/schema.h"

#include "loupe/error.h"

namespace loupe {

Schema Schema::Default(std::string_view analyzer) {
  Schema s;
  s.AddTextField("title", {"title"}, analyzer, 2.0f);
  s.AddTextField("body", {"body"}, analyzer, 1.0f);
  return s;
}

Schema& Schema::AddTextField(std::string name, std::vector<std::string> sources, std::string_view analyzer,
                             float weight) {
  const Analyzer a = Analyzer::Named(analyzer);
  text_fields.push_back({std::move(name), std::move(sources), a.name(), a.config(), weight});
  try {
    Validate();
  } catch (...) {
    text_fields.pop_back();
    throw;
  }
  return *this;
}

const TextField* Schema::Find(std::string_view name) const {
  for (const TextField& f : text_fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

void Schema::Validate() const {
  if (text_fields.empty()) throw InvalidArgumentError("a schema needs at least one text field");
  if (text_fields.size() > 250) throw InvalidArgumentError("a schema may have at most 250 text fields");
  for (size_t i = 0; i < text_fields.size(); ++i) {
    const TextField& f = text_fields[i];
    if (f.name.empty() || f.name == "id" || f.name.find_first_of(" \t\n:\"") != std::string::npos) {
      throw InvalidArgumentError("invalid field name '" + f.name +
                                 "' (empty, 'id', or containing spaces, ':' or quotes)");
    }
    if (f.sources.empty()) throw InvalidArgumentError("field '" + f.name + "' has no source fields");
    for (const std::string& s : f.sources) {
      if (s.empty() || s == "id") throw InvalidArgumentError("field '" + f.name + "' has an invalid source '" + s + "'");
    }
    if (!(f.weight > 0 && f.weight < 1e6)) throw InvalidArgumentError("field '" + f.name + "' needs a positive weight");
    for (size_t j = 0; j < i; ++j) {
      if (text_fields[j].name == f.name) throw InvalidArgumentError("field '" + f.name + "' is defined twice");
    }
    Analyzer(f.analyzer_name, f.analyzer);  // throws if the configuration is invalid
  }
}

}  // namespace loupe
