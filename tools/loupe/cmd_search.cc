// loupe search: one query with ranked, highlighted hits; or a batch of queries
// from a TSV file, timed, with a TREC run file (for evaluation and for the
// peer benchmarks in ../shared/peers).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "cli.h"
#include "commands.h"
#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "util/json_writer.h"
#include "util/utf8.h"

namespace loupe::cli {
namespace {

constexpr std::string_view kUsage =
    "DIR QUERY [-k N] [--offset N] [--json] [--count] [--explain] [--fields LIST]\n"
    "       [--and] [--k1 X] [--b Y] [--sort [-]FIELD|score] [--facet FIELD[:year|month|day]]...\n"
    "       [--facet-top N]\n"
    "       loupe search DIR --queries FILE.tsv --mode or|and|phrase|count|query -k K\n"
    "       --run OUT [--stats-json FILE] [--warmup W] [--repeat R]\n\n"
    "Searches the index in DIR. QUERY uses the query language of docs/QUERY.md:\n"
    "words (OR by default, --and for AND), \"phrases\", \"phrase\"~N, AND OR NOT,\n"
    "+required -excluded, (groups), field:word, word^2, prefix*; filters on\n"
    "scalar fields: topics:earn, date:[2023-01-01 TO 2023-06-30], n:[1 TO *];\n"
    "'*' matches every document. A QUERY that starts with '-' goes after '--':\n"
    "loupe search DIR -- '-war'.\n"
    "With --queries, runs every 'qid<TAB>text' line as MODE (or/and: the words as\n"
    "a disjunction/conjunction, phrase: one phrase, count: count the documents\n"
    "having all words, query: the query language), W warm-up passes then R\n"
    "measured ones, and reports per-query latency (in-process, around the\n"
    "search only) and writes a TREC run file (or 'qid count' lines).";

struct Printer {
  bool color;
  std::string Bold(const std::string& s) const { return color ? "\033[1m" + s + "\033[0m" : s; }
  std::string Dim(const std::string& s) const { return color ? "\033[2m" + s + "\033[0m" : s; }
};

void WriteValue(util::JsonWriter& w, const FieldValue& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          w.String(x);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          w.Int(x);
        } else if constexpr (std::is_same_v<T, double>) {
          w.Double(x);
        } else if constexpr (std::is_same_v<T, bool>) {
          w.Bool(x);
        } else if constexpr (std::is_same_v<T, StringList>) {
          w.BeginArray();
          for (const auto& s : x) w.String(s);
          w.EndArray();
        } else {
          w.Raw(x.text);
        }
      },
      v);
}

std::string ValueText(const FieldValue& v) {
  util::JsonWriter w;
  WriteValue(w, v);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return w.str();
}

// "title, body,title" -> title, body: spaces around names trimmed, each once.
std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    const size_t first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  return out;
}

// The field to take snippets from: "body" if there is one, else the last
// text field whose sources include "body", else the first text field.
std::string SnippetField(const Schema& schema) {
  if (schema.Find("body")) return "body";
  for (const TextField& f : schema.text_fields) {
    if (std::find(f.sources.begin(), f.sources.end(), "body") != f.sources.end()) return f.name;
  }
  return schema.text_fields.front().name;
}

// `where`: "FILE:LINE: " for a line of a query file.
void ReportSyntaxError(const QuerySyntaxError& e, const std::string& where = "") {
  // A long query is shown around the error only (a 2 MB line is not echoed
  // whole); control characters become spaces so the caret stays in place.
  constexpr size_t kContext = 60;
  const std::string query = util::PrintableSameWidth(e.query());
  const size_t column = e.column();  // 1-based, in characters
  const size_t first = column > kContext ? column - kContext : 1;
  std::string shown;
  size_t at = 1;  // the character at byte i
  const auto* begin = reinterpret_cast<const unsigned char*>(query.data());
  for (size_t i = 0; i < query.size(); ++at) {
    const size_t length = util::DecodeUtf8(begin + i, begin + query.size()).length;
    if (at >= first && at < column + kContext) shown.append(query, i, length);
    i += length;
  }
  const bool cut_before = first > 1, cut_after = at > column + kContext;
  std::cerr << "loupe search: " << util::PrintableText(where + e.what()) << "\n  " << (cut_before ? "..." : "") << shown
            << (cut_after ? "..." : "") << "\n  " << std::string(column - first + (cut_before ? 3 : 0), ' ') << "^\n";
}

