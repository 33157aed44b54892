#include "loupe/schema.h"

#include <simdjson.h>

#include <algorithm>
#include <set>

#include "loupe/error.h"
#include "util/name_set.h"

namespace loupe {

namespace {

void CheckFieldName(const std::string& name) {
  const bool control = std::any_of(name.begin(), name.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
  if (name.empty() || name == "id" || name.find_first_of(" \t\n:\"\\") != std::string::npos || control) {
    throw InvalidArgumentError("invalid field name '" + name +
                               "' (empty, 'id', or containing spaces, ':', quotes, backslashes or control characters)");
  }
}

// A source given twice would count its words twice. Checked when a schema
// is made, not when one is read: an index made before this check stays open.
void CheckSourcesDistinct(const std::string& field, const std::vector<std::string>& sources) {
  for (size_t i = 0; i < sources.size(); ++i) {
    if (std::find(sources.begin(), sources.begin() + static_cast<long>(i), sources[i]) != sources.begin() + static_cast<long>(i)) {
      throw InvalidArgumentError("field '" + field + "' names the source '" + sources[i] + "' twice");
    }
  }
}

std::optional<ScalarType> ScalarTypeFromName(std::string_view name) {
  if (name == "keyword") return ScalarType::kKeyword;
  if (name == "date") return ScalarType::kDate;
  if (name == "integer") return ScalarType::kInteger;
  if (name == "stored") return ScalarType::kStored;
  return std::nullopt;
}

}  // namespace

const char* ScalarTypeName(ScalarType type) {
  switch (type) {
    case ScalarType::kKeyword: return "keyword";
    case ScalarType::kDate: return "date";
    case ScalarType::kInteger: return "integer";
    case ScalarType::kStored: return "stored";
  }
  return "stored";
}

Schema Schema::Default(std::string_view analyzer) {
  Schema s;
  s.AddTextField("title", {"title"}, analyzer, 2.0f);
  s.AddTextField("body", {"body"}, analyzer, 1.0f);
  return s;
}

Schema& Schema::AddTextField(std::string name, std::vector<std::string> sources, std::string_view analyzer,
                             float weight) {
  const Analyzer a = Analyzer::Named(analyzer);
  CheckSourcesDistinct(name, sources);
  text_fields.push_back({std::move(name), std::move(sources), a.name(), a.config(), weight});
  try {
    Validate();
  } catch (...) {
    text_fields.pop_back();
    throw;
  }
  return *this;
}

Schema& Schema::AddScalarField(std::string name, ScalarType type, bool stored) {
  scalar_fields.push_back({std::move(name), type, stored});
  try {
    Validate();
  } catch (...) {
    scalar_fields.pop_back();
    throw;
  }
  return *this;
}

const ScalarField* Schema::FindScalar(std::string_view name) const {
  for (const ScalarField& f : scalar_fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool Schema::IsTextSource(std::string_view name) const {
  for (const TextField& f : text_fields) {
    for (const std::string& s : f.sources) {
      if (s == name) return true;
    }
  }
  return false;
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
  util::NameSet names;  // every field's, text and scalar: linear, not quadratic in their number
  for (size_t i = 0; i < text_fields.size(); ++i) {
    const TextField& f = text_fields[i];
    CheckFieldName(f.name);
    if (f.sources.empty()) throw InvalidArgumentError("field '" + f.name + "' has no source fields");
    for (const std::string& s : f.sources) {
      if (s.empty() || s == "id") throw InvalidArgumentError("field '" + f.name + "' has an invalid source '" + s + "'");
    }
    if (!(f.weight > 0 && f.weight < 1e6)) {
      throw InvalidArgumentError("the weight of field '" + f.name + "' must be a positive number below 10^6");
    }
    if (!names.Insert(f.name)) throw InvalidArgumentError("field '" + f.name + "' is defined twice");
    Analyzer(f.analyzer_name, f.analyzer);  // throws if the configuration is invalid
  }
  if (scalar_fields.size() > 10000) throw InvalidArgumentError("a schema may have at most 10,000 scalar fields");
  for (size_t i = 0; i < scalar_fields.size(); ++i) {
    const ScalarField& f = scalar_fields[i];
    CheckFieldName(f.name);
    if (!names.Insert(f.name)) {
      throw InvalidArgumentError(Find(f.name) != nullptr ? "field '" + f.name + "' is both a text field and a scalar field"
                                                         : "field '" + f.name + "' is defined twice");
    }
    if (f.type == ScalarType::kStored && !f.stored) {
      throw InvalidArgumentError("field '" + f.name + "' is neither stored nor kept in a column");
    }
  }
}

Schema Schema::FromJson(std::string_view json, const Schema& base) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    throw InvalidArgumentError(std::string("schema: not valid JSON (") + simdjson::error_message(error) + ")");
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) throw InvalidArgumentError("schema: expected a JSON object");
  Schema schema = base;
  bool text_replaced = false;
  // JSON allows a key twice; a schema that does is a mistake to report, not
  // a choice of one of them to make silently.
  const auto once = [](std::set<std::string, std::less<>>& seen, std::string_view key, const std::string& what) {
    if (!seen.emplace(key).second) throw InvalidArgumentError(what + "\"" + std::string(key) + "\" is given twice");
  };
  std::set<std::string, std::less<>> top_keys;
  for (auto [key, value] : object) {
    once(top_keys, key, "schema: ");
    if (key == "infer") {
      if (value.get_bool().get(schema.infer_scalar_fields)) throw InvalidArgumentError("schema: \"infer\" must be true or false");
      continue;
    }
    if (key != "fields") throw InvalidArgumentError("schema: unknown key \"" + std::string(key) + "\" (expected \"fields\", \"infer\")");
    simdjson::dom::object fields;
    if (value.get_object().get(fields)) throw InvalidArgumentError("schema: \"fields\" must be an object");
    std::set<std::string, std::less<>> field_names;
    for (auto [name_view, spec] : fields) {
      const std::string name(name_view);
      once(field_names, name, "schema: field ");
      const std::string where = "schema: field '" + name + "': ";
      std::set<std::string, std::less<>> option_keys;
      simdjson::dom::object spec_object;
      if (!spec.get_object().get(spec_object)) {
        for (auto [k, v] : spec_object) once(option_keys, k, where + "option ");
      }
      std::string_view type_name;
      simdjson::dom::object options;
      const bool short_form = !spec.get_string().get(type_name);
      if (!short_form) {
        if (spec.get_object().get(options)) throw InvalidArgumentError(where + "expected a type name or an object");
        if (options["type"].get_string().get(type_name)) throw InvalidArgumentError(where + "needs a \"type\"");
      }
      if (type_name == "text") {
        std::vector<std::string> sources;
        std::string_view analyzer = "english";
        double weight = 1.0;
        if (!short_form) {
          for (auto [k, v] : options) {
            if (k == "type") continue;
            if (k == "sources") {
              simdjson::dom::array list;
              if (v.get_array().get(list)) throw InvalidArgumentError(where + "\"sources\" must be an array of strings");
              for (simdjson::dom::element item : list) {
                std::string_view s;
                if (item.get_string().get(s)) throw InvalidArgumentError(where + "\"sources\" must be an array of strings");
                sources.emplace_back(s);
              }
              if (sources.empty()) throw InvalidArgumentError(where + "\"sources\" must name at least one input field");
              CheckSourcesDistinct(name, sources);
            } else if (k == "analyzer") {
              if (v.get_string().get(analyzer)) throw InvalidArgumentError(where + "\"analyzer\" must be a string");
            } else if (k == "weight") {
              if (v.get_double().get(weight)) throw InvalidArgumentError(where + "\"weight\" must be a number");
            } else {
              throw InvalidArgumentError(where + "unknown option \"" + std::string(k) + "\" for a text field");
            }
          }
        }
        if (sources.empty()) sources.push_back(name);
        if (!text_replaced) {
          schema.text_fields.clear();
          text_replaced = true;
        }
        try {
          schema.text_fields.push_back({name, sources, "", {}, static_cast<float>(weight)});
          const Analyzer a = Analyzer::Named(analyzer);
          schema.text_fields.back().analyzer_name = a.name();
          schema.text_fields.back().analyzer = a.config();
        } catch (const InvalidArgumentError& e) {
          throw InvalidArgumentError(where + e.what());
        }
        continue;
      }
      const std::optional<ScalarType> type = ScalarTypeFromName(type_name);
      if (!type) {
        throw InvalidArgumentError(where + "unknown type \"" + std::string(type_name) +
                                   "\" (expected text, keyword, date, integer or stored)");
      }
      bool stored = true;
      if (!short_form) {
        for (auto [k, v] : options) {
          if (k == "type") continue;
          if (k != "stored" || v.get_bool().get(stored)) {
            throw InvalidArgumentError(where + "unknown or malformed option \"" + std::string(k) + "\"");
          }
        }
      }
      std::erase_if(schema.scalar_fields, [&](const ScalarField& f) { return f.name == name; });
      schema.scalar_fields.push_back({name, *type, stored});
    }
  }
  try {
    schema.Validate();
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError(std::string("schema: ") + e.what());
  }
  return schema;
}

}  // namespace loupe
