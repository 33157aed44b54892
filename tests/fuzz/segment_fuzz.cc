// Fuzz target: opening and searching damaged segments. The input is a list of
// edits (which file, where, which bits to flip; or a truncation) applied to a
// small valid index, after which every file's checksum is recomputed - so the
// damage gets past the checksums and the structural checks of the readers
// must catch it. Opening, searching, fetching and verifying may then fail
// with a Loupe error; they must never crash, hang or read out of bounds.
#include <unistd.h>
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "merge/segment_merger.h"

namespace {

namespace fs = std::filesystem;

struct File {
  std::string name;
  std::string bytes;
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A small index of two segments with deletions, one of them merged (its
// stored documents in runs), built once per process.
std::vector<File> BuildSeedIndex(const fs::path& dir) {
  fs::remove_all(dir);
  {
    auto writer = loupe::IndexWriter::Open(dir.string());
    uint64_t state = 12345;
    const auto next = [&] {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return state >> 33;
    };
    for (int segment = 0; segment < 2; ++segment) {
      for (int i = 0; i < 150; ++i) {
        loupe::Document d;
        d.id = "doc" + std::to_string(segment * 1000 + i);
        std::string body;
        for (int w = 0, n = 3 + static_cast<int>(next() % 80); w < n; ++w) body += "w" + std::to_string(next() % 40) + " ";
        d.fields.push_back({"title", "title w" + std::to_string(next() % 40)});
        d.fields.push_back({"body", body});
        // Scalar fields, so the columns file is damaged too.
        if (next() % 4) d.fields.push_back({"date", "2025-0" + std::to_string(1 + next() % 9) + "-1" + std::to_string(next() % 10)});
        if (next() % 3) d.fields.push_back({"n", static_cast<int64_t>(next() % 1000) - 500});
        if (next() % 2) d.fields.push_back({"topics", loupe::StringList{"t" + std::to_string(next() % 5), "t" + std::to_string(next() % 7)}});
        writer->AddDocument(d);
      }
      writer->Commit();
    }
    writer->DeleteDocument("doc3");
    writer->Commit();
    // A merge into one segment whose stored documents are in runs (the
    // first source recompressed for its deletion, the other copied), then a
    // small segment after it.
    loupe::merge::SetStoredCopyThresholdForTesting(0);
    writer->ForceMerge(1);
    loupe::merge::SetStoredCopyThresholdForTesting(loupe::merge::kStoredCopyThreshold);
    for (int i = 0; i < 40; ++i) {
      loupe::Document d;
      d.id = "late" + std::to_string(i);
      d.fields.push_back({"title", "late w" + std::to_string(next() % 40)});
      d.fields.push_back({"body", "w1 w2 w" + std::to_string(next() % 40)});
      writer->AddDocument(d);
    }
    writer->DeleteDocument("doc1005");
    writer->Commit();
  }
  std::vector<File> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name != "write.lock") files.push_back({name, ReadAll(e.path())});
  }
  std::sort(files.begin(), files.end(), [](const File& a, const File& b) { return a.name < b.name; });
  return files;
}

void FixChecksum(std::string* bytes) {
  if (bytes->size() < 8) return;
  const uint64_t hash = XXH3_64bits(bytes->data(), bytes->size() - 8);
  std::memcpy(bytes->data() + bytes->size() - 8, &hash, 8);
}

void Exercise(const std::string& path) {
  const auto reader = loupe::IndexReader::Open(path);
  const loupe::Searcher searcher(reader);
  loupe::SearchOptions sorted;
  sorted.k = 5;
  sorted.sort.field = "date";
  sorted.facets.push_back({"topics", 3});
  sorted.facets.push_back({"n", 0});
  for (const char* text : {"w1", "w2 w3 title:w4", "+w1 +w5", "\"w1 w2\"", "\"w3 w4\"~3", "w1*", "w7 -w8",
                           "(w4 OR w9) AND w2", "+w1 +topics:t3", "+(w2 w3) +date:[2025-03 TO 2025-06] +n:[* TO 100]",
                           "*"}) {
    loupe::QueryPtr query;
    try {
      query = loupe::ParseQuery(text, reader->schema());
    } catch (const loupe::InvalidArgumentError&) {
      continue;  // damage to the schema can untype or remove a field
    }
    try {
      (void)searcher.Search(*query, sorted);
    } catch (const loupe::InvalidArgumentError&) {  // "date" or a facet field untyped
    }
    const loupe::SearchResults results = searcher.Search(*query, {.k = 5});
    for (const loupe::Hit& hit : results.hits) {
      const loupe::Document doc = searcher.Fetch(hit);
      (void)searcher.Explain(*query, hit);
      for (const auto& f : doc.fields) {
        if (const auto* text_value = std::get_if<std::string>(&f.value)) {
          (void)searcher.Snippet(*query, f.name, *text_value);
        }
      }
    }
    (void)searcher.Count(*query);
  }
  (void)reader->Find("doc5");
  (void)reader->Summary();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path root = fs::temp_directory_path() / ("loupe-segment-fuzz-" + std::to_string(::getpid()));
  static const struct Cleanup {
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
  } cleanup;
  static const std::vector<File> seed = BuildSeedIndex(root / "seed");
  static const fs::path work = root / "work";
  std::vector<File> files = seed;
  // Each edit is 6 bytes: file, offset (u32), bits to flip; a zero mask truncates there.
  for (size_t at = 0; at + 6 <= size; at += 6) {
    File& file = files[data[at] % files.size()];
    if (file.bytes.empty()) continue;
    uint32_t offset;
    std::memcpy(&offset, data + at + 1, 4);
    offset %= static_cast<uint32_t>(file.bytes.size());
    const uint8_t mask = data[at + 5];
    if (mask == 0) {
      file.bytes.resize(offset);
    } else {
      file.bytes[offset] = static_cast<char>(file.bytes[offset] ^ mask);
    }
  }
  fs::remove_all(work);
  fs::create_directories(work);
  for (File& file : files) {
    FixChecksum(&file.bytes);
    std::ofstream(work / file.name, std::ios::binary) << file.bytes;
  }
  try {
    Exercise(work.string());
  } catch (const loupe::Error&) {
  }
  (void)loupe::VerifyIndex(work.string());
  return 0;
}
