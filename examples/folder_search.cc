// folder_search: keep an index of a folder of .txt files, then answer
// queries typed on standard input, one per line.
//
//   folder_search INDEX_DIR FOLDER
//
// Each run brings the index up to date: every file is added (replacing the
// version indexed before, under the same id), and documents whose file is
// gone are deleted. Before each query the reader is reopened, so commits made
// meanwhile by another process are seen; only their new segments are opened.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <set>
#include <string>

#include <loupe/document.h>
#include <loupe/error.h>
#include <loupe/index_reader.h>
#include <loupe/index_writer.h>
#include <loupe/query.h>
#include <loupe/searcher.h>

namespace fs = std::filesystem;

namespace {

// The first line is the title, the rest the body; the id is the file name
// without ".txt".
loupe::Document ReadTextFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t newline = std::min(text.find('\n'), text.size());
  std::string title = text.substr(0, newline);
  if (!title.empty() && title.back() == '\r') title.pop_back();
  loupe::Document doc;
  doc.id = file.stem().string();
  doc.fields = {{"title", title},
                {"body", text.substr(std::min(newline + 1, text.size()))},
                {"path", file.string()}};
  return doc;
}

// The ids the index holds now (an index of a folder is small enough to list).
std::set<std::string> IndexedIds(const std::string& index_dir) {
  std::set<std::string> ids;
  try {
    const auto reader = loupe::IndexReader::Open(index_dir);
    const loupe::Searcher searcher(reader);
    const auto all = searcher.Search(*loupe::Query::MatchAll(), {.k = reader->document_count()});
    for (const loupe::Hit& hit : all.hits) ids.insert(hit.id);
  } catch (const loupe::NotFoundError&) {
    // No index yet: the writer creates it.
  }
  return ids;
}

void UpdateIndex(const std::string& index_dir, const fs::path& folder) {
  std::set<std::string> gone = IndexedIds(index_dir);
  const auto writer = loupe::IndexWriter::Open(index_dir);
  size_t added = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".txt") continue;
    const loupe::Document doc = ReadTextFile(entry.path());
    gone.erase(doc.id);
    writer->AddDocument(doc);
    ++added;
  }
  for (const std::string& id : gone) writer->DeleteDocument(id);
  writer->Commit();
  std::cerr << "indexed " << added << " files, removed " << gone.size() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: folder_search INDEX_DIR FOLDER   (then type queries, one per line)\n";
    return 2;
  }
  try {
    UpdateIndex(argv[1], argv[2]);
    auto reader = loupe::IndexReader::Open(argv[1]);
    auto searcher = std::make_unique<loupe::Searcher>(reader);
    std::string line;
    while (std::cerr << "query> ", std::getline(std::cin, line)) {
      if (line.empty()) continue;
      if (auto newest = reader->Reopen(); newest != reader) {
        reader = newest;
        searcher = std::make_unique<loupe::Searcher>(reader);
      }
      try {
        const loupe::QueryPtr query = loupe::ParseQuery(line, reader->schema());
        const loupe::SearchResults results = searcher->Search(*query, {.k = 5});
        std::cout << searcher->Count(*query) << " matching files\n";
        for (const loupe::Hit& hit : results.hits) {
          const loupe::Document doc = searcher->Fetch(hit);
          std::cout << hit.id << "  " << hit.score << "  " << doc.Text("title") << "\n    "
                    << searcher->Snippet(*query, "body", doc.Text("body"), {.max_chars = 120}) << "\n";
        }
      } catch (const loupe::QuerySyntaxError& e) {
        std::cout << "error at column " << e.column() << ": " << e.reason() << "\n";
      }
    }
  } catch (const loupe::Error& e) {
    std::cerr << "folder_search: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
