// IndexWriter's contract: commits are atomic, nothing uncommitted is visible,
// one writer at a time, updates and deletes by id, clean-up of leftovers.
#include "loupe/index_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "test_util.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

Document Doc(const std::string& id, const std::string& title, const std::string& body = "") {
  Document d;
  d.id = id;
  d.fields.push_back({"title", title});
  d.fields.push_back({"body", body});
  return d;
}

std::set<std::string> Files(const std::string& path) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(path)) names.insert(e.path().filename().string());
  return names;
}

TEST(IndexWriter, NothingIsVisibleBeforeCommit) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  auto writer = IndexWriter::Open(path);
  writer->AddDocument(Doc("a", "first"));
  EXPECT_THROW(IndexReader::Open(path), NotFoundError);  // no commit yet
  writer->Commit();
  EXPECT_EQ(IndexReader::Open(path)->document_count(), 1u);
  writer->AddDocument(Doc("b", "second"));
  EXPECT_EQ(IndexReader::Open(path)->document_count(), 1u);
  writer->Commit();
  EXPECT_EQ(IndexReader::Open(path)->document_count(), 2u);
}

TEST(IndexWriter, DestroyedWithoutCommitLeavesThePreviousCommitIntact) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  {
    auto writer = IndexWriter::Open(path);
    writer->AddDocument(Doc("a", "kept"));
    writer->Commit();
  }
  const auto before = Files(path);
  {
    auto writer = IndexWriter::Open(path, {.ram_budget_bytes = 1 << 20});
    std::string body;
    for (int w = 0; w < 200; ++w) body += "word" + std::to_string(w * 7919 % 5000) + " ";
    for (int i = 0; i < 3000; ++i) writer->AddDocument(Doc("x" + std::to_string(i), "lost " + std::to_string(i), body));
    writer->DeleteDocument("a");
    EXPECT_GT(writer->stats().segments_flushed, 0u);  // segments were written...
  }  // ...and are discarded with the writer
  EXPECT_EQ(Files(path), before);
  const auto reader = IndexReader::Open(path);
  EXPECT_EQ(reader->document_count(), 1u);
  ASSERT_TRUE(reader->Find("a").has_value());
  EXPECT_EQ(reader->Find("a")->Text("title"), "kept");
  EXPECT_TRUE(VerifyIndex(path).ok());
}

TEST(IndexWriter, OneWriterAtATime) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  auto writer = IndexWriter::Open(path);
  EXPECT_THROW(IndexWriter::Open(path), LockedError);
  // Spelt otherwise, it is still this process's own writer.
  try {
    IndexWriter::Open(path + "/");
    ADD_FAILURE() << "a second writer opened";
  } catch (const LockedError& e) {
    EXPECT_NE(std::string(e.what()).find("already open for writing in this process"), std::string::npos) << e.what();
  }
  writer.reset();
  EXPECT_NO_THROW(IndexWriter::Open(path));
  // Paths that cannot be an index directory.
  std::ofstream(tmp.Sub("file")) << "x";
  EXPECT_THROW(IndexWriter::Open(tmp.Sub("file")), InvalidArgumentError);
  EXPECT_THROW(IndexWriter::Open(""), InvalidArgumentError);
}

TEST(IndexWriter, StaleLockFileIsTakenOver) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  IndexWriter::Open(path)->Commit();
  // A lock file with a pid in it but no process holding the lock: what a
  // killed writer leaves.
  std::ofstream(path + "/write.lock") << "pid 999999\n";
  const VerifyReport report = VerifyIndex(path);
  EXPECT_TRUE(report.ok());
  ASSERT_FALSE(report.notes.empty());
  EXPECT_NE(report.notes[0].find("stale lock"), std::string::npos);
  EXPECT_NO_THROW(IndexWriter::Open(path));
}

TEST(IndexWriter, UpdatesReplaceByIdAcrossSegmentsAndCommits) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  auto writer = IndexWriter::Open(path);
  EXPECT_EQ(writer->AddDocument(Doc("a", "one")), IndexWriter::AddResult::kAdded);
  EXPECT_EQ(writer->AddDocument(Doc("a", "two")), IndexWriter::AddResult::kReplaced);  // same session
  EXPECT_EQ(writer->AddDocument(Doc("b", "bee")), IndexWriter::AddResult::kAdded);
  writer->Commit();
  EXPECT_EQ(writer->AddDocument(Doc("a", "three")), IndexWriter::AddResult::kReplaced);  // committed one
  EXPECT_EQ(writer->AddDocument(Doc("c", "sea"), false), IndexWriter::AddResult::kAdded);
  EXPECT_EQ(writer->AddDocument(Doc("c", "sea again"), false), IndexWriter::AddResult::kDuplicate);
  EXPECT_TRUE(writer->IsPending("c"));
  EXPECT_FALSE(writer->IsPending("b"));
  writer->Commit();
  const auto reader = IndexReader::Open(path);
  EXPECT_EQ(reader->document_count(), 3u);
  EXPECT_EQ(reader->Find("a")->Text("title"), "three");
  EXPECT_EQ(reader->Find("c")->Text("title"), "sea");
  // "one" (replaced before the first commit) and "two" (committed, then replaced).
  EXPECT_EQ(reader->deleted_count(), 2u);
}

