// loupe info: what an index holds (segments, documents, terms, bytes by file
// kind, compression, the schema and analyzers).
#include <cstdio>
#include <iomanip>
#include <iostream>

#include "cli.h"
#include "commands.h"
#include "loupe/index_reader.h"
#include "util/json_writer.h"
#include "util/utf8.h"

namespace loupe::cli {
namespace {

// A field weight as given (0.25, 1.5, 2.0), not rounded to the table's precision.
std::string WeightText(double weight) {
  char buf[32];
  std::snprintf(buf, sizeof buf, weight == static_cast<long long>(weight) ? "%.1f" : "%g", weight);
  return buf;
}

constexpr std::string_view kUsage =
    "DIR [--json]\n\n"
    "Describes the index in DIR: segments, live and deleted documents, distinct\n"
    "terms, bytes per file kind, bits per posting and position, the schema.\n"
    "It reads what it describes, not every byte: checking every checksum is\n"
    "what 'loupe verify DIR' does.";

const char* NormalizationName(Normalization n) {
  switch (n) {
    case Normalization::kNone: return "none";
    case Normalization::kLowercase: return "lowercase";
    case Normalization::kFold: return "fold";
  }
  return "?";
}

uint64_t Total(const std::map<std::string, uint64_t>& bytes) {
  uint64_t n = 0;
  for (const auto& [kind, b] : bytes) n += b;
  return n;
}

double Ratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

void WriteFields(util::JsonWriter& w, const std::vector<FieldSummary>& fields) {
  w.BeginArray();
  for (const FieldSummary& f : fields) {
    w.BeginObject()
        .Key("name").String(f.name)
        .Key("documents").Uint(f.documents)
        .Key("terms").Uint(f.terms)
        .Key("postings").Uint(f.postings)
        .Key("positions").Uint(f.positions)
        .Key("total_length").Uint(f.total_length)
        .EndObject();
  }
  w.EndArray();
}

void PrintJson(const IndexSummary& s) {
  uint64_t postings = 0, positions = 0, terms = 0, raw = 0;
  for (const FieldSummary& f : s.fields) {
    postings += f.postings;
    positions += f.positions;
    terms += f.terms;
  }
  for (const SegmentSummary& seg : s.segments) raw += seg.stored_raw_bytes;
  const auto get = [&](const char* kind) { return s.bytes.contains(kind) ? s.bytes.at(kind) : 0; };
  util::JsonWriter w(true);
  w.BeginObject()
      .Key("path").String(s.path)
      .Key("generation").Uint(s.generation)
      .Key("index_id").String(s.index_id)
      .Key("written_by").String(s.written_by)
      .Key("documents").Uint(s.documents)
      .Key("deleted").Uint(s.deleted)
      .Key("terms").Uint(terms)
      .Key("postings").Uint(postings)
      .Key("positions").Uint(positions)
      .Key("bits_per_posting").Double(postings ? 8.0 * get("postings") / postings : 0)
      .Key("bits_per_position").Double(positions ? 8.0 * get("positions") / positions : 0)
      .Key("stored_raw_bytes").Uint(raw)
      .Key("stored_ratio").Double(Ratio(get("stored"), raw));
  w.Key("bytes").BeginObject();
  for (const auto& [kind, bytes] : s.bytes) w.Key(kind).Uint(bytes);
  w.Key("total").Uint(Total(s.bytes));
  w.Key("total_without_stored").Uint(Total(s.bytes) - get("stored"));
  w.EndObject();
  w.Key("fields");
  WriteFields(w, s.fields);
  w.Key("segments").BeginArray();
  for (const SegmentSummary& seg : s.segments) {
    w.BeginObject()
        .Key("name").String(seg.name)
        .Key("documents").Uint(seg.documents - seg.deleted)
        .Key("deleted").Uint(seg.deleted)
        .Key("max_doc").Uint(seg.documents);
    w.Key("bytes").BeginObject();
    for (const auto& [kind, bytes] : seg.bytes) w.Key(kind).Uint(bytes);
    w.EndObject();
    w.Key("fields");
    WriteFields(w, seg.fields);
    w.EndObject();
  }
  w.EndArray();
  w.Key("schema").BeginObject().Key("text_fields").BeginArray();
  for (const TextField& f : s.schema.text_fields) {
    w.BeginObject().Key("name").String(f.name).Key("sources").BeginArray();
    for (const auto& src : f.sources) w.String(src);
    w.EndArray().Key("weight").Float(f.weight);
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
  for (const ScalarField& f : s.schema.scalar_fields) {
    w.BeginObject().Key("name").String(f.name).Key("type").String(ScalarTypeName(f.type)).Key("stored").Bool(f.stored);
    w.EndObject();
  }
  w.EndArray().Key("infer_scalar_fields").Bool(s.schema.infer_scalar_fields).EndObject();
  w.Key("unicode_version").String(s.unicode_version);
  w.EndObject();
  std::cout << w.str() << "\n";
}

void PrintText(const IndexSummary& s) {
  uint64_t postings = 0, positions = 0, terms = 0, raw = 0;
  for (const FieldSummary& f : s.fields) {
    postings += f.postings;
    positions += f.positions;
    terms += f.terms;
  }
  for (const SegmentSummary& seg : s.segments) raw += seg.stored_raw_bytes;
  const auto get = [&](const char* kind) { return s.bytes.contains(kind) ? s.bytes.at(kind) : 0; };
  std::cout << "index        " << s.path << " (commit " << s.generation << ", " << s.written_by << ")\n"
            << "documents    " << FormatCount(s.documents) << " live, " << FormatCount(s.deleted) << " deleted\n"
            << "segments     " << s.segments.size() << "\n"
            << "terms        " << FormatCount(terms) << " (distinct per segment, summed)\n"
            << "size         " << FormatBytes(Total(s.bytes)) << " (" << FormatBytes(Total(s.bytes) - get("stored"))
            << " without stored documents)\n";
  for (const auto& [kind, bytes] : s.bytes) {
    std::cout << "  " << std::left << std::setw(11) << kind << std::right << std::setw(12) << FormatBytes(bytes) << "\n";
  }
  std::cout << std::fixed << std::setprecision(2)
            << "postings     " << FormatCount(postings) << ", " << (postings ? 8.0 * get("postings") / postings : 0)
            << " bits each\n"
            << "positions    " << FormatCount(positions) << ", "
            << (positions ? 8.0 * get("positions") / positions : 0) << " bits each\n"
            << "stored       " << FormatBytes(get("stored")) << " for " << FormatBytes(raw) << " of documents ("
            << Ratio(get("stored"), raw) << "x)\n";
  std::cout << "fields\n";
  for (const TextField& f : s.schema.text_fields) {
    std::cout << "  " << util::PrintableText(f.name) << " <- ";
    for (size_t i = 0; i < f.sources.size(); ++i) std::cout << (i ? "," : "") << util::PrintableText(f.sources[i]);
    std::cout << "  analyzer " << f.analyzer_name << " (" << NormalizationName(f.analyzer.normalization)
              << (f.analyzer.english_possessives ? ", possessives" : "") << (f.analyzer.join_acronyms ? ", acronyms" : "")
              << (f.analyzer.stop_words == StopWords::kClassicEnglish ? ", stop words" : "")
              << (f.analyzer.stemmer.empty() ? "" : ", stemmer " + f.analyzer.stemmer) << "), weight "
              << WeightText(f.weight) << "\n";
  }
  for (const ScalarField& f : s.schema.scalar_fields) {
    std::cout << "  " << util::PrintableText(f.name) << "  " << ScalarTypeName(f.type) << (f.stored ? "" : ", not stored") << "\n";
  }
  std::cout << "segments\n";
  for (const SegmentSummary& seg : s.segments) {
    std::cout << "  " << seg.name << "  " << FormatCount(seg.documents - seg.deleted) << " live, "
              << FormatCount(seg.deleted) << " deleted, " << FormatBytes(Total(seg.bytes)) << "\n";
  }
}

}  // namespace

int RunInfo(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("json", "print JSON")("dir", po::value<std::string>(), "index directory");
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map vm;
  if (!ParseArgs(args, "info", kUsage, options, positional, vm)) return kExitOk;
  if (!vm.count("dir")) throw UsageError("missing DIR");
  const auto reader = IndexReader::Open(vm["dir"].as<std::string>(), {.verify_checksums = false});
  const IndexSummary summary = reader->Summary();
  if (vm.count("json")) {
    PrintJson(summary);
  } else {
    PrintText(summary);
  }
  return kExitOk;
}

}  // namespace loupe::cli
