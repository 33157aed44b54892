// loupe index: read documents from files and add them to an index.
//
// The main thread reads and parses the inputs; --threads workers invert
// documents through one IndexWriter. One commit at the end: with
// --on-error fail (the default) a bad record stops the run before anything of
// it is committed.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "cli.h"
#include "commands.h"
#include "ingest/document_reader.h"
#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "util/utf8.h"

namespace loupe::cli {
namespace {

constexpr std::string_view kUsage =
    "DIR INPUT... [--create] [--analyzer NAME] [--field NAME=SRC[,SRC...]]...\n"
    "       [--schema FILE] [--threads N] [--ram-budget MiB] [--on-error skip|fail]\n"
    "       [--commit-every N] [--no-merge] [--quiet]\n\n"
    "Adds the documents of each INPUT to the index in DIR (created if missing).\n"
    "INPUT is a JSON Lines file (plain, zstd or gzip, recognised by content), a\n"
    "folder of .txt articles, or '-' for standard input (see corpus/README.md).\n"
    "A document whose id is already in the index replaces it. Everything is\n"
    "committed at the end, or nothing if the run fails (with --commit-every,\n"
    "what the commits so far hold stays).";

constexpr size_t kMaxPrintedErrors = 20;

struct Job {
  Document doc;
  std::string source;
  uint64_t line;
};

// Documents travel to the workers in batches: one hand-off per document
// would cost more in thread wake-ups than small documents cost to index.
using Batch = std::vector<Job>;
constexpr size_t kBatchSize = 64;

// A bounded queue between the reading thread and the indexing workers.
class JobQueue {
 public:
  explicit JobQueue(size_t capacity) : capacity_(capacity) {}
  void Push(Batch job) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return jobs_.size() < capacity_ || closed_; });
    if (closed_) return;
    jobs_.push_back(std::move(job));
    not_empty_.notify_one();
  }
  std::optional<Batch> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !jobs_.empty() || closed_; });
    if (jobs_.empty()) return std::nullopt;
    Batch job = std::move(jobs_.front());
    jobs_.pop_front();
    ++in_flight_;
    not_full_.notify_one();
    return job;
  }
  // A worker finished the batch it popped.
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    if (jobs_.empty() && in_flight_ == 0) idle_.notify_all();
  }
  // Waits until every batch pushed so far has been indexed (or dropped).
  void WaitIdle() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [&] { return (jobs_.empty() && in_flight_ == 0) || closed_; });
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }
  // Drops queued jobs (after a failure).
  void Abort() {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.clear();
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
    idle_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_, idle_;
  std::deque<Batch> jobs_;
  size_t capacity_;
  size_t in_flight_ = 0;
  bool closed_ = false;
};

// Bad records, counted and printed (up to a limit) from any thread.
class ErrorLog {
 public:
  ErrorLog(bool stop_on_first, bool clear_line) : stop_on_first_(stop_on_first), clear_line_(clear_line) {}
  void Report(const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    if (count_ <= kMaxPrintedErrors) {
      // On a terminal, first clear the progress line the message replaces.
      std::cerr << (clear_line_ ? "\r\033[K" : "") << util::PrintableText(message) << "\n";
    } else if (count_ == kMaxPrintedErrors + 1) {
      std::cerr << "(further errors are counted but not printed)\n";
    }
    if (stop_on_first_) failed_ = true;
  }
  // Something worth saying that is not an error (a value kept out of its
  // column): printed like errors, counted apart, never stops the run.
  void Note(const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (++notes_ <= kMaxPrintedErrors) {
      std::cerr << (clear_line_ ? "\r\033[K" : "") << util::PrintableText(message) << "\n";
    } else if (notes_ == kMaxPrintedErrors + 1) {
      std::cerr << "(further notes are counted but not printed)\n";
    }
  }
  uint64_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  uint64_t notes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return notes_;
  }
  bool failed() const { return failed_.load(); }
  void Fail() { failed_ = true; }

 private:
  mutable std::mutex mu_;
  uint64_t count_ = 0;
  uint64_t notes_ = 0;
  bool stop_on_first_;
  bool clear_line_;
  std::atomic<bool> failed_{false};
};

