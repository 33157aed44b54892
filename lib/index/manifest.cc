#include "index/manifest.h"

#include <simdjson.h>

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "index/format.h"
#include "loupe/error.h"
#include "loupe/version.h"
#include "util/json_writer.h"

namespace loupe::index {
namespace {

using simdjson::dom::element;

std::string Hex64(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

const char* OptionsName(IndexOptions o) {
  switch (o) {
    case IndexOptions::kDocs: return "docs";
    case IndexOptions::kFreqs: return "freqs";
    case IndexOptions::kPositions: return "positions";
  }
  return "docs";
}

const char* NormalizationName(Normalization n) {
  switch (n) {
    case Normalization::kNone: return "none";
    case Normalization::kLowercase: return "lowercase";
    case Normalization::kFold: return "fold";
  }
  return "fold";
}

void WriteSchema(util::JsonWriter& w, const Schema& schema) {
  w.BeginObject().Key("text_fields").BeginArray();
  for (const TextField& f : schema.text_fields) {
    w.BeginObject().Key("name").String(f.name).Key("sources").BeginArray();
    for (const auto& s : f.sources) w.String(s);
    w.EndArray();
    w.Key("weight").Float(f.weight);
    w.Key("analyzer").BeginObject()
        .Key("name").String(f.analyzer_name)
        .Key("normalization").String(NormalizationName(f.analyzer.normalization))
        .Key("english_possessives").Bool(f.analyzer.english_possessives)
        .Key("join_acronyms").Bool(f.analyzer.join_acronyms)
        .Key("stop_words").String(f.analyzer.stop_words == StopWords::kClassicEnglish ? "classic_english" : "none")
        .Key("stemmer").String(f.analyzer.stemmer)
        .Key("max_token_length").Uint(f.analyzer.max_token_length)
        .EndObject();
    w.EndObject();
  }
  w.EndArray().Key("scalar_fields").BeginArray();
  for (const ScalarField& f : schema.scalar_fields) {
    w.BeginObject().Key("name").String(f.name).Key("type").String(ScalarTypeName(f.type)).Key("stored").Bool(f.stored);
    w.EndObject();
  }
  w.EndArray().Key("infer_scalar_fields").Bool(schema.infer_scalar_fields).EndObject();
}

// Reading JSON written by this file: any deviation is corruption.
class JsonReader {
 public:
  explicit JsonReader(const store::CheckedFile& file) : file_(file) {}
  [[noreturn]] void Fail(const std::string& what) const { file_.Corrupt("malformed content: " + what); }

  element Get(const element& obj, const char* key) const {
    element e;
    if (obj[key].get(e)) Fail(std::string("missing \"") + key + "\"");
    return e;
  }
  std::string String(const element& obj, const char* key) const {
    std::string_view s;
    if (Get(obj, key).get_string().get(s)) Fail(std::string("\"") + key + "\" is not a string");
    return std::string(s);
  }
  uint64_t Uint(const element& obj, const char* key) const {
    uint64_t v;
    if (Get(obj, key).get_uint64().get(v)) Fail(std::string("\"") + key + "\" is not an unsigned integer");
    return v;
  }
  double Double(const element& obj, const char* key) const {
    double v;
    if (Get(obj, key).get_double().get(v)) Fail(std::string("\"") + key + "\" is not a number");
    return v;
  }
  bool Bool(const element& obj, const char* key) const {
    bool v;
    if (Get(obj, key).get_bool().get(v)) Fail(std::string("\"") + key + "\" is not a boolean");
    return v;
  }
  simdjson::dom::array Array(const element& obj, const char* key) const {
    simdjson::dom::array a;
    if (Get(obj, key).get_array().get(a)) Fail(std::string("\"") + key + "\" is not an array");
    return a;
  }
  uint64_t Hex(const element& obj, const char* key) const {
    const std::string s = String(obj, key);
    if (s.size() != 16 || s.find_first_not_of("0123456789abcdef") != std::string::npos) Fail(key);
    return std::stoull(s, nullptr, 16);
  }

 private:
  const store::CheckedFile& file_;
};

Schema ReadSchema(const JsonReader& r, const element& e) {
  Schema schema;
  for (element f : r.Array(e, "text_fields")) {
    TextField field;
    field.name = r.String(f, "name");
    for (element s : r.Array(f, "sources")) {
      std::string_view v;
      if (s.get_string().get(v)) r.Fail("source is not a string");
      field.sources.emplace_back(v);
    }
    field.weight = static_cast<float>(r.Double(f, "weight"));
    const element a = r.Get(f, "analyzer");
    field.analyzer_name = r.String(a, "name");
    const std::string norm = r.String(a, "normalization");
    field.analyzer.normalization = norm == "none" ? Normalization::kNone
                                   : norm == "lowercase" ? Normalization::kLowercase
                                   : norm == "fold" ? Normalization::kFold
                                                    : (r.Fail("unknown normalization " + norm), Normalization::kFold);
    field.analyzer.english_possessives = r.Bool(a, "english_possessives");
    field.analyzer.join_acronyms = r.Bool(a, "join_acronyms");
    const std::string stop = r.String(a, "stop_words");
    field.analyzer.stop_words = stop == "classic_english" ? StopWords::kClassicEnglish
                                : stop == "none"           ? StopWords::kNone
                                                           : (r.Fail("unknown stop words " + stop), StopWords::kNone);
    field.analyzer.stemmer = r.String(a, "stemmer");
    field.analyzer.max_token_length = static_cast<uint32_t>(r.Uint(a, "max_token_length"));
    schema.text_fields.push_back(std::move(field));
  }
  // Format 4 added scalar fields; older manifests have none.
  simdjson::dom::array scalars;
  if (!e["scalar_fields"].get_array().get(scalars)) {
    for (element f : scalars) {
      ScalarField field;
      field.name = r.String(f, "name");
      const std::string type = r.String(f, "type");
      field.type = type == "keyword"   ? ScalarType::kKeyword
                   : type == "date"    ? ScalarType::kDate
                   : type == "integer" ? ScalarType::kInteger
                   : type == "stored"  ? ScalarType::kStored
                                       : (r.Fail("unknown scalar type " + type), ScalarType::kStored);
      field.stored = r.Bool(f, "stored");
      schema.scalar_fields.push_back(std::move(field));
    }
    schema.infer_scalar_fields = r.Bool(e, "infer_scalar_fields");
  }
  try {
    schema.Validate();
  } catch (const InvalidArgumentError& e) {
    r.Fail(std::string("schema: ") + e.what());
  }
  return schema;
}

uint64_t WriteJsonFile(store::Directory& dir, const std::string& name, store::FileKind kind, uint64_t nonce,
                       const std::string& json) {
  store::CheckedWriter out(dir, name, kind, kFormatVersion, nonce);
  out.Write(json);
  return out.Finish();
}

element ParseJsonBody(const store::CheckedFile& file, simdjson::dom::parser& parser) {
  element root;
  if (parser.parse(std::string(file.body())).get(root) || !root.is_object()) {
    file.Corrupt("malformed content: not a JSON object");
  }
  return root;
}

}  // namespace

const FieldStats* SegmentInfo::Field(uint32_t number) const {
  for (const FieldStats& f : fields) {
    if (f.number == number) return &f;
  }
  return nullptr;
}

void WriteSegmentInfo(store::Directory& dir, const SegmentInfo& info) {
  util::JsonWriter w(true);
  w.BeginObject()
      .Key("name").String(info.name)
      .Key("max_doc").Uint(info.max_doc)
      .Key("nonce").String(Hex64(info.nonce))
      .Key("stored_raw_bytes").Uint(info.stored_raw_bytes)
      .Key("written_by").String(info.written_by)
      .Key("fields").BeginArray();
  for (const FieldStats& f : info.fields) {
    w.BeginObject()
        .Key("number").Uint(f.number)
        .Key("name").String(f.name)
        .Key("options").String(OptionsName(f.options))
        .Key("docs_with_field").Uint(f.docs_with_field)
        .Key("sum_length").Uint(f.sum_length)
        .Key("terms").Uint(f.terms)
        .Key("postings").Uint(f.postings)
        .Key("positions").Uint(f.positions)
        .EndObject();
  }
  w.EndArray().Key("files").BeginArray();
  for (const SegmentFile& f : info.files) {
    w.BeginObject().Key("extension").String(f.extension).Key("size").Uint(f.size).Key("checksum").String(Hex64(f.checksum)).EndObject();
  }
  w.EndArray().EndObject();
  WriteJsonFile(dir, SegmentFileName(info.name, "info"), kInfoKind, info.nonce, w.str());
}

SegmentInfo ReadSegmentInfo(const store::Directory& dir, const std::string& segment) {
  const std::string name = SegmentFileName(segment, "info");
  auto raw = dir.Open(name);
  // The nonce is checked against the manifest by the caller; here it is read.
  const uint64_t nonce = raw->data().size() >= store::kHeaderSize ? store::LoadU64(raw->data().data() + 16) : 0;
  const store::CheckedFile file(raw, kInfoKind, kFormatVersion, nonce, true, kMinFormatVersion);
  simdjson::dom::parser parser;
  const element root = ParseJsonBody(file, parser);
  const JsonReader r(file);
  SegmentInfo info;
  info.file_bytes = raw->data().size();
  info.name = r.String(root, "name");
  if (info.name != segment) r.Fail("segment name " + info.name + " does not match the file name");
  const uint64_t max_doc = r.Uint(root, "max_doc");
  if (max_doc > 0x7FFFFFFF) r.Fail("max_doc out of range");
  info.max_doc = static_cast<uint32_t>(max_doc);
  info.nonce = r.Hex(root, "nonce");
  if (info.nonce != nonce) r.Fail("nonce does not match the header");
  info.stored_raw_bytes = r.Uint(root, "stored_raw_bytes");
  info.written_by = r.String(root, "written_by");
  for (element f : r.Array(root, "fields")) {
    FieldStats s;
    s.number = static_cast<uint32_t>(r.Uint(f, "number"));
    s.name = r.String(f, "name");
    const std::string options = r.String(f, "options");
    s.options = options == "docs" ? IndexOptions::kDocs
                : options == "freqs" ? IndexOptions::kFreqs
                : options == "positions" ? IndexOptions::kPositions
                                         : (r.Fail("unknown index options " + options), IndexOptions::kDocs);
    s.docs_with_field = r.Uint(f, "docs_with_field");
    s.sum_length = r.Uint(f, "sum_length");
    s.terms = r.Uint(f, "terms");
    s.postings = r.Uint(f, "postings");
    s.positions = r.Uint(f, "positions");
    info.fields.push_back(std::move(s));
  }
  for (element f : r.Array(root, "files")) {
    info.files.push_back({r.String(f, "extension"), r.Uint(f, "size"), r.Hex(f, "checksum")});
  }
  return info;
}

std::string ManifestFileName(uint64_t generation) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%020" PRIu64, kManifestPrefix, generation);
  return buf;
}

std::optional<uint64_t> ParseManifestFileName(const std::string& name) {
  const std::string prefix = kManifestPrefix;
  if (name.size() != prefix.size() + 20 || name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const std::string_view digits = std::string_view(name).substr(prefix.size());
  uint64_t generation = 0;
  // Twenty digits may pass 2^64: such a name is not one Loupe writes.
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), generation);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return generation;
}

