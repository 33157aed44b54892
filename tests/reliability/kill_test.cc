// Kill tests: `loupe index` (committing every few thousand records, merging
// at commit and in the background) and `loupe merge` are killed with SIGKILL
// at random moments, over and over on the same index. After every kill the
// index opens, `loupe verify` passes, and it holds exactly the documents of a
// completed commit: every commit the process reported before it died, plus at
// most the one it was making - never a half-present document.
//
// Each run writes a new version of every document (the version is in its
// title), so the test knows for each id which run's commit it must come from.
// Seeded (LOUPE_TEST_SEED) and reproducible up to the timing of the kills.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "loupe/index_reader.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "test_util.h"

extern char** environ;

namespace loupe {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kDocuments = 20000;
constexpr int kCommitEvery = 2500;
constexpr int kIndexTrials = 50;
constexpr int kMergeTrials = 20;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A corpus where every title carries the run's version.
void WriteCorpus(const fs::path& path, int version) {
  std::mt19937_64 rng(static_cast<uint64_t>(version) * 7919 + 1);
  std::ofstream out(path, std::ios::binary);
  std::string line;
  for (int i = 0; i < kDocuments; ++i) {
    line = "{\"id\":\"d" + std::to_string(i) + "\",\"title\":\"title v" + std::to_string(version) +
           " t" + std::to_string(rng() % 500) + "\",\"body\":\"";
    const int words = 40 + static_cast<int>(rng() % 200);
    for (int w = 0; w < words; ++w) {
      // Roughly Zipfian words, so posting lists have every length.
      const double u = std::uniform_real_distribution<double>(0, 1)(rng);
      line += "w" + std::to_string(static_cast<int>(std::pow(20000.0, u))) + " ";
    }
    line += "\"}\n";
    out << line;
  }
}

std::string TitleOf(const Document& doc) {
  for (const auto& f : doc.fields) {
    if (f.name == "title") return std::get<std::string>(f.value);
  }
  return {};
}

struct Outcome {
  bool killed = false;
  int exit_code = -1;
  std::string err;
};

// Runs the loupe command; kills it with SIGKILL after `kill_after` (if it is
// still running then; a negative delay lets it finish).
Outcome RunLoupe(const std::vector<std::string>& args, std::chrono::microseconds kill_after, const fs::path& err_file) {
  std::vector<char*> argv;
  std::vector<std::string> all = {LOUPE_CLI_PATH};
  all.insert(all.end(), args.begin(), args.end());
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  Outcome outcome;
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
    return outcome;
  }
  const Clock::time_point deadline = Clock::now() + kill_after;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, kill_after.count() < 0 ? 0 : WNOHANG);
    if (done == pid) break;
    if (Clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      outcome.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  outcome.err = ReadAll(err_file);
  return outcome;
}

// The record counts of the commits a `loupe index --commit-every` run reported.
std::vector<int> ReportedCommits(const std::string& err) {
  static const std::string kPrefix = "loupe index: committed ";
  std::vector<int> counts;
  for (size_t at = err.find(kPrefix); at != std::string::npos; at = err.find(kPrefix, at + 1)) {
    const size_t digits = at + kPrefix.size();
    const size_t end = err.find(" records", digits);
    if (end != std::string::npos && end > digits) counts.push_back(std::stoi(err.substr(digits, end - digits)));
  }
  return counts;
}

class KillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = tmp_.Sub("index");
    corpus_ = tmp_.path() / "corpus.jsonl";
    err_ = tmp_.path() / "stderr.txt";
    versions_.assign(kDocuments, -1);
  }

  std::vector<std::string> IndexArgs(bool create, bool merge) const {
    std::vector<std::string> args = {"index", index_, corpus_.string(), "--quiet", "--ram-budget", "40",
                                     "--commit-every", std::to_string(kCommitEvery)};
    if (create) args.push_back("--create");
    if (!merge) args.push_back("--no-merge");
    return args;
  }

  // The index holds, for each id, the version `versions_` says (-1: absent),
  // opens, and passes `loupe verify`. Exact by counting: the live documents
  // of each version (a search on the title's version term) must be as many
  // as expected, and ids around every boundary plus a random sample are
  // fetched and compared.
  void ExpectState(const std::string& context, std::mt19937_64& rng) {
    SCOPED_TRACE(context);
    const Outcome verify = RunLoupe({"verify", index_}, std::chrono::microseconds(-1), err_);
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
    const auto reader = IndexReader::Open(index_);
    std::map<int, uint64_t> per_version;
    uint64_t expected_count = 0;
    for (const int v : versions_) {
      if (v >= 0) ++per_version[v], ++expected_count;
    }
    EXPECT_EQ(reader->document_count(), expected_count);
    for (const auto& [version, count] : per_version) {
      EXPECT_EQ(VersionCount(reader, version), count) << "documents of version " << version;
    }
    std::vector<int> ids;
    for (int i = 0; i < kDocuments; ++i) {
      if (i == 0 || i + 1 == kDocuments || versions_[i] != versions_[i - 1] || versions_[i] != versions_[i + 1]) {
        ids.push_back(i);
      }
    }
    for (int n = 0; n < 300; ++n) ids.push_back(static_cast<int>(rng() % kDocuments));
    int wrong = 0;
    for (const int i : ids) {
      if (wrong >= 5) break;
      const std::optional<Document> doc = reader->Find("d" + std::to_string(i));
      if (versions_[i] < 0) {
        if (doc) {
          ADD_FAILURE() << "d" << i << " should be absent";
          ++wrong;
        }
        continue;
      }
      if (!doc) {
        ADD_FAILURE() << "d" << i << " is missing (expected version " << versions_[i] << ")";
        ++wrong;
      } else if (TitleOf(*doc).find(" v" + std::to_string(versions_[i]) + " ") == std::string::npos) {
        ADD_FAILURE() << "d" << i << " is '" << TitleOf(*doc) << "', expected version " << versions_[i];
        ++wrong;
      }
    }
  }

  static uint64_t VersionCount(const std::shared_ptr<const IndexReader>& reader, int version) {
    const Searcher searcher(reader);
    return searcher.Count(*ParseQuery("title:v" + std::to_string(version), reader->schema()));
  }

  bool HasVersion(const IndexReader& reader, int id, int version) {
    const std::optional<Document> doc = reader.Find("d" + std::to_string(id));
    return doc && TitleOf(*doc).find(" v" + std::to_string(version) + " ") != std::string::npos;
  }

  // Which records of run `version` the index holds: a prefix of the input
  // (found by bisection, then checked by counting).
  int CommittedPrefix(int version) {
    const auto reader = IndexReader::Open(index_);
    int lo = 0, hi = kDocuments;  // d0..d(lo-1) have it; d(hi) and on do not
    while (lo < hi) {
      const int mid = lo + (hi - lo) / 2;
      if (HasVersion(*reader, mid, version)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    EXPECT_EQ(VersionCount(reader, version), static_cast<uint64_t>(lo)) << "version " << version << " is not a prefix";
    return lo;
  }

  testing::TempDir tmp_;
  std::string index_;
  fs::path corpus_, err_;
  std::vector<int> versions_;  // per document id: the run whose commit holds it
};

TEST_F(KillTest, IndexAndMergeSurviveSigkillAtRandomMoments) {
  std::mt19937_64 rng(testing::TestSeed());

  // An uninterrupted run first: how long a run takes, and that it is whole.
  WriteCorpus(corpus_, 0);
  const Clock::time_point start = Clock::now();
  Outcome full = RunLoupe(IndexArgs(true, true), std::chrono::microseconds(-1), err_);
  const auto run_time = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(ReportedCommits(full.err).back(), kDocuments);
  versions_.assign(kDocuments, 0);
  ExpectState("uninterrupted run", rng);

  int killed = 0, mid_commit = 0;
  for (int trial = 1; trial <= kIndexTrials && !HasFailure(); ++trial) {
    WriteCorpus(corpus_, trial);
    const bool create = trial % 7 == 0;
    const bool merge = trial % 3 != 0;
    const auto delay = std::chrono::microseconds(static_cast<int64_t>(rng() % (run_time.count() + 1)));
    const Outcome o = RunLoupe(IndexArgs(create, merge), delay, err_);
    const std::string context = "index trial " + std::to_string(trial) + " (seed " +
                                std::to_string(testing::TestSeed()) + "), killed after " +
                                std::to_string(delay.count()) + " us" + (create ? ", --create" : "") +
                                (merge ? "" : ", --no-merge");
    ASSERT_TRUE(o.killed || o.exit_code == 0) << context << ": " << o.err;
    killed += o.killed;
    const std::vector<int> reported = ReportedCommits(o.err);
    const int last_reported = reported.empty() ? 0 : reported.back();
    // The commit in progress when the kill came may have become durable.
    const int next = std::min(last_reported + kCommitEvery, kDocuments);
    const int prefix = CommittedPrefix(trial);
    ASSERT_TRUE(prefix == last_reported || (o.killed && prefix == next))
        << context << ": holds the first " << prefix << " records of this run; reported commits up to "
        << last_reported;
    mid_commit += prefix != last_reported;
    if (prefix > 0 && create) versions_.assign(kDocuments, -1);
    for (int i = 0; i < prefix; ++i) versions_[i] = trial;
    ExpectState(context, rng);
  }
  EXPECT_GE(killed, kIndexTrials / 4) << "runs should mostly be killed, not finish";

  // Now kill merges of a many-segment index: nothing may change but layout.
  WriteCorpus(corpus_, 1000);
  // A commit every 2,500 records without merging: eight segments.
  ASSERT_EQ(RunLoupe({"index", index_, corpus_.string(), "--quiet", "--create", "--no-merge", "--commit-every",
                      std::to_string(kCommitEvery)},
                std::chrono::microseconds(-1), err_)
                .exit_code,
            0);
  versions_.assign(kDocuments, 1000);
  const std::string pristine = tmp_.Sub("pristine");
  fs::copy(index_, pristine, fs::copy_options::recursive);
  const size_t segments_before = IndexReader::Open(index_)->Summary().segments.size();
  ASSERT_GE(segments_before, 8u);
  const Clock::time_point merge_start = Clock::now();
  ASSERT_EQ(RunLoupe({"merge", index_, "--max-segments", "1"}, std::chrono::microseconds(-1), err_).exit_code, 0);
  const auto merge_time = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - merge_start);
  ExpectState("uninterrupted merge", rng);
  for (int trial = 1; trial <= kMergeTrials && !HasFailure(); ++trial) {
    fs::remove_all(index_);
    fs::copy(pristine, index_, fs::copy_options::recursive);
    const auto delay = std::chrono::microseconds(static_cast<int64_t>(rng() % (merge_time.count() + 1)));
    const Outcome o = RunLoupe({"merge", index_, "--max-segments", std::to_string(1 + trial % 3)}, delay, err_);
    ASSERT_TRUE(o.killed || o.exit_code == 0) << o.err;
    killed += o.killed;
    ExpectState("merge trial " + std::to_string(trial) + ", killed after " + std::to_string(delay.count()) + " us",
                rng);
  }
  std::cout << killed << " of " << kIndexTrials + kMergeTrials << " runs killed, " << mid_commit
            << " of them with the commit in progress durable\n";
}

}  // namespace
}  // namespace loupe
