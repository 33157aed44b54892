// Fault injection: a writer adds, deletes, commits and force-merges while the
// file system fails one chosen operation (every create, write, fsync, close,
// open, rename, remove, directory fsync and listing in turn), dies from one
// on, or fills up. Whatever fails, the API call that hit it throws a Loupe
// error, the index on disk holds exactly the last commit (or the one being
// made, if the failure came after it was durable), verifies clean, and no
// file descriptor is left open. Readers meeting a failing open get an error.
#include <dirent.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "store/faulty_directory.h"
#include "test_util.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;
using testing::FaultPlan;
using testing::ScopedFaults;

int OpenFileDescriptors() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

Document MakeDoc(const std::string& id, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Document d;
  d.id = id;
  std::string body;
  for (int w = 0, n = 5 + static_cast<int>(rng() % 120); w < n; ++w) body += "w" + std::to_string(rng() % 60) + " ";
  d.fields.push_back({"title", "title w" + std::to_string(rng() % 60)});
  d.fields.push_back({"body", body});
  return d;
}

// The documents an index should hold: id -> body.
using Expected = std::map<std::string, std::string>;

void AddRange(IndexWriter& w, Expected* expected, const std::string& prefix, int from, int to) {
  for (int i = from; i < to; ++i) {
    Document d = MakeDoc(prefix + std::to_string(i), static_cast<uint64_t>(i));
    w.AddDocument(d);
    (*expected)[d.id] = std::get<std::string>(d.fields[1].value);
  }
}

// The index at `path` holds exactly `expected`: same ids, intact stored text,
// and a search count that agrees with a scan of the expected bodies.
::testing::AssertionResult Holds(const std::string& path, const Expected& expected) {
  const auto reader = IndexReader::Open(path);
  if (reader->document_count() != expected.size()) {
    return ::testing::AssertionFailure() << reader->document_count() << " documents, expected " << expected.size();
  }
  uint64_t with_w1 = 0;
  for (const auto& [id, body] : expected) {
    const std::optional<Document> d = reader->Find(id);
    if (!d) return ::testing::AssertionFailure() << "missing " << id;
    const std::string* stored = nullptr;
    for (const auto& f : d->fields) {
      if (f.name == "body") stored = &std::get<std::string>(f.value);
    }
    if (stored == nullptr || *stored != body) return ::testing::AssertionFailure() << "body of " << id << " differs";
    if (body.starts_with("w1 ") || body.find(" w1 ") != std::string::npos) ++with_w1;
  }
  const Searcher searcher(reader);
  const uint64_t counted = searcher.Count(*ParseQuery("body:w1", reader->schema()));
  if (counted != with_w1) return ::testing::AssertionFailure() << "body:w1 counts " << counted << ", expected " << with_w1;
  const VerifyReport report = VerifyIndex(path);
  if (!report.ok()) return ::testing::AssertionFailure() << "verify: " << report.errors.front();
  return ::testing::AssertionSuccess();
}

class FaultInjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = tmp_.Sub("base");
    auto w = IndexWriter::Open(base_);
    AddRange(*w, &before_, "a", 0, 120);
    w->Commit();
    AddRange(*w, &before_, "a", 120, 160);
    w->DeleteDocument("a5");
    before_.erase("a5");
    w->Commit();
    w.reset();
    after_ = before_;
    for (int i = 0; i < 150; ++i) {
      const Document d = MakeDoc("b" + std::to_string(i), static_cast<uint64_t>(i));
      after_[d.id] = std::get<std::string>(d.fields[1].value);
    }
    after_.erase("a7");
    after_["a9"] = std::get<std::string>(MakeDoc("a9", 9999).fields[1].value);
  }

  // The session under test: a small RAM budget makes it flush several
  // segments, and the forced merge rewrites everything (stored documents in
  // their own thread). Returns whether Commit() returned.
  // With `while_open`, it is called after an error with the writer still
  // open (what readers meet before the writer is closed or the process dies).
  static bool RunSession(const std::string& path, bool* threw, std::string* error,
                         const std::function<void()>& while_open = {}) {
    bool committed = false;
    *threw = false;
    std::unique_ptr<IndexWriter> w;
    try {
      IndexWriterOptions options;
      options.ram_budget_bytes = size_t{1} << 20;
      options.merge_on_commit = true;
      w = IndexWriter::Open(path, options);
      Expected ignored;
      AddRange(*w, &ignored, "b", 0, 150);
      w->AddDocument(MakeDoc("a9", 9999));
      w->DeleteDocument("a7");
      w->Commit();
      committed = true;
      // A merge at the commit that failed is given up, not an error of the
      // commit: the writer's stats report it.
      if (w->stats().commit_merges_given_up > 0) {
        *threw = true;
        *error = w->stats().commit_merge_error;
      }
      w->ForceMerge(1);
    } catch (const Error& e) {
      *threw = true;
      *error = e.what();
      if (w && while_open) while_open();
    }
    return committed;
  }

  std::string FreshCopy(const std::string& name) {
    const std::string path = tmp_.Sub(name);
    fs::remove_all(path);
    fs::copy(base_, path, fs::copy_options::recursive);
    return path;
  }

  // After a failed session: the index holds the commit before it or the one
  // it made, verifies, and a new writer cleans up and commits normally.
  void CheckAfterFailure(const std::string& path, bool committed, const std::string& context) {
    SCOPED_TRACE(context);
    const auto reader = IndexReader::Open(path);
    const bool is_after = reader->document_count() == after_.size();
    if (committed) {
      EXPECT_TRUE(is_after) << "a commit that returned, or that a reader saw, was lost";
    }
    EXPECT_TRUE(Holds(path, is_after ? after_ : before_));
    {
      auto w = IndexWriter::Open(path);
      w->Commit();
    }
    const VerifyReport report = VerifyIndex(path);
    EXPECT_TRUE(report.ok());
    for (const std::string& note : report.notes) ADD_FAILURE() << "after recovery: " << note;
  }

  testing::TempDir tmp_;
  std::string base_;
  Expected before_, after_;
};

