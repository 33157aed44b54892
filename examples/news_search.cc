// news_search: a tiny news search. Indexes articles from a JSON Lines file
// (one {"id", "title", "body", "date", ...} object per line) and searches
// them.
//
//   news_search index INDEX_DIR ARTICLES.jsonl
//   news_search search INDEX_DIR QUERY...
//
// Titles weigh twice as much as bodies; both are analysed for English.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>

#include <loupe/document.h>
#include <loupe/error.h>
#include <loupe/index_reader.h>
#include <loupe/index_writer.h>
#include <loupe/query.h>
#include <loupe/schema.h>
#include <loupe/searcher.h>

namespace {

int Index(const std::string& index_dir, const std::string& articles) {
  loupe::Schema schema;
  schema.AddTextField("title", {"title"}, "english", 2.0f).AddTextField("body", {"body"}, "english");
  // A new index each time, written as one segment.
  const auto writer = loupe::IndexWriter::Open(
      index_dir, {.create = true, .schema = schema, .ram_budget_bytes = 64 << 20, .merge_on_commit = true});
  std::ifstream in(articles);
  if (!in) throw loupe::IoError(articles + ": cannot open");
  std::string line;
  for (uint64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      writer->AddDocument(loupe::DocumentFromJson(line));
    } catch (const loupe::BadInputError& e) {
      std::cerr << articles << ":" << number << ": skipped: " << e.reason() << "\n";
    }
  }
  writer->Commit();
  std::cout << "indexed " << writer->stats().documents_added << " articles\n";
  return 0;
}

int Search(const std::string& index_dir, const std::string& text) {
  const auto reader = loupe::IndexReader::Open(index_dir);
  const loupe::Searcher searcher(reader);
  const loupe::QueryPtr query = loupe::ParseQuery(text, reader->schema());
  std::cout << searcher.Count(*query) << " articles match " << query->ToString() << "\n";
  for (const loupe::Hit& hit : searcher.Search(*query, {.k = 3}).hits) {
    const loupe::Document article = searcher.Fetch(hit);
    std::cout << "\n" << article.Text("title") << "  (" << article.Text("date") << ", score " << hit.score << ")\n"
              << "  " << searcher.Snippet(*query, "body", article.Text("body"), {.max_chars = 160}) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "index" && argc == 4) return Index(argv[2], argv[3]);
    if (command == "search" && argc >= 4) {
      std::string text = argv[3];
      for (int i = 4; i < argc; ++i) text += std::string(" ") + argv[i];
      return Search(argv[2], text);
    }
  } catch (const loupe::QuerySyntaxError& e) {
    std::cerr << "news_search: " << e.what() << "\n";
    return 2;
  } catch (const loupe::Error& e) {
    std::cerr << "news_search: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: news_search index INDEX_DIR ARTICLES.jsonl\n"
               "       news_search search INDEX_DIR QUERY...\n";
  return 2;
}