// The JSON key of each facet: its field, or the --facet spec as given when
// one field is faceted more than once (date:year and date:day), so that no
// key repeats.
std::vector<std::string> FacetKeys(const po::variables_map& vm) {
  if (!vm.count("facet")) return {};
  const auto specs = vm["facet"].as<std::vector<std::string>>();
  std::vector<std::string> keys;
  for (const std::string& spec : specs) {
    const std::string field = spec.substr(0, spec.find(':'));
    const auto same_field = std::count_if(specs.begin(), specs.end(), [&](const std::string& other) {
      return other.substr(0, other.find(':')) == field;
    });
    keys.push_back(same_field > 1 ? spec : field);
  }
  return keys;
}

// Facet counts: a table per field, or one JSON line after the hits' lines.
void PrintFacets(const SearchResults& results, bool json, const std::vector<std::string>& keys) {
  if (results.facets.empty()) return;
  if (json) {
    util::JsonWriter w;
    w.BeginObject().Key("total_hits").Uint(results.total_hits.value_or(0)).Key("facets").BeginObject();
    for (size_t i = 0; i < results.facets.size(); ++i) {
      const FacetResult& f = results.facets[i];
      w.Key(i < keys.size() ? keys[i] : f.field).BeginObject().Key("missing").Uint(f.missing).Key("counts").BeginArray();
      for (const FacetCount& c : f.counts) w.BeginObject().Key("value").String(c.value).Key("count").Uint(c.count).EndObject();
      w.EndArray().EndObject();
    }
    w.EndObject().EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  for (size_t i = 0; i < results.facets.size(); ++i) {
    const FacetResult& f = results.facets[i];
    // Named as asked (date:year), as the JSON keys are: one field may be
    // counted by several intervals.
    std::cout << (i < keys.size() ? keys[i] : f.field) << " (" << results.total_hits.value_or(0)
              << " matching documents, " << f.missing << " without a value)\n";
    size_t width = 0;
    for (const FacetCount& c : f.counts) width = std::max(width, util::CountCharacters(util::PrintableText(c.value)));
    for (const FacetCount& c : f.counts) {
      const std::string value = util::PrintableText(c.value);
      std::cout << "  " << value << std::string(width - util::CountCharacters(value) + 2, ' ') << c.count << "\n";
    }
  }
}

int RunOne(const Searcher& searcher, const std::string& text, const po::variables_map& vm, const SearchOptions& options) {
  const Schema& schema = searcher.reader().schema();
  QueryPtr query;
  try {
    query = ParseQuery(text, schema, {.default_and = vm.count("and") > 0});
  } catch (const QuerySyntaxError& e) {
    ReportSyntaxError(e);
    return kExitUsage;
  }
  const bool json = vm.count("json") > 0;
  if (vm.count("count") && options.facets.empty()) {
    std::cout << searcher.Count(*query) << "\n";
    return kExitOk;
  }
  SearchOptions run_options = options;
  if (vm.count("count")) run_options.k = 0;
  const SearchResults results = searcher.Search(*query, run_options);
  if (vm.count("count")) {
    std::cout << results.total_hits.value_or(0) << "\n";
    PrintFacets(results, json, FacetKeys(vm));
    return kExitOk;
  }
  std::vector<std::string> fields =
      vm.count("fields") ? SplitList(vm["fields"].as<std::string>()) : std::vector<std::string>{"title", "snippet"};
  if (!vm.count("fields") && !options.sort.field.empty()) fields.insert(fields.begin() + 1, options.sort.field);
  // A name the index does not know is likely a typo: say so (documents may
  // still hold fields the schema does not list, so it is not an error).
  for (const std::string& name : fields) {
    if (name != "id" && name != "score" && name != "snippet" && schema.Find(name) == nullptr &&
        schema.FindScalar(name) == nullptr && !schema.IsTextSource(name)) {
      std::cerr << "loupe search: note: --fields names '" << util::PrintableText(name)
                << "', which this index's schema does not list\n";
    }
  }
  const std::string snippet_field = SnippetField(schema);
  const Printer p{!json && StdoutIsTerminal()};
  SnippetOptions snippet_options;
  if (p.color) {
    snippet_options.before_match = "\033[1;33m";
    snippet_options.after_match = "\033[0m";
  }
  if (!json && results.hits.empty()) {
    if (options.offset > 0 && options.k > 0) {
      std::cout << "no hits past --offset " << options.offset << "\n";
    } else if (results.total_hits.value_or(0) == 0) {
      std::cout << "no documents match " << util::PrintableText(query->ToString()) << "\n";
    }
  }
  // Ids and scores come with the hits: a stored document (which can be
  // large) is read only when something else is printed.
  const bool needs_document =
      (json && vm.count("fields") == 0) ||
      std::any_of(fields.begin(), fields.end(), [](const std::string& n) { return n != "id" && n != "score"; });
  size_t rank = options.offset;
  for (const Hit& hit : results.hits) {
    ++rank;
    const Document doc = needs_document ? searcher.Fetch(hit) : Document{};
    const std::string source_text = [&] {
      // The snippet comes from the stored text the field was made of.
      const TextField* f = schema.Find(snippet_field);
      std::string text;
      for (const std::string& src : f->sources) {
        if (src == "title" && f->sources.size() > 1) continue;  // the title is printed on its own
        const FieldValue* value = doc.Find(src);
        if (value == nullptr) continue;
        // A list of strings was indexed item by item: its items are text too.
        const auto* list = std::get_if<StringList>(value);
        for (const std::string_view item : list ? *list : StringList{std::string(doc.Text(src))}) {
          if (!text.empty()) text += "\n";
          text += item;
        }
      }
      return text;
    }();
    if (json) {
      util::JsonWriter w;
      w.BeginObject().Key("rank").Uint(rank).Key("id").String(hit.id).Key("score").Float(hit.score);
      // Every stored field, or with --fields those named (in the document's order).
      const bool chosen = vm.count("fields") > 0;
      const auto wanted = [&](const std::string& name) {
        return !chosen || std::find(fields.begin(), fields.end(), name) != fields.end();
      };
      w.Key("fields").BeginObject();
      for (const Field& f : doc.fields) {
        if (!wanted(f.name)) continue;
        w.Key(f.name);
        WriteValue(w, f.value);
      }
      w.EndObject();
      if (wanted("snippet")) w.Key("snippet").String(searcher.Snippet(*query, snippet_field, source_text));
      if (vm.count("explain")) w.Key("explain").String(searcher.Explain(*query, hit, options).ToString());
      w.EndObject();
      std::cout << w.str() << "\n";
      continue;
    }
    char score[64];  // scores are below 10^30 (query.h's bounds): "%.4f" fits
    std::snprintf(score, sizeof score, "%.4f", static_cast<double>(hit.score));
    std::cout << p.Bold(std::to_string(rank) + ". " + util::PrintableText(hit.id)) << "  " << p.Dim(std::string("score ") + score) << "\n";
    for (const std::string& name : fields) {
      if (name == "snippet") {
        // The text is made safe before the snippet is made from it (the
        // snippet may carry colours, so it is not escaped after).
        std::cout << "   " << searcher.Snippet(*query, snippet_field, util::TerminalSafeText(source_text), snippet_options)
                  << "\n";
      } else if (name == "id" || name == "score") {
        continue;
      } else if (const FieldValue* v = doc.Find(name)) {
        std::cout << "   " << (name == "title" ? p.Bold(util::PrintableText(ValueText(*v)))
                                             : util::PrintableText(name + ": " + ValueText(*v)))
                  << "\n";
      }
    }
    if (vm.count("explain")) std::cout << util::PrintableText(searcher.Explain(*query, hit, options).ToString(2), true);
    std::cout << "\n";
  }
  PrintFacets(results, json, FacetKeys(vm));
  return kExitOk;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto idx = static_cast<long>(std::ceil(q * static_cast<double>(sorted.size()))) - 1;
  return sorted[static_cast<size_t>(std::clamp<long>(idx, 0, static_cast<long>(sorted.size()) - 1))];
}

int RunBatch(const Searcher& searcher, const po::variables_map& vm, const SearchOptions& options) {
  const std::string mode = vm.count("mode") ? vm["mode"].as<std::string>() : "or";
  if (mode != "or" && mode != "and" && mode != "phrase" && mode != "count" && mode != "query") {
    throw UsageError("--mode must be or, and, phrase, count or query");
  }
  if (!vm.count("run")) throw UsageError("--queries needs --run OUT ('-' for standard output)");
  const int warmup = vm["warmup"].as<int>();
  const int repeat = vm["repeat"].as<int>();
  if (warmup < 0 || repeat < 1) throw UsageError("--warmup must be >= 0 and --repeat >= 1");
  const std::string path = vm["queries"].as<std::string>();
  std::ifstream in(path);
  if (!in) throw IoError(path + ": cannot open: " + std::generic_category().message(errno));
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw IoError(path + ": is a directory, not a file of queries");
  const Schema& schema = searcher.reader().schema();
  std::vector<std::string> qids;
  std::vector<QueryPtr> queries;
  size_t empty = 0, line_number = 0;
  std::unordered_map<std::string, size_t> qid_lines;
  // Lines are read with a bound: a query file of one endless line (or
  // /dev/zero) is an error, not all of memory.
  const auto read_line = [&in](std::string& line) {
    line.clear();
    std::streambuf* buffer = in.rdbuf();
    for (int c; (c = buffer->sbumpc()) != std::char_traits<char>::eof();) {
      if (c == '\n') return 1;
      if (line.size() > kMaxQueryBytes + 64) return -1;  // room for a qid
      line.push_back(static_cast<char>(c));
    }
    return line.empty() ? 0 : 1;
  };
  std::string line;
  for (int got; (got = read_line(line)) != 0;) {
    ++line_number;
    if (got < 0) throw BadInputError(path, line_number, "line longer than 1 MiB");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a byte-order mark
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank
    const size_t tab = line.find('\t');
    // A line the run could not name, or whose words would be cut short,
    // stops the batch: its results would silently be missing.
    if (tab == std::string::npos) throw BadInputError(path, line_number, "no tab: expected qid<TAB>query");
    if (tab == 0) throw BadInputError(path, line_number, "empty query id");
    if (line.find_first_of(" \r\v\f") < tab) throw BadInputError(path, line_number, "query id holds whitespace");
    if (const size_t bad = util::FindInvalidUtf8(line); bad != std::string::npos) {
      throw BadInputError(path, line_number, "invalid UTF-8 at byte " + std::to_string(bad));
    }
    // Two rankings under one qid would be merged by trec_eval.
    if (const auto [it, fresh] = qid_lines.emplace(line.substr(0, tab), line_number); !fresh) {
      throw BadInputError(path, line_number, "query id '" + it->first + "' repeats line " + std::to_string(it->second));
    }
    const std::string text = line.substr(tab + 1);
    QueryPtr q;
    try {
      if (mode == "or" || mode == "and" || mode == "count") {
        q = BagOfWordsQuery(text, schema, mode != "or");
      } else if (mode == "phrase") {
        q = PhraseTextQuery(text, schema);
      } else {
        q = ParseQuery(text, schema, {.default_and = vm.count("and") > 0});
      }
    } catch (const QuerySyntaxError& e) {
      ReportSyntaxError(e, path + ":" + std::to_string(line_number) + ": ");
      return kExitUsage;
    }
    if (q->kind() == Query::Kind::kMatchNone) {
      ++empty;
      continue;
    }
    qids.push_back(line.substr(0, tab));
    queries.push_back(std::move(q));
  }
  // --count with --mode query counts parsed queries (filters, for instance) instead of ranking them.
  const bool count = mode == "count" || (mode == "query" && vm.count("count") > 0);
  const size_t n = queries.size();
  std::vector<SearchResults> results(n);
  std::vector<uint64_t> counts(n);
  std::vector<double> latencies;
  latencies.reserve(n * static_cast<size_t>(repeat));
  std::vector<double> pass_qps;
  for (int pass = 0; pass < warmup + repeat; ++pass) {
    double pass_us = 0;
    for (size_t i = 0; i < n; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      if (count) {
        counts[i] = searcher.Count(*queries[i]);
      } else {
        results[i] = searcher.Search(*queries[i], options);
      }
      const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      if (pass >= warmup) {
        latencies.push_back(us);
        pass_us += us;
      }
    }
    if (pass >= warmup) pass_qps.push_back(pass_us > 0 ? static_cast<double>(n) / (pass_us / 1e6) : 0);
  }
  // Output, outside the timed region. Every id is checked before the file is
  // opened: an error leaves no partial run behind.
  if (!count) {
    for (const SearchResults& r : results) {
      for (const Hit& h : r.hits) {
        if (h.id.find_first_of(" \t\n\r\v\f") != std::string::npos) {
          throw InvalidArgumentError("document id '" + util::SanitizeUtf8(h.id) +
                                     "' holds whitespace, which a TREC run line cannot");
        }
      }
    }
  }
  std::ofstream file;
  const std::string run = vm["run"].as<std::string>();
  if (run != "-") {
    file.open(run);
    if (!file) throw IoError(run + ": cannot write");
  }
  std::ostream& out = run == "-" ? std::cout : file;
  uint64_t hit_sum = 0;
  char score[64];
  for (size_t i = 0; i < n; ++i) {
    if (count) {
      out << qids[i] << " " << counts[i] << "\n";
      hit_sum += counts[i];
      continue;
    }
    hit_sum += results[i].hits.size();
    size_t rank = options.offset;
    for (const Hit& h : results[i].hits) {
      // The id is written whole (ids may be 4,096 bytes; a fixed buffer cut them).
      std::snprintf(score, sizeof score, "%.6f", static_cast<double>(h.score));
      out << qids[i] << " Q0 " << h.id << " " << ++rank << " " << score << " loupe\n";
    }
  }
  out.flush();
  if (!out) throw IoError(run + ": write failed");
  std::vector<double> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double v : sorted) sum += v;
  const double mean = sorted.empty() ? 0 : sum / static_cast<double>(sorted.size());
  util::JsonWriter w;
  w.BeginObject()
      .Key("engine").String("loupe")
      .Key("mode").String(mode)
      .Key("k").Uint(options.k)
      .Key("queries").Uint(n)
      .Key("empty_queries").Uint(empty)
      .Key("warmup_passes").Int(warmup)
      .Key("measured_passes").Int(repeat)
      .Key("mean_us").Double(std::round(mean * 10) / 10)
      .Key("p50_us").Double(std::round(Percentile(sorted, 0.50) * 10) / 10)
      .Key("p90_us").Double(std::round(Percentile(sorted, 0.90) * 10) / 10)
      .Key("p99_us").Double(std::round(Percentile(sorted, 0.99) * 10) / 10)
      .Key("max_us").Double(sorted.empty() ? 0 : std::round(sorted.back() * 10) / 10)
      .Key("qps").Double(sum > 0 ? std::round(static_cast<double>(sorted.size()) / (sum / 1e6) * 10) / 10 : 0);
  w.Key("pass_qps").BeginArray();
  for (double q : pass_qps) w.Double(std::round(q * 10) / 10);
  w.EndArray();
  w.Key("hits_or_count_sum").Uint(hit_sum).Key("k1").Float(options.k1).Key("b").Float(options.b).EndObject();
  if (vm.count("stats-json")) {
    const std::string stats = vm["stats-json"].as<std::string>();
    std::ofstream s(stats);
    s << w.str() << "\n";
    s.flush();  // a full disk shows only when the buffer is written
    if (!s) throw IoError(stats + ": cannot write");
  }
  std::cerr << w.str() << "\n";
  return kExitOk;
}

}  // namespace

