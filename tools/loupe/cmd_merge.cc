// loupe merge: merge an index's segments (dropping deleted documents).
// loupe delete: delete documents by id.
#include <chrono>
#include <iostream>
#include <set>

#include "cli.h"
#include "commands.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "util/utf8.h"

namespace loupe::cli {
namespace {

constexpr std::string_view kMergeUsage =
    "DIR [--max-segments N]\n\n"
    "Merges the segments of the index in DIR until at most N remain (default 1),\n"
    "dropping deleted documents, and rewrites any other segment with more than\n"
    "10% of its documents deleted (with N = 1, any); commits. Readers that are\n"
    "open keep their snapshot; new readers see the merged index.";

constexpr std::string_view kDeleteUsage =
    "DIR --id ID...\n\n"
    "Deletes the documents with these ids and commits. They vanish from results at\n"
    "once and from disk when their segments are merged: after the commit the merge\n"
    "policy runs, as after 'loupe index', and rewrites a segment with 30% or more\n"
    "of its documents deleted ('loupe merge' drops the rest). Like rm, it exits 1\n"
    "when an id is not in the index, after deleting and committing the others.";

}  // namespace

int RunMerge(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()
      ("max-segments", po::value<size_t>()->default_value(1), "merge until at most this many segments remain")
      ("quiet,q", "no summary")
      ("dir", po::value<std::string>(), "index directory");
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map vm;
  if (!ParseArgs(args, "merge", kMergeUsage, options, positional, vm)) return kExitOk;
  if (!vm.count("dir")) throw UsageError("missing DIR");
  const size_t max_segments = vm["max-segments"].as<size_t>();
  // A negative value would wrap to a huge one (and merge nothing).
  if (max_segments < 1 || max_segments > (size_t{1} << 20)) throw UsageError("--max-segments must be between 1 and 1048576");
  const std::string dir = vm["dir"].as<std::string>();
  // Merging an index that is not there is a mistake, not a new index.
  IndexReader::Open(dir, {.verify_checksums = false});
  const auto start = std::chrono::steady_clock::now();
  auto writer = IndexWriter::Open(dir);
  writer->ForceMerge(max_segments);
  const IndexWriterStats stats = writer->stats();
  writer.reset();
  if (!vm.count("quiet")) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto summary = IndexReader::Open(dir, {.verify_checksums = false})->Summary();
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.2f s, %.1f MB/s", seconds,
                  seconds > 0 ? static_cast<double>(stats.bytes_merged) / seconds / 1e6 : 0.0);
    std::cout << "merged " << FormatCount(stats.segments_merged) << " segment(s) (" << FormatBytes(stats.bytes_merged)
              << ") in " << FormatCount(stats.merges) << " merge(s), " << rate << "\n"
              << "index " << dir << ": " << FormatCount(summary.documents, "document", "documents") << ", "
              << FormatCount(summary.segments.size()) << " segment(s)\n";
  }
  return kExitOk;
}

int RunDelete(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()
      ("id", po::value<std::vector<std::string>>()->multitoken(), "ids of the documents to delete")
      ("quiet,q", "no summary")
      ("dir", po::value<std::string>(), "index directory");
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map vm;
  if (!ParseArgs(args, "delete", kDeleteUsage, options, positional, vm)) return kExitOk;
  if (!vm.count("dir")) throw UsageError("missing DIR");
  if (!vm.count("id")) throw UsageError("missing --id ID");
  const std::string dir = vm["dir"].as<std::string>();
  // Deleting from an index that is not there is a mistake, not a new index.
  IndexReader::Open(dir, {.verify_checksums = false});
  // With the merge policy, as `loupe index` has: segments left mostly
  // deleted are rewritten (the writer lets the merge finish on closing).
  auto writer = IndexWriter::Open(dir, {.background_merges = true});
  size_t deleted = 0, missing = 0;
  std::set<std::string> asked;  // an id given twice is deleted once, not then "not found"
  for (const std::string& id : vm["id"].as<std::vector<std::string>>()) {
    if (!asked.insert(id).second) continue;
    if (writer->DeleteDocument(id)) {
      ++deleted;
    } else {
      ++missing;
      std::cerr << "loupe delete: no document with id '" << util::PrintableText(id) << "'\n";
    }
  }
  writer->Commit();
  FinishMerges(*writer, "delete", "the deletions are");
  if (!vm.count("quiet")) {
    std::cout << "deleted " << FormatCount(deleted) << " document(s)";
    if (missing > 0) std::cout << "; " << FormatCount(missing) << " id(s) not found";
    std::cout << "\n";
  }
  return missing > 0 ? kExitFailure : kExitOk;
}

}  // namespace loupe::cli