std::optional<uint64_t> LatestGeneration(const store::Directory& dir) {
  std::optional<uint64_t> latest;
  for (const std::string& name : dir.List()) {
    if (auto g = ParseManifestFileName(name); g && (!latest || *g > *latest)) latest = g;
  }
  return latest;
}

std::string SchemaToJson(const Schema& schema) {
  util::JsonWriter w;
  WriteSchema(w, schema);
  return w.Take();
}

void WriteManifest(store::Directory& dir, const Manifest& m) {
  util::JsonWriter w(true);
  w.BeginObject()
      .Key("generation").Uint(m.generation)
      .Key("index_id").String(m.index_id)
      .Key("next_segment").Uint(m.next_segment)
      .Key("written_by").String(m.written_by)
      .Key("unicode_version").String(m.unicode_version)
      .Key("schema");
  WriteSchema(w, m.schema);
  w.Key("segments").BeginArray();
  for (const SegmentEntry& s : m.segments) {
    w.BeginObject()
        .Key("name").String(s.name)
        .Key("max_doc").Uint(s.max_doc)
        .Key("deleted").Uint(s.deleted)
        .Key("live_generation").Uint(s.live_generation)
        .Key("nonce").String(Hex64(s.nonce))
        .EndObject();
  }
  w.EndArray().EndObject();
  const std::string final_name = ManifestFileName(m.generation);
  const std::string temp_name = final_name + ".tmp";
  WriteJsonFile(dir, temp_name, kManifestKind, 0, w.str());
  // The segment and deletion files the manifest names must exist durably
  // before the manifest does: sync the directory before and after the rename.
  dir.Sync();
  dir.Rename(temp_name, final_name);
  try {
    dir.Sync();
  } catch (const IoError& e) {
    throw UnsyncedCommitError(std::string(e.what()) + " (commit " + std::to_string(m.generation) +
                              " is in place and visible, but may not survive a power loss)");
  }
}