TEST(IndexWriter, DeletesAndFullyDeletedSegmentsDisappear) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  auto writer = IndexWriter::Open(path);
  writer->AddDocument(Doc("a", "alpha"));
  writer->AddDocument(Doc("b", "beta"));
  writer->Commit();
  EXPECT_TRUE(writer->DeleteDocument("a"));
  EXPECT_FALSE(writer->DeleteDocument("a"));
  writer->Commit();
  {
    const auto reader = IndexReader::Open(path);
    EXPECT_EQ(reader->document_count(), 1u);
    EXPECT_FALSE(reader->Find("a").has_value());
    EXPECT_TRUE(VerifyIndex(path).ok());
  }
  EXPECT_TRUE(writer->DeleteDocument("b"));
  writer->Commit();
  const auto reader = IndexReader::Open(path);
  EXPECT_EQ(reader->document_count(), 0u);
  EXPECT_EQ(reader->Summary().segments.size(), 0u);
  for (const std::string& name : Files(path)) EXPECT_FALSE(name.starts_with("seg_")) << name;
}

TEST(IndexWriter, CreateReplacesTheOldIndexOnlyAtCommit) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  {
    auto writer = IndexWriter::Open(path);
    writer->AddDocument(Doc("old", "old"));
    writer->Commit();
  }
  auto writer = IndexWriter::Open(path, {.create = true});
  writer->AddDocument(Doc("new", "new"));
  EXPECT_TRUE(IndexReader::Open(path)->Find("old").has_value());  // still the old index
  writer.reset();  // no commit: the old index survives
  EXPECT_TRUE(IndexReader::Open(path)->Find("old").has_value());
  EXPECT_TRUE(VerifyIndex(path).ok());
  writer = IndexWriter::Open(path, {.create = true});
  writer->AddDocument(Doc("new", "new"));
  writer->Commit();
  const auto reader = IndexReader::Open(path);
  EXPECT_FALSE(reader->Find("old").has_value());
  EXPECT_TRUE(reader->Find("new").has_value());
}

TEST(IndexWriter, LeftoversOfACrashAreRemovedByTheNextWriter) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  IndexWriter::Open(path)->Commit();
  const auto clean = Files(path);
  // What a writer killed mid-flush or mid-commit leaves behind.
  std::ofstream(path + "/seg_000042.post") << "half a segment";
  std::ofstream(path + "/commit_00000000000000000009.tmp") << "half a manifest";
  const VerifyReport report = VerifyIndex(path);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.notes.size(), 2u);
  IndexWriter::Open(path);
  EXPECT_EQ(Files(path), clean);
}

TEST(IndexWriter, RefusesForeignDirectoriesAndOtherSchemas) {
  testing::TempDir tmp;
  tmp.Write("photos/cat.jpg", "not an index");
  EXPECT_THROW(IndexWriter::Open(tmp.Sub("photos")), InvalidArgumentError);
  EXPECT_THROW(IndexWriter::Open(tmp.Sub("photos"), {.create = true}), InvalidArgumentError);
  EXPECT_TRUE(fs::exists(tmp.Sub("photos/cat.jpg")));
  const std::string path = tmp.Sub("idx");
  IndexWriter::Open(path, {.schema = Schema::Default("english")})->Commit();
  EXPECT_THROW(IndexWriter::Open(path, {.schema = Schema::Default("anserini")}), InvalidArgumentError);
  EXPECT_NO_THROW(IndexWriter::Open(path, {.schema = Schema::Default("english")}));
  EXPECT_EQ(IndexReader::Open(path)->schema(), Schema::Default("english"));
}

TEST(IndexWriter, BadIdsAreRefused) {
  testing::TempDir tmp;
  auto writer = IndexWriter::Open(tmp.Sub("idx"));
  EXPECT_THROW(writer->AddDocument(Doc("", "no id")), InvalidArgumentError);
  EXPECT_THROW(writer->AddDocument(Doc(std::string(5000, 'x'), "long id")), InvalidArgumentError);
  EXPECT_NO_THROW(writer->AddDocument(Doc("fine", "still usable")));
}

