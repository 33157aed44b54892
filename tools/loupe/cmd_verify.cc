// loupe verify: check every checksum and structural invariant of the files
// the newest commit names. Exit 0 when sound, 1 with a report otherwise.
#include <iostream>

#include "cli.h"
#include "commands.h"
#include "loupe/index_reader.h"
#include "util/utf8.h"

namespace loupe::cli {
namespace {

constexpr std::string_view kUsage =
    "DIR\n\n"
    "Checks the index in DIR: every file's checksum, and the structure (sorted\n"
    "terms, increasing doc ids, positions matching field lengths, ids, stored\n"
    "documents). Leftovers of a crash are reported as notes, not errors.\n"
    "Exit status 0 when the index is sound, 1 when it is not.";

}  // namespace

int RunVerify(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("dir", po::value<std::string>(), "index directory");
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map vm;
  if (!ParseArgs(args, "verify", kUsage, options, positional, vm)) return kExitOk;
  if (!vm.count("dir")) throw UsageError("missing DIR");
  const VerifyReport report = VerifyIndex(vm["dir"].as<std::string>());
  for (const std::string& e : report.errors) std::cout << "error: " << util::PrintableText(e) << "\n";
  for (const std::string& n : report.notes) std::cout << "note: " << util::PrintableText(n) << "\n";
  if (report.ok()) {
    std::cout << "ok: " << report.segments << " segment(s), " << FormatCount(report.documents, "document", "documents") << ", "
              << report.files_checked << " files (" << FormatBytes(report.bytes_checked) << ") checked\n";
    return kExitOk;
  }
  std::cout << "the index is damaged: " << report.errors.size() << " error(s)\n";
  return kExitFailure;
}

}  // namespace loupe::cli