Manifest ReadManifest(const store::Directory& dir, uint64_t generation) {
  const store::CheckedFile file(dir.Open(ManifestFileName(generation)), kManifestKind, kFormatVersion, 0, true, kMinFormatVersion);
  simdjson::dom::parser parser;
  const element root = ParseJsonBody(file, parser);
  const JsonReader r(file);
  Manifest m;
  m.file_bytes = file.data().size();
  m.generation = r.Uint(root, "generation");
  if (m.generation != generation) r.Fail("generation does not match the file name");
  m.index_id = r.String(root, "index_id");
  m.next_segment = r.Uint(root, "next_segment");
  m.written_by = r.String(root, "written_by");
  m.unicode_version = r.String(root, "unicode_version");
  m.schema = ReadSchema(r, r.Get(root, "schema"));
  for (element s : r.Array(root, "segments")) {
    SegmentEntry e;
    e.name = r.String(s, "name");
    if (e.name.empty() || e.name.find('/') != std::string::npos) r.Fail("bad segment name");
    const uint64_t max_doc = r.Uint(s, "max_doc");
    const uint64_t deleted = r.Uint(s, "deleted");
    if (max_doc > 0x7FFFFFFF || deleted > max_doc) r.Fail("segment counts out of range");
    e.max_doc = static_cast<uint32_t>(max_doc);
    e.deleted = static_cast<uint32_t>(deleted);
    e.live_generation = r.Uint(s, "live_generation");
    e.nonce = r.Hex(s, "nonce");
    // A writer names its next segment from next_segment: a number already
    // taken would make it write over a committed segment's files.
    if (e.name.starts_with("seg_") && e.name.size() > 4 &&
        e.name.find_first_not_of("0123456789", 4) == std::string::npos &&
        (e.name.size() > 23 || std::stoull(e.name.substr(4)) >= m.next_segment)) {
      r.Fail("segment " + e.name + " is not below next_segment " + std::to_string(m.next_segment));
    }
    for (const SegmentEntry& earlier : m.segments) {
      if (earlier.name == e.name) r.Fail("segment " + e.name + " is listed twice");
    }
    m.segments.push_back(std::move(e));
  }
  if (m.next_segment >= (uint64_t{1} << 62)) r.Fail("next_segment out of range");
  return m;
}

}  // namespace loupe::index