TEST_F(FaultInjectionTest, SessionWithoutFaultsCommitsEverything) {
  const std::string path = FreshCopy("clean");
  auto plan = std::make_shared<FaultPlan>();
  bool threw = false;
  std::string error;
  {
    ScopedFaults faults(plan);
    EXPECT_TRUE(RunSession(path, &threw, &error));
  }
  EXPECT_FALSE(threw) << error;
  EXPECT_GT(plan->operations(), 50u);
  EXPECT_TRUE(Holds(path, after_));
  EXPECT_EQ(IndexReader::Open(path)->Summary().segments.size(), 1u);
}

// Each operation of the session fails in turn, once (a transient error) and
// for good (the disk is gone).
TEST_F(FaultInjectionTest, EveryFailingOperationLeavesACommittedIndex) {
  uint64_t total = 0;
  {
    const std::string path = FreshCopy("count");
    auto plan = std::make_shared<FaultPlan>();
    ScopedFaults faults(plan);
    bool threw = false;
    std::string error;
    RunSession(path, &threw, &error);
    total = plan->operations();
  }
  ASSERT_GT(total, 50u);
  std::map<std::string, int> failures_by_op;
  for (uint64_t run = 0; run < 2 * total; ++run) {
    const uint64_t at = 1 + run / 2;
    const std::string path = FreshCopy("run");
    const int fds = OpenFileDescriptors();
    auto plan = std::make_shared<FaultPlan>();
    plan->fail_at = at;
    plan->sticky = run % 2 == 1;
    bool threw = false, committed = false, seen_after = false;
    std::string error, while_open_error;
    // After a one-off failure, with the writer still open, a reader finds
    // a whole commit: the one before or the session's. A commit a reader
    // has seen must not be lost later.
    const auto check_while_open = [&] {
      if (plan->sticky) return;
      try {
        const bool after = IndexReader::Open(path)->document_count() == after_.size();
        const auto holds = Holds(path, after ? after_ : before_);
        if (!holds) while_open_error = holds.message();
        seen_after = after;
      } catch (const Error& e) {
        while_open_error = e.what();
      }
    };
    {
      ScopedFaults faults(plan);
      committed = RunSession(path, &threw, &error, check_while_open);
    }
    std::ostringstream context;
    context << "operation " << at << " of " << total << (plan->sticky ? " (and all after it)" : "") << ": "
            << testing::FsOpName(plan->failed_op()) << (threw ? " -> " + error : std::string(" -> no error"));
    EXPECT_EQ(OpenFileDescriptors(), fds) << context.str();
    if (plan->fired()) {
      ++failures_by_op[testing::FsOpName(plan->failed_op())];
      // Removing and listing leftovers is best effort (the next writer does
      // it again); every other failure is an error of the call that hit it.
      const bool cleanup_only =
          plan->failed_op() == testing::FsOp::kRemove || plan->failed_op() == testing::FsOp::kList;
      if (!cleanup_only) {
        EXPECT_TRUE(threw) << context.str();
      }
    }
    EXPECT_EQ(while_open_error, "") << context.str() << " (a reader with the writer still open)";
    CheckAfterFailure(path, committed || seen_after, context.str());
    if (HasFailure()) break;  // one well-described failure is enough
  }
  // The session must have met every kind of failure.
  for (const char* op : {"create", "append", "fsync", "close", "open", "rename", "directory fsync", "list"}) {
    EXPECT_TRUE(failures_by_op.contains(op)) << op;
  }
}