Schema BuildSchema(const std::vector<std::string>& field_specs, const std::string& analyzer) {
  if (field_specs.empty()) return Schema::Default(analyzer);
  Schema schema;
  for (const std::string& spec : field_specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      throw UsageError("--field wants NAME=SRC[,SRC...], got '" + spec + "'");
    }
    std::vector<std::string> sources;
    std::stringstream list(spec.substr(eq + 1));
    for (std::string src; std::getline(list, src, ',');) {
      if (!src.empty()) sources.push_back(src);
    }
    try {
      schema.AddTextField(spec.substr(0, eq), sources, analyzer);
    } catch (const InvalidArgumentError& e) {
      throw UsageError(e.what());
    }
  }
  return schema;
}

// Bytes of the text a document gives the text fields: each source field
// once, a string or an array of strings (values of one multi-valued field).
uint64_t TextBytes(const Document& doc, const Schema& schema) {
  uint64_t n = 0;
  for (const Field& field : doc.fields) {
    if (!schema.IsTextSource(field.name)) continue;
    if (const auto* text = std::get_if<std::string>(&field.value)) n += text->size();
    if (const auto* list = std::get_if<StringList>(&field.value)) {
      for (const std::string& text : *list) n += text.size();
    }
  }
  return n;
}

class Progress {
 public:
  Progress(bool enabled, uint64_t total_file_bytes)
      : enabled_(enabled), total_(total_file_bytes), start_(std::chrono::steady_clock::now()) {}

  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  void Update(uint64_t docs, uint64_t text_bytes, uint64_t file_bytes_done, bool force = false) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double secs = seconds();
    const double rate = secs > 0 ? text_bytes / secs / 1e6 : 0;
    std::string line = "indexing: " + FormatCount(docs) + " docs, " + FormatBytes(text_bytes) + " of text, ";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f MB/s", rate);
    line += buf;
    if (total_ > 0 && file_bytes_done > 0) {
      const double fraction = std::min(1.0, static_cast<double>(file_bytes_done) / total_);
      const int width = 24;
      const int filled = static_cast<int>(fraction * width);
      line += "  [" + std::string(filled, '=') + std::string(width - filled, ' ') + "] ";
      std::snprintf(buf, sizeof buf, "%3.0f%%", fraction * 100);
      line += buf;
      if (fraction > 0.01 && fraction < 1) {
        std::snprintf(buf, sizeof buf, "  ETA %.0fs", secs / fraction - secs);
        line += buf;
      }
    }
    std::cerr << "\r\033[K" << line << std::flush;
  }

  void Finish() {
    if (enabled_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  bool enabled_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

int RunIndex(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()
      ("create", "start a new, empty index (replacing the one in DIR at commit)")
      ("analyzer", po::value<std::string>(), "analyzer of the text fields: standard, english (default), anserini")
      ("field", po::value<std::vector<std::string>>(),
       "NAME=SRC[,SRC...]: an indexed text field made of these input fields (repeatable; "
       "default: title and body as separate fields)")
      ("schema", po::value<std::string>(),
       "FILE: a JSON schema giving fields their types (text, keyword, date, integer, stored) over what is "
       "inferred from the first values; see docs/SCHEMA.md")
      ("threads", po::value<int>()->default_value(1),
       "indexing threads (at most one per 16 MiB of the RAM budget left after reading and compressing take "
       "theirs: 16 MiB, and a zstd input's window)")
      ("ram-budget", po::value<size_t>()->default_value(256),
       "MiB of memory for the run: in-memory segments get what reading and compressing do not need")
      ("on-error", po::value<std::string>()->default_value("fail"),
       "what a bad record does: fail (stop, commit nothing) or skip (report, count, go on). An id "
       "repeated within the run is a bad record: skip keeps its first copy")
      ("quiet,q", "no progress bar and no summary (errors are still printed)")
      ("commit-every", po::value<int64_t>()->default_value(0),
       "also commit after every N records read (0: only at the end); each commit prints "
       "'loupe index: committed M records' on stderr. A committed document is in the index: "
       "its id later in the run replaces it rather than being a duplicate")
      ("no-merge", "leave the segments as flushed (by default the run's segments are merged into one at "
                   "the commit, and then the merge policy merges segments of similar size)")
      ("dir", po::value<std::string>(), "index directory")
      ("input", po::value<std::vector<std::string>>(), "input files or folders");
  po::positional_options_description positional;
  positional.add("dir", 1).add("input", -1);
  po::variables_map vm;
  if (!ParseArgs(args, "index", kUsage, options, positional, vm)) return kExitOk;
  if (!vm.count("dir")) throw UsageError("missing DIR");
  if (!vm.count("input")) throw UsageError("missing INPUT (a file, a folder, or '-')");
  const std::string dir = vm["dir"].as<std::string>();
  const auto inputs = vm["input"].as<std::vector<std::string>>();
  if (std::count(inputs.begin(), inputs.end(), "-") > 1) throw UsageError("'-' (standard input) given more than once");
  const std::string on_error = vm["on-error"].as<std::string>();
  if (on_error != "fail" && on_error != "skip") throw UsageError("--on-error must be fail or skip");
  int threads = vm["threads"].as<int>();
  if (threads < 1 || threads > 256) throw UsageError("--threads must be between 1 and 256");
  const size_t ram_mib = vm["ram-budget"].as<size_t>();
  if (ram_mib < 1 || ram_mib > (size_t{1} << 20)) throw UsageError("--ram-budget must be between 1 and 1048576 MiB");
  const bool quiet = vm.count("quiet") > 0;
  // Parsed signed: Boost would read "-1" as 2^64 - 1.
  if (vm["commit-every"].as<int64_t>() < 0) throw UsageError("--commit-every must be 0 or more");
  const auto commit_every = static_cast<uint64_t>(vm["commit-every"].as<int64_t>());

  IndexWriterOptions writer_options;
  writer_options.create = vm.count("create") > 0;
  writer_options.merge_on_commit = !vm.count("no-merge");
  // A value that does not fit its field's type is noted, not fatal: the
  // document is indexed and the value stored.
  writer_options.malformed_values = IndexWriterOptions::MalformedValues::kStoreOnly;
  writer_options.background_merges = !vm.count("no-merge");
  // Appending with schema options: they are checked against, and add to, the
  // index's own schema, whose settings they do not restate (type inference).
  std::optional<Schema> existing;
  if (!writer_options.create && (vm.count("analyzer") || vm.count("field") || vm.count("schema"))) {
    try {
      existing = IndexReader::Open(dir, {.verify_checksums = false})->schema();
    } catch (const NotFoundError&) {
    }
  }
  if (vm.count("analyzer") || vm.count("field")) {
    const std::string analyzer = vm.count("analyzer") ? vm["analyzer"].as<std::string>() : "english";
    try {
      Analyzer::Named(analyzer);
    } catch (const InvalidArgumentError& e) {
      throw UsageError(e.what());
    }
    writer_options.schema =
        BuildSchema(vm.count("field") ? vm["field"].as<std::vector<std::string>>() : std::vector<std::string>{},
                    analyzer);
    if (existing) writer_options.schema->infer_scalar_fields = existing->infer_scalar_fields;
  }
  if (vm.count("schema")) {
    const std::string path = vm["schema"].as<std::string>();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw UsageError("the schema file " + path + " is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path + ": cannot read the schema file: " + std::generic_category().message(errno));
    const std::string text = ReadBounded(in, size_t{16} << 20, path);
    // Appending: the schema file adds to the index's own schema.
    const Schema base = writer_options.schema.value_or(existing.value_or(Schema::Default()));
    try {
      writer_options.schema = Schema::FromJson(text, base);
    } catch (const InvalidArgumentError& e) {
      throw UsageError(path + ": " + e.what());
    }
  }

  // Open every input first, so a missing file fails before any work; then
  // close files and folders again until their turn, so that a thousand
  // inputs hold no thousand open files. Pipes (standard input, a FIFO,
  // /dev/fd/N) stay open: what was read of them to recognise the
  // compression could not be read again.
  std::vector<std::unique_ptr<ingest::DocumentReader>> readers;
  uint64_t total_file_bytes = 0;
  size_t reader_memory = 0;  // inputs are read one at a time
  for (const std::string& input : inputs) {
    readers.push_back(ingest::OpenDocuments(input));
    total_file_bytes += readers.back()->bytes_total().value_or(0);
    reader_memory = std::max(reader_memory, readers.back()->memory_bytes());
    std::error_code ec;
    const auto status = std::filesystem::status(input, ec);
    if (input != "-" && !ec && (std::filesystem::is_regular_file(status) || std::filesystem::is_directory(status))) {
      readers.back().reset();
    }
  }
  // The budget covers the whole run: in-memory segments get what reading
  // (a zstd window can be 128 MiB), parsing and compressing do not need.
  constexpr size_t kFixedOverhead = size_t{16} << 20;
  constexpr size_t kSmallestSegmentBudget = size_t{16} << 20;
  const size_t budget = ram_mib << 20;
  writer_options.ram_budget_bytes =
      budget > reader_memory + kFixedOverhead + kSmallestSegmentBudget ? budget - reader_memory - kFixedOverhead
                                                                       : kSmallestSegmentBudget;
  // Each inverting thread fills its own in-memory segment, which has a fixed
  // cost: more threads than the budget holds would flush segments of a few
  // documents each, thousands of them. So the budget bounds the threads.
  const auto budget_threads = static_cast<int>(std::max<size_t>(1, writer_options.ram_budget_bytes / kSmallestSegmentBudget));
  if (threads > budget_threads) {
    if (!quiet) {
      std::cerr << "loupe index: note: using " << budget_threads << " thread(s), not " << threads
                << ": each needs at least 16 MiB of the " << (writer_options.ram_budget_bytes >> 20)
                << " MiB left for in-memory segments (--ram-budget " << ram_mib << ")\n";
    }
    threads = budget_threads;
  }

  auto writer = IndexWriter::Open(dir, writer_options);
  const Schema schema = writer->schema();  // its text fields, which never change in a run
  const bool show_progress = !quiet && StderrIsTerminal();
  ErrorLog errors(on_error == "fail", show_progress);
  Progress progress(show_progress, total_file_bytes);
  // One queue per worker, and every record of an id goes to the same one:
  // its copies are then added in input order whatever the thread count, so
  // the first one is kept and a repeat is reported at its own line.
  std::vector<std::unique_ptr<JobQueue>> queues;
  std::vector<Batch> batches(static_cast<size_t>(threads));
  for (int t = 0; threads > 1 && t < threads; ++t) queues.push_back(std::make_unique<JobQueue>(4));
  const auto for_all_queues = [&](auto&& f) {
    for (auto& q : queues) f(*q);
  };
  const auto push_batches = [&] {
    for (size_t t = 0; t < queues.size(); ++t) {
      if (!batches[t].empty()) queues[t]->Push(std::exchange(batches[t], {}));
    }
  };
  std::atomic<uint64_t> added{0}, replaced{0}, text_bytes{0};  // text_bytes: of the documents indexed
  std::exception_ptr worker_failure;
  std::mutex failure_mu;

  const auto index_one = [&](const Job& job) {
    try {
      std::vector<std::string> notes;
      const IndexWriter::AddResult result = writer->AddDocument(job.doc, /*replace_pending=*/false, &notes);
      for (const std::string& n : notes) errors.Note(job.source + ":" + std::to_string(job.line) + ": note: " + n);
      switch (result) {
        case IndexWriter::AddResult::kDuplicate:
          errors.Report(job.source + ":" + std::to_string(job.line) + ": duplicate id '" + job.doc.id +
                        "' (it appeared earlier in this run)");
          break;
        case IndexWriter::AddResult::kReplaced:
          ++replaced;
          [[fallthrough]];
        case IndexWriter::AddResult::kAdded:
          ++added;
          text_bytes += TextBytes(job.doc, schema);  // of what was indexed, not of records refused
          break;
      }
    } catch (const InvalidArgumentError& e) {
      errors.Report(job.source + ":" + std::to_string(job.line) + ": " + e.what());
    }
  };

  // With one thread the reading thread indexes too; with more, it feeds workers.
  std::vector<std::thread> workers;
  for (int t = 0; threads > 1 && t < threads; ++t) {
    workers.emplace_back([&, &queue = *queues[static_cast<size_t>(t)]] {
      while (std::optional<Batch> batch = queue.Pop()) {
        try {
          for (const Job& job : *batch) {
            if (errors.failed()) break;
            index_one(job);
          }
        } catch (...) {
          std::lock_guard<std::mutex> lock(failure_mu);
          if (!worker_failure) worker_failure = std::current_exception();
          errors.Fail();
        }
        queue.Done();
        if (errors.failed()) for_all_queues([](JobQueue& q) { q.Abort(); });
      }
    });
  }

  uint64_t docs_read = 0, files_done_bytes = 0;
  bool committed_in_run = false;  // by --commit-every
  try {
    for (size_t input = 0; input < inputs.size(); ++input) {
      if (!readers[input]) readers[input] = ingest::OpenDocuments(inputs[input]);
      auto& reader = readers[input];
      for (;;) {
        if (errors.failed()) break;
        Job job;
        try {
          if (!reader->Next(&job.doc)) break;
        } catch (const BadInputError& e) {
          errors.Report(e.what());
          continue;
        }
        ++docs_read;
        job.source = reader->source();
        job.line = reader->line();
        if (threads == 1) {
          index_one(job);
        } else {
          const size_t t = std::hash<std::string>{}(job.doc.id) % queues.size();
          batches[t].push_back(std::move(job));
          if (batches[t].size() == kBatchSize) queues[t]->Push(std::exchange(batches[t], {}));
        }
        if (commit_every > 0 && docs_read % commit_every == 0) {
          // Everything read so far goes into this commit, so the line says
          // exactly which records a crash after it can no longer lose.
          if (threads > 1) {
            push_batches();
            for_all_queues([](JobQueue& q) { q.WaitIdle(); });
          }
          if (errors.failed()) break;
          writer->Commit();
          committed_in_run = true;
          std::cerr << "loupe index: committed " << docs_read << " records" << std::endl;
        }
        progress.Update(added.load(), text_bytes.load(), files_done_bytes + reader->bytes_done());
      }
      files_done_bytes += reader->bytes_total().value_or(0);
      reader.reset();
      if (errors.failed()) break;
    }
    if (!errors.failed()) push_batches();
  } catch (...) {
    for_all_queues([](JobQueue& q) { q.Abort(); });
    for (auto& w : workers) w.join();
    progress.Finish();
    throw;
  }
  for_all_queues([](JobQueue& q) { q.Close(); });
  for (auto& w : workers) w.join();
  progress.Update(added.load(), text_bytes.load(), files_done_bytes, true);
  progress.Finish();
  if (worker_failure) std::rethrow_exception(worker_failure);
  if (errors.failed()) {
    std::cerr << "loupe index: stopped at the first bad record; nothing of this run "
              << (committed_in_run ? "after its last commit " : "")
              << "was committed (use --on-error skip to skip bad records)\n";
    return kExitFailure;
  }
  writer->Commit();
  // (Said once: a run ending on a --commit-every boundary has said it.)
  if (commit_every > 0 && (docs_read == 0 || docs_read % commit_every != 0)) {
    std::cerr << "loupe index: committed " << docs_read << " records" << std::endl;
  }
  if (const IndexWriterStats stats = writer->stats(); stats.commit_merges_given_up > 0) {
    std::cerr << "loupe index: warning: every document is committed, but merging the run's segments at the commit "
                 "failed: "
              << stats.commit_merge_error << "\nloupe index: the index is sound; 'loupe merge' merges them later"
              << std::endl;
  }
  FinishMerges(*writer, "index", "every document is");
  const double seconds = progress.seconds();
  if (!quiet) {
    const IndexWriterStats stats = writer->stats();
    writer.reset();  // release the lock before reading the result
    const auto reader = IndexReader::Open(dir, {.verify_checksums = false});
    const IndexSummary summary = reader->Summary();
    uint64_t index_bytes = 0, terms = 0;
    for (const auto& [kind, bytes] : summary.bytes) index_bytes += bytes;
    for (const FieldSummary& f : summary.fields) terms += f.terms;
    char rate[64];
    const double text_mb = static_cast<double>(text_bytes.load()) / 1e6;
    std::snprintf(rate, sizeof rate, "%.2f s, %.1f MB/s", seconds, seconds > 0 ? text_mb / seconds : 0.0);
    std::cout << "indexed " << FormatCount(added.load(), "document", "documents");
    if (replaced.load() > 0) std::cout << " (" << FormatCount(replaced.load(), "replaced an existing one", "replaced existing ones") << ")";
    if (errors.count() > 0) std::cout << ", skipped " << FormatCount(errors.count(), "bad record", "bad records");
    if (errors.notes() > 0) std::cout << ", " << FormatCount(errors.notes(), "value", "values") << " stored only (see the notes)";
    std::cout << " from " << inputs.size() << " input(s): " << FormatBytes(text_bytes.load()) << " of text in " << rate
              << "\n"
              << "index " << dir << ": " << FormatCount(summary.documents, "document", "documents") << ", "
              << FormatCount(summary.segments.size()) << " segment(s), " << FormatCount(terms) << " terms, "
              << FormatBytes(index_bytes) << " (" << FormatCount(stats.segments_flushed) << " segment(s) written)\n";
  }
  return kExitOk;
}

}  // namespace loupe::cli