// A field named "id", or a name given twice, breaks Document's invariants:
// refused before anything changes. Accepted, it was typed into the schema
// as a column twice and the commit left an index no reader could open.
TEST(IndexWriter, FieldsNamedIdOrRepeatedAreRefused) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  auto writer = IndexWriter::Open(path);
  writer->AddDocument(Doc("a", "kept"));
  writer->Commit();
  Document named_id = Doc("x", "t");
  named_id.fields.push_back({"id", std::string("oops")});
  EXPECT_THROW(writer->AddDocument(named_id), InvalidArgumentError);
  Document repeated;
  repeated.id = "y";
  repeated.fields = {{"n", int64_t{1}}, {"n", std::string("2023-01-01")}};
  EXPECT_THROW(writer->AddDocument(repeated), InvalidArgumentError);
  for (int i = 0; i < 20; ++i) repeated.fields.push_back({"f" + std::to_string(i), int64_t{i}});
  EXPECT_THROW(writer->AddDocument(repeated), InvalidArgumentError);  // among many fields too
  // A RawJson value is written back into JSON output as it is: it must be JSON.
  Document raw = Doc("r", "t");
  raw.fields.push_back({"meta", RawJson{"this is {not json"}});
  EXPECT_THROW(writer->AddDocument(raw), InvalidArgumentError);
  raw.fields.back().value = RawJson{R"({"k":[1,2]})"};
  EXPECT_NO_THROW(writer->AddDocument(raw));
  // The writer is still usable and the index readable.
  writer->AddDocument(Doc("b", "also kept"));
  writer->Commit();
  const auto reader = IndexReader::Open(path);
  EXPECT_EQ(reader->document_count(), 3u);
  EXPECT_TRUE(VerifyIndex(path).ok());
}

// The ids added since the last commit cannot be flushed: once their table
// outgrew the budget, every later document flushed a segment of its own.
TEST(IndexWriter, ManyIdsOnASmallBudgetDoNotFlushPerDocument) {
  testing::TempDir tmp;
  auto writer = IndexWriter::Open(tmp.Sub("idx"), {.ram_budget_bytes = size_t{1} << 20});
  for (int i = 0; i < 40000; ++i) writer->AddDocument(Doc(std::to_string(i), "t"));
  EXPECT_LT(writer->stats().segments_flushed, 40u);
  writer->Commit();
  EXPECT_EQ(IndexReader::Open(tmp.Sub("idx"))->document_count(), 40000u);
}

// schema() while other threads add documents with new (inferred) fields:
// a copy, never a view of a vector being grown (run under ThreadSanitizer
// and AddressSanitizer in CI).
TEST(IndexWriter, SchemaWhileFieldsAreInferred) {
  testing::TempDir tmp;
  auto writer = IndexWriter::Open(tmp.Sub("idx"));
  std::atomic<bool> done = false;
  std::thread reader([&] {
    size_t seen = 0;
    while (!done) seen = std::max(seen, writer->schema().scalar_fields.size());
    EXPECT_LE(seen, 500u);
  });
  for (int i = 0; i < 500; ++i) {
    Document d = Doc(std::to_string(i), "t");
    d.fields.push_back({"field" + std::to_string(i), int64_t{i}});
    writer->AddDocument(d);
  }
  done = true;
  reader.join();
  EXPECT_EQ(writer->schema().scalar_fields.size(), 500u);
}

TEST(IndexWriter, ConcurrentAddersOfTheSameIdsLeaveOneEach) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  auto writer = IndexWriter::Open(path, {.ram_budget_bytes = 1 << 20});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) writer->AddDocument(Doc("id" + std::to_string(i), "thread " + std::to_string(t)));
    });
  }
  for (auto& t : threads) t.join();
  writer->Commit();
  const auto reader = IndexReader::Open(path);
  EXPECT_EQ(reader->document_count(), 500u);
  EXPECT_TRUE(VerifyIndex(path).ok());
}

// A commit is not held off by adders that never pause: with a small budget
// their holds of the commit lock (flushing under it) overlap, and a plain
// read-write lock let new adds in ahead of the waiting commit for as long as
// they came (10 s and more with three adders). The adders run until the
// commit returns or a watchdog stops them after 60 s: the commit must have
// returned while they still ran.
TEST(IndexWriter, ConcurrentCommitIsNotStarvedByAdders) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  auto writer = IndexWriter::Open(path, {.ram_budget_bytes = 1 << 20});
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> added{0};
  std::vector<std::thread> adders;
  for (int t = 0; t < 3; ++t) {
    adders.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        writer->AddDocument(Doc("t" + std::to_string(t) + "-" + std::to_string(i), "words of thread " + std::to_string(i % 97)));
        ++added;
      }
    });
  }
  std::thread watchdog([&] {
    for (int i = 0; i < 600 && !stop.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;
  });
  // Long enough for the session's ids to fill much of the budget, so that
  // flushes (under the lock) come often.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  writer->Commit();
  const bool stopped_first = stop.exchange(true);
  watchdog.join();
  for (auto& a : adders) a.join();
  EXPECT_FALSE(stopped_first) << "the commit returned only after the adders were stopped";
  writer->Commit();
  EXPECT_EQ(IndexReader::Open(path)->document_count(), added.load());
}

}  // namespace
}  // namespace loupe