// The power fails at every step of the session in turn: what the disk holds
// then (file data as of each file's last fsync, directory entries as of the
// directory's last fsync) must be a whole commit - the one before the session
// or one it made, and the last one whose Commit() returned. This is what
// proves the order of fsyncs and renames in a commit.
TEST_F(FaultInjectionTest, PowerLossAtEveryStepLeavesTheLastCommit) {
  uint64_t total = 0;
  {
    const std::string path = FreshCopy("count");
    testing::PowerLossModel model;
    auto plan = std::make_shared<FaultPlan>();
    plan->power_loss = &model;
    bool threw = false;
    std::string error;
    {
      ScopedFaults faults(plan);
      ASSERT_TRUE(RunSession(path, &threw, &error));
    }
    ASSERT_FALSE(threw) << error;
    total = plan->operations();
    // Power lost right after the session: everything it committed is there.
    const std::string crashed = tmp_.Sub("crashed-after");
    model.Materialize(crashed);
    EXPECT_TRUE(Holds(crashed, after_));
  }
  for (uint64_t at = 1; at <= total && !HasFailure(); ++at) {
    const std::string path = FreshCopy("run");
    testing::PowerLossModel model;
    auto plan = std::make_shared<FaultPlan>();
    plan->power_loss = &model;
    plan->fail_at = at;
    plan->sticky = true;  // nothing reaches the disk after the power is gone
    bool threw = false, committed = false;
    std::string error;
    {
      ScopedFaults faults(plan);
      committed = RunSession(path, &threw, &error);
    }
    const std::string crashed = tmp_.Sub("crashed");
    fs::remove_all(crashed);
    model.Materialize(crashed);
    CheckAfterFailure(crashed, committed,
                      "power lost at operation " + std::to_string(at) + " of " + std::to_string(total) + " (" +
                          testing::FsOpName(plan->failed_op()) + ")");
  }
}

// The disk fills up after a given number of bytes: the write that does not
// fit fails, the session reports it, and once there is room again the same
// session succeeds.
TEST_F(FaultInjectionTest, FullDiskFailsTheCallAndLosesNothing) {
  uint64_t total_bytes = 0;
  {
    const std::string path = FreshCopy("count");
    auto plan = std::make_shared<FaultPlan>();
    ScopedFaults faults(plan);
    bool threw = false;
    std::string error;
    RunSession(path, &threw, &error);
    total_bytes = plan->bytes_appended();
  }
  ASSERT_GT(total_bytes, 10000u);
  std::mt19937_64 rng(testing::TestSeed());
  std::vector<uint64_t> budgets = {0, 1, 100, total_bytes / 2, total_bytes - 1};
  for (int i = 0; i < 40; ++i) budgets.push_back(rng() % total_bytes);
  for (const uint64_t budget : budgets) {
    const std::string path = FreshCopy("full");
    const int fds = OpenFileDescriptors();
    auto plan = std::make_shared<FaultPlan>();
    plan->disk_bytes = budget;
    bool threw = false, committed = false;
    std::string error;
    {
      ScopedFaults faults(plan);
      committed = RunSession(path, &threw, &error);
    }
    const std::string context = "disk full after " + std::to_string(budget) + " of " +
                                std::to_string(total_bytes) + " bytes: " + error;
    EXPECT_TRUE(plan->fired()) << context;
    EXPECT_TRUE(threw) << context;
    EXPECT_NE(error.find("No space left"), std::string::npos) << context;
    EXPECT_EQ(OpenFileDescriptors(), fds) << context;
    CheckAfterFailure(path, committed, context);
    // Room again: the same session now completes.
    bool threw_again = false;
    EXPECT_TRUE(RunSession(path, &threw_again, &error)) << context;
    EXPECT_FALSE(threw_again) << error;
    EXPECT_TRUE(Holds(path, after_)) << context;
    if (HasFailure()) break;
  }
}