int RunSearch(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()
      ("top,k", po::value<size_t>()->default_value(10), "number of hits (-k N)")
      ("offset", po::value<size_t>()->default_value(0), "hits to skip (paging)")
      ("json", "one JSON object per hit, with the stored fields")
      ("count", "print only the number of matching documents (then any --facet counts); with --queries "
                "--mode query, count each line instead of ranking it")
      ("explain", "show the BM25 breakdown of each hit's score")
      ("fields", po::value<std::string>(), "comma-separated fields to print (default: title,snippet; with "
                                           "--json every stored field and the snippet)")
      ("and", "bare words are all required (default: any, ranked)")
      ("sort", po::value<std::string>(), "order hits by a date or integer field: FIELD (ascending), -FIELD "
                                         "(descending), or score (the default); ties by score, then id")
      ("facet", po::value<std::vector<std::string>>(),
       "count the values of a keyword, date or integer field over all matching documents; dates as a "
       "histogram: FIELD:year, FIELD:month (default) or FIELD:day (repeatable)")
      ("facet-top", po::value<size_t>()->default_value(10), "values per keyword or integer facet (0: all)")
      ("k1", po::value<float>()->default_value(0.9f), "BM25 k1")
      ("b", po::value<float>()->default_value(0.4f), "BM25 b")
      ("queries", po::value<std::string>(), "batch: a TSV file of qid<TAB>text lines")
      ("mode", po::value<std::string>(), "batch: or (the default), and, phrase, count or query")
      ("run", po::value<std::string>(), "batch: TREC run file to write ('-' for standard output)")
      ("stats-json", po::value<std::string>(), "batch: write the latency statistics as JSON")
      ("warmup", po::value<int>()->default_value(1), "batch: warm-up passes over all queries")
      ("repeat", po::value<int>()->default_value(1), "batch: measured passes")
      ("dir", po::value<std::string>(), "index directory")
      ("query", po::value<std::vector<std::string>>(), "query");
  po::positional_options_description positional;
  positional.add("dir", 1).add("query", -1);
  po::variables_map vm;
  // "--sort -date": a value that starts with '-' is still the value.
  std::vector<std::string> joined;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--sort" && i + 1 < args.size() && args[i + 1].starts_with("-")) {
      joined.push_back("--sort=" + args[++i]);
    } else {
      joined.push_back(args[i]);
    }
  }
  if (!ParseArgs(joined, "search", kUsage, options, positional, vm)) return kExitOk;
  if (!vm.count("dir")) throw UsageError("missing DIR");
  SearchOptions search_options;
  if (vm.count("sort") && vm["sort"].as<std::string>() != "score") {
    const std::string sort = vm["sort"].as<std::string>();
    search_options.sort.descending = sort.starts_with("-");
    search_options.sort.field = sort.substr(search_options.sort.descending ? 1 : 0);
    if (search_options.sort.field.empty()) throw UsageError("--sort needs a field name (or score)");
  }
  std::vector<std::string> interval_specs;  // --facet FIELD:INTERVAL, checked once the schema is known
  if (vm.count("facet")) {
    const auto specs = vm["facet"].as<std::vector<std::string>>();
    for (size_t i = 0; i < specs.size(); ++i) {
      if (std::find(specs.begin(), specs.begin() + static_cast<long>(i), specs[i]) != specs.begin() + static_cast<long>(i)) {
        throw UsageError("--facet " + specs[i] + " given twice");
      }
    }
    // A negative value would wrap to a huge one (and mean "all").
    if (vm["facet-top"].as<size_t>() > (size_t{1} << 20)) throw UsageError("--facet-top must be between 0 and 1048576");
    for (const std::string& spec : specs) {
      FacetRequest r;
      r.top = vm["facet-top"].as<size_t>();
      const size_t colon = spec.find(':');
      r.field = spec.substr(0, colon);
      if (colon != std::string::npos) {
        const std::string interval = spec.substr(colon + 1);
        if (interval == "year") {
          r.interval = FacetRequest::Interval::kYear;
        } else if (interval == "month") {
          r.interval = FacetRequest::Interval::kMonth;
        } else if (interval == "day") {
          r.interval = FacetRequest::Interval::kDay;
        } else {
          throw UsageError("--facet " + spec + ": the interval must be year, month or day");
        }
        interval_specs.push_back(spec);
      }
      if (r.field.empty()) throw UsageError("--facet needs a field name");
      search_options.facets.push_back(r);
    }
  }
  search_options.k = vm["top"].as<size_t>();
  search_options.offset = vm["offset"].as<size_t>();
  search_options.k1 = vm["k1"].as<float>();
  search_options.b = vm["b"].as<float>();
  if (!(search_options.k1 >= 0 && search_options.k1 <= 100) || !(search_options.b >= 0 && search_options.b <= 1)) {
    throw UsageError("--k1 must be between 0 and 100 and --b between 0 and 1");
  }
  // Read unsigned: "-1" arrives as 2^64 - 1.
  if (search_options.k > (1u << 20)) {
    throw UsageError("-k must be between 1 and 1048576 (0 with --count or --facet)");
  }
  if (search_options.offset > (1u << 20)) throw UsageError("--offset must be between 0 and 1048576");
  if (search_options.offset > (1u << 20) - search_options.k) {
    throw UsageError("-k plus --offset must be at most 1048576");
  }
  const bool batch = vm.count("queries") > 0;
  const std::string batch_mode = vm.count("mode") ? vm["mode"].as<std::string>() : "or";
  const bool counting = vm.count("count") > 0 || (batch && batch_mode == "count");
  if (search_options.k == 0 && !counting && search_options.facets.empty()) {
    throw UsageError("-k must be at least 1 (--count gives the number of matching documents, --facet "
                     "counts without hits)");
  }
  if (batch == (vm.count("query") > 0)) throw UsageError(batch ? "give either QUERY or --queries, not both" : "missing QUERY");
  // Batch options without a batch, and --count in a batch mode that ranks,
  // would be ignored.
  for (const char* batch_only : {"mode", "run", "stats-json", "warmup", "repeat"}) {
    if (!batch && vm.count(batch_only) && !vm[batch_only].defaulted()) {
      throw UsageError(std::string("--") + batch_only + " applies to --queries");
    }
  }
  if (batch && vm.count("count") && (batch_mode == "or" || batch_mode == "and" || batch_mode == "phrase")) {
    throw UsageError("--count with --queries applies to --mode query (--mode count counts every line)");
  }
  // A batch writes a run file ranked by score: these would be ignored.
  for (const char* one_query_only : {"json", "explain", "fields", "facet", "sort"}) {
    if (batch && vm.count(one_query_only) && !(std::string(one_query_only) == "sort" && search_options.sort.field.empty())) {
      throw UsageError(std::string("--") + one_query_only + " applies to a single QUERY, not to --queries");
    }
  }
  const auto reader = IndexReader::Open(vm["dir"].as<std::string>());
  // An interval only makes sense for a date histogram.
  for (const std::string& spec : interval_specs) {
    const ScalarField* field = reader->schema().FindScalar(spec.substr(0, spec.find(':')));
    if (field != nullptr && field->type != ScalarType::kDate) {
      throw UsageError("--facet " + spec + ": an interval (year, month, day) needs a date field; '" + field->name +
                       "' has type " + ScalarTypeName(field->type));
    }
  }
  // Fields that cannot be sorted or counted are usage errors, like other
  // misfitting options (exit 2), found before any search runs.
  const auto scalar_type = [&](const std::string& name) -> std::optional<ScalarType> {
    const ScalarField* field = reader->schema().FindScalar(name);
    if (field == nullptr) return std::nullopt;
    return field->type;
  };
  if (!search_options.sort.field.empty()) {
    const auto type = scalar_type(search_options.sort.field);
    if (type != ScalarType::kDate && type != ScalarType::kInteger) {
      throw UsageError("--sort " + vm["sort"].as<std::string>() + ": '" + search_options.sort.field +
                       "' is not a date or integer field of this index (or write --sort score)");
    }
  }
  for (const FacetRequest& facet : search_options.facets) {
    const auto type = scalar_type(facet.field);
    if (!type || *type == ScalarType::kStored) {
      throw UsageError("--facet " + facet.field + ": not a keyword, date or integer field of this index");
    }
  }
  const Searcher searcher(reader);
  if (batch) return RunBatch(searcher, vm, search_options);
  std::string text;
  for (const auto& word : vm["query"].as<std::vector<std::string>>()) text += (text.empty() ? "" : " ") + word;
  return RunOne(searcher, text, vm, search_options);
}

}  // namespace loupe::cli
