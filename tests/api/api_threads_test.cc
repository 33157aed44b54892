// The thread-safety promises of the public API, exercised together: several
// threads search readers while a writer adds, deletes and commits (with
// background merges), another thread keeps reopening the newest reader, and
// one more verifies and describes the index all the while.
// Run under ThreadSanitizer by `./loupe.sh test --full`.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "test_util.h"

namespace loupe {
namespace {

constexpr int kDocuments = 240;
constexpr int kCommitEvery = 16;
constexpr int kDeleteEvery = 5;  // every fifth document is deleted again

Document Doc(int i) {
  return {"d" + std::to_string(i), {{"title", "item " + std::to_string(i)}, {"body", "shared words w" + std::to_string(i)}}};
}

// Every document has the word "shared", so in any consistent snapshot the
// query matches exactly the live documents.
bool Consistent(const std::shared_ptr<const IndexReader>& reader) {
  const Searcher searcher(reader);
  const QueryPtr shared = ParseQuery("shared", reader->schema());
  const uint64_t live = reader->document_count();
  if (searcher.Count(*shared) != live) return false;
  const SearchResults top = searcher.Search(*shared, {.k = 5});
  if (top.hits.size() != std::min<uint64_t>(5, live)) return false;
  for (const Hit& hit : top.hits) {
    if (searcher.Fetch(hit).id != hit.id || !reader->Find(hit.id)) return false;
  }
  return true;
}

TEST(ApiThreads, SearchesAndReopensWhileAWriterCommits) {
  testing::TempDir dir;
  auto writer = IndexWriter::Open(dir.str(), {.create = true, .ram_budget_bytes = 1 << 20, .background_merges = true});
  writer->AddDocument(Doc(0));
  writer->Commit();
  const auto first = IndexReader::Open(dir.str());

  std::mutex newest_mu;
  std::shared_ptr<const IndexReader> newest = first;
  // The reopener runs until it has seen the writer's last commit, the
  // searchers until the reopener is done.
  std::atomic<uint64_t> last_generation{UINT64_MAX};
  std::atomic<bool> searching{true};
  std::atomic<int> failures{0};
  std::atomic<int> reopens{0};

  std::thread reopener([&] {
    std::shared_ptr<const IndexReader> mine = first;
    while (mine->generation() < last_generation.load()) {
      auto next = mine->Reopen();
      if (next->generation() < mine->generation()) ++failures;
      if (next != mine) ++reopens;
      mine = std::move(next);
      std::lock_guard<std::mutex> guard(newest_mu);
      newest = mine;
    }
  });
  std::vector<std::thread> searchers;
  for (int t = 0; t < 3; ++t) {
    searchers.emplace_back([&] {
      while (searching.load()) {
        std::shared_ptr<const IndexReader> reader;
        {
          std::lock_guard<std::mutex> guard(newest_mu);
          reader = newest;
        }
        if (!Consistent(reader)) ++failures;
        // The first snapshot never changes, whatever the writer does.
        if (Searcher(first).Count(*ParseQuery("shared", first->schema())) != 1) ++failures;
      }
    });
  }

  // Checking and describing the index while commits replace its files: a
  // file removed by a newer commit is not damage.
  std::atomic<int> verified{0};
  std::thread verifier([&] {
    while (searching.load()) {
      try {
        const VerifyReport report = VerifyIndex(dir.str());
        if (!report.ok()) ++failures;
        if (IndexReader::Open(dir.str(), {.verify_checksums = false})->Summary().documents == 0) ++failures;
        ++verified;
      } catch (const Error&) {
        ++failures;
      }
    }
  });

  int live = 1;
  for (int i = 1; i < kDocuments; ++i) {
    writer->AddDocument(Doc(i));
    ++live;
    if (i % kDeleteEvery == 0) {
      EXPECT_TRUE(writer->DeleteDocument("d" + std::to_string(i - 1)));  // no ASSERT: threads must be joined
      --live;
    }
    if (i % kCommitEvery == 0) writer->Commit();
  }
  writer->Commit();
  writer->WaitForMerges();
  last_generation = IndexReader::Open(dir.str())->generation();
  reopener.join();
  searching = false;
  for (auto& t : searchers) t.join();
  verifier.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(verified.load(), 0);
  EXPECT_GT(reopens.load(), 0);
  const auto last = first->Reopen();
  EXPECT_EQ(last->document_count(), static_cast<uint64_t>(live));
  EXPECT_TRUE(Consistent(last));
  EXPECT_FALSE(last->Find("d4").has_value());
  EXPECT_TRUE(last->Find("d5").has_value());
}

}  // namespace
}  // namespace loupe