// A merge at the commit (merge_on_commit) that fails is an optimisation
// given up: the commit publishes the session's segments as they are, and the
// stats say why. (Here its first file cannot be created; a full disk, which
// it meets first as it needs room for a copy, is the same IoError.)
TEST_F(FaultInjectionTest, FailedMergeAtCommitCommitsTheSegmentsUnmerged) {
  const auto session = [&](const std::string& path) {
    IndexWriterOptions options;
    options.ram_budget_bytes = size_t{1} << 20;
    options.merge_on_commit = true;
    options.background_merges = false;
    auto w = IndexWriter::Open(path, options);
    Expected ignored;
    AddRange(*w, &ignored, "b", 0, 150);
    AddRange(*w, &ignored, "c", 0, 6000);  // several segments to merge
    w->AddDocument(MakeDoc("a9", 9999));
    w->DeleteDocument("a7");
    w->Commit();
    return w->stats();
  };
  Expected expected = after_;
  for (int i = 0; i < 6000; ++i) {
    const Document d = MakeDoc("c" + std::to_string(i), static_cast<uint64_t>(i));
    expected[d.id] = std::get<std::string>(d.fields[1].value);
  }
  // The merged segment: the last one created before the commit's manifest.
  auto recording = std::make_shared<FaultPlan>();
  recording->record = true;
  IndexWriterStats clean;
  {
    ScopedFaults faults(recording);
    clean = session(FreshCopy("record"));
  }
  ASSERT_GE(clean.segments_flushed, 2u);
  ASSERT_EQ(clean.merges, 1u);
  const auto log = recording->log();
  size_t manifest = log.size();
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].first == testing::FsOp::kCreate && log[i].second.starts_with("commit_")) manifest = std::min(manifest, i);
  }
  ASSERT_LT(manifest, log.size());
  std::string merged;
  for (size_t i = manifest; i-- > 0 && merged.empty();) {
    const std::string& name = log[i].second;
    if (log[i].first == testing::FsOp::kCreate && name.starts_with("seg_") && name.ends_with(".info")) {
      merged = name.substr(0, name.size() - 5);
    }
  }
  ASSERT_FALSE(merged.empty());

  // Segment names are given in order, so the same session merges into the
  // same name.
  const std::string path = FreshCopy("given-up");
  auto plan = std::make_shared<FaultPlan>();
  plan->fail_create_of = merged;
  IndexWriterStats stats;
  {
    ScopedFaults faults(plan);
    stats = session(path);
  }
  EXPECT_TRUE(plan->fired());
  EXPECT_EQ(stats.merges, 0u);
  EXPECT_EQ(stats.commit_merges_given_up, 1u);
  EXPECT_NE(stats.commit_merge_error.find("injected"), std::string::npos) << stats.commit_merge_error;
  EXPECT_TRUE(Holds(path, expected));
  EXPECT_GT(IndexReader::Open(path)->Summary().segments.size(), 2u);  // the session's segments, unmerged
  const VerifyReport report = VerifyIndex(path);
  EXPECT_TRUE(report.notes.empty()) << report.notes.front();  // nothing of the merge left behind
}

// An update whose add fails (here its new in-memory segment cannot create
// its files) leaves the old version: a commit after it, from this thread or
// another, must not publish the update as a delete.
TEST_F(FaultInjectionTest, FailedUpdateKeepsTheOldVersion) {
  const std::string path = FreshCopy("update");
  auto plan = std::make_shared<FaultPlan>();
  plan->fail_create_of = "seg_";
  {
    ScopedFaults faults(plan);
    auto w = IndexWriter::Open(path);
    EXPECT_THROW(w->AddDocument(MakeDoc("a9", 9999)), IoError);
    try {
      w->Commit();
    } catch (const Error&) {
      // Refusing to commit is fine too; publishing the half update is not.
    }
  }
  EXPECT_TRUE(plan->fired());
  EXPECT_TRUE(Holds(path, before_));
}

// Opening and searching meet a failing open or listing: an error, no leak,
// and the next attempt succeeds.
TEST_F(FaultInjectionTest, ReaderFailuresAreErrors) {
  uint64_t total = 0;
  {
    auto plan = std::make_shared<FaultPlan>();
    ScopedFaults faults(plan);
    EXPECT_TRUE(Holds(base_, before_));
    total = plan->operations();
  }
  ASSERT_GT(total, 5u);
  for (uint64_t at = 1; at <= total; ++at) {
    const int fds = OpenFileDescriptors();
    auto plan = std::make_shared<FaultPlan>();
    plan->fail_at = at;
    bool threw = false;
    {
      ScopedFaults faults(plan);
      try {
        const auto reader = IndexReader::Open(base_);
        const Searcher searcher(reader);
        searcher.Count(*ParseQuery("w1", reader->schema()));
        // Verify reports what it cannot read instead of throwing.
        const VerifyReport report = VerifyIndex(base_);
        if (!report.ok()) {
          threw = true;
          EXPECT_NE(report.errors.front().find("injected"), std::string::npos) << report.errors.front();
        }
      } catch (const IoError& e) {
        threw = true;
        EXPECT_NE(std::string(e.what()).find("injected"), std::string::npos) << e.what();
      }
    }
    EXPECT_EQ(threw, plan->fired()) << "operation " << at;
    EXPECT_EQ(OpenFileDescriptors(), fds) << "operation " << at;
  }
  EXPECT_TRUE(Holds(base_, before_));
}

}  // namespace
}  // namespace loupe
