// loupe analyze: show the terms an analyzer makes of a text (like
// Elasticsearch's _analyze), or profile what it makes of whole input files.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <map>
#include <unordered_map>

#include "cli.h"
#include "commands.h"
#include "ingest/document_reader.h"
#include "loupe/analysis.h"
#include "loupe/error.h"
#include "util/json_writer.h"
#include "util/utf8.h"

namespace loupe::cli {
namespace {

constexpr std::string_view kUsage =
    "[--analyzer NAME] [--json] TEXT...|-\n"
    "       loupe analyze [--analyzer NAME] --input PATH...\n\n"
    "Prints the terms NAME makes of TEXT (the words joined by spaces; '-' reads\n"
    "standard input) with their positions and byte offsets. With --input, reads\n"
    "documents (JSON Lines, compressed or not, or a folder of .txt files) and\n"
    "prints a profile of their title and body: counts, frequent terms and what\n"
    "folding changed. Analyzers: standard, english, anserini.";

void PrintTokens(const Analyzer& analyzer, std::string_view text, bool json) {
  TokenStream stream(analyzer);
  stream.Reset(text);
  if (json) {
    util::JsonWriter out;
    out.BeginObject().Key("analyzer").String(analyzer.name()).Key("tokens").BeginArray();
    while (stream.Next()) {
      const Token& t = stream.token();
      out.BeginObject()
          .Key("term").String(t.term)
          .Key("position").Uint(t.position)
          .Key("start").Uint(t.start)
          .Key("end").Uint(t.end)
          .Key("text").String(text.substr(t.start, t.end - t.start))
          .EndObject();
    }
    out.EndArray().EndObject();
    std::cout << out.str() << "\n";
    return;
  }
  std::cout << std::setw(8) << "position" << std::setw(8) << "start" << std::setw(8) << "end"
            << "  term -> text\n";
  while (stream.Next()) {
    const Token& t = stream.token();
    std::cout << std::setw(8) << t.position << std::setw(8) << t.start << std::setw(8) << t.end << "  "
              << util::PrintableText(t.term) << " -> "
              << util::PrintableText(text.substr(t.start, t.end - t.start)) << "\n";
  }
}

int ProfileInputs(const Analyzer& analyzer, const std::vector<std::string>& paths) {
  TokenStream stream(analyzer);
  const Analyzer lowercase("lowercase", {.normalization = Normalization::kLowercase});
  std::unordered_map<std::string, uint64_t> frequency;
  std::map<std::string, std::string> changed;  // accented surface text -> its term, where that is more than lower-casing
  uint64_t documents = 0, bytes = 0, tokens = 0, errors = 0;
  for (const std::string& path : paths) {
    auto reader = ingest::OpenDocuments(path);
    Document doc;
    for (;;) {
      try {
        if (!reader->Next(&doc)) break;
      } catch (const BadInputError& e) {
        std::cerr << e.what() << "\n";
        ++errors;
        continue;
      }
      ++documents;
      uint32_t position = 0;
      for (std::string_view field : {"title", "body"}) {
        const std::string_view text = doc.Text(field);
        bytes += text.size();
        stream.Reset(text, position);
        while (stream.Next()) {
          const Token& t = stream.token();
          ++tokens;
          ++frequency[std::string(t.term)];
          const std::string_view surface = text.substr(t.start, t.end - t.start);
          const bool accented = std::any_of(surface.begin(), surface.end(), [](unsigned char c) { return c >= 0x80; }) &&
                                surface.find("\u2019") == std::string_view::npos;
          if (accented && changed.size() < 5000 && !changed.contains(std::string(surface))) {
            const auto plain = lowercase.Analyze(surface);
            if (plain.size() == 1 && plain[0].term != t.term) changed.emplace(surface, t.term);
          }
        }
        position = stream.next_position() + 100;
      }
    }
  }
  std::vector<std::pair<std::string, uint64_t>> top(frequency.begin(), frequency.end());
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::cout << "analyzer " << analyzer.name() << " over " << paths.size() << " input(s)\n"
            << "  documents        " << FormatCount(documents) << (errors ? " (" + FormatCount(errors) + " malformed, skipped)" : "") << "\n"
            << "  text (title+body) " << FormatBytes(bytes) << "\n"
            << "  tokens           " << FormatCount(tokens) << "\n"
            << "  distinct terms   " << FormatCount(frequency.size()) << "\n"
            << "  most frequent    ";
  for (size_t i = 0; i < std::min<size_t>(top.size(), 15); ++i) {
    std::cout << (i ? ", " : "") << top[i].first << " " << top[i].second;
  }
  std::cout << "\n  accented words and their terms (" << std::min<size_t>(changed.size(), 16) << " of "
            << changed.size() << "):\n";
  size_t shown = 0;
  for (const auto& [surface, term] : changed) {
    std::cout << "    " << surface << " -> " << term << "\n";
    if (++shown == 16) break;
  }
  return errors ? kExitFailure : kExitOk;
}

}  // namespace

int RunAnalyze(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()
      ("analyzer,a", po::value<std::string>()->default_value("english"), "analyzer: standard, english, anserini")
      ("json", "print JSON (one object with a \"tokens\" array)")
      ("input", po::value<std::vector<std::string>>()->multitoken(), "profile the documents in these files/folders")
      ("text", po::value<std::vector<std::string>>(), "text to analyse");
  po::positional_options_description positional;
  positional.add("text", -1);
  po::variables_map vm;
  if (!ParseArgs(args, "analyze", kUsage, options, positional, vm)) return kExitOk;

  const Analyzer analyzer = [&] {
    try {
      return Analyzer::Named(vm["analyzer"].as<std::string>());
    } catch (const InvalidArgumentError& e) {
      throw UsageError(e.what());
    }
  }();
  if (vm.count("input")) {
    if (vm.count("text")) throw UsageError("give either TEXT or --input, not both");
    // The profile is text only; --json would be silently ignored.
    if (vm.count("json")) throw UsageError("--json applies to TEXT, not to an --input profile");
    return ProfileInputs(analyzer, vm["input"].as<std::vector<std::string>>());
  }
  if (!vm.count("text")) throw UsageError("no text to analyse (give TEXT, or '-' for standard input)");
  const auto& words = vm["text"].as<std::vector<std::string>>();
  std::string text;
  if (words.size() == 1 && words[0] == "-") {
    text = ReadBounded(std::cin, size_t{256} << 20, "standard input");
  } else {
    for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
  }
  PrintTokens(analyzer, text, vm.count("json") > 0);
  return kExitOk;
}

}  // namespace loupe::cli
