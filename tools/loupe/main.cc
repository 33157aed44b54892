// `loupe`: the command-line tool over the Loupe library.
//
// Exit status: 0 success, 1 the operation failed (the message says where and
// why), 2 the command line is wrong.
#include <csignal>
#include <exception>
#include <filesystem>
#include <ios>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli.h"
#include "commands.h"
#include "loupe/analysis.h"
#include "loupe/error.h"
#include "loupe/version.h"
#include "util/utf8.h"

namespace {

using loupe::cli::Command;

constexpr Command kCommands[] = {
    {"index", "add documents (JSON Lines, .txt folders) to an index", loupe::cli::RunIndex},
    {"search", "search an index: ranked hits with snippets, counts, batches of queries", loupe::cli::RunSearch},
    {"merge", "merge an index's segments, dropping deleted documents", loupe::cli::RunMerge},
    {"delete", "delete documents by id", loupe::cli::RunDelete},
    {"info", "describe an index: segments, documents, terms, sizes, schema", loupe::cli::RunInfo},
    {"verify", "check an index's checksums and structure", loupe::cli::RunVerify},
    {"analyze", "show how text is split into terms (tokens, positions, offsets)", loupe::cli::RunAnalyze},
};

void PrintHelp(std::ostream& out) {
  out << "loupe " << loupe::LibraryVersion() << " - full-text search\n\n"
      << "Usage: loupe COMMAND [OPTIONS] [ARGS]\n"
      << "       loupe COMMAND --help\n\n"
      << "Commands:\n";
  for (const Command& c : kCommands) {
    out << "  " << c.name << std::string(12 - c.name.size(), ' ') << c.summary << "\n";
  }
  out << "\nOptions:\n"
      << "  -h, --help      show this help\n"
      << "  --version       show the version\n\n"
      << "Exit status: 0 success, 1 failure, 2 usage error.\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty()) {
    PrintHelp(std::cerr);
    return loupe::cli::kExitUsage;
  }
  const std::string& first = words[0];
  // Output that never arrived (a full disk, a closed file) is a failure.
  const auto flushed = [](int status, std::string_view command) {
    if (std::cout.flush()) return status;
    std::cerr << "loupe" << (command.empty() ? "" : " ") << command << ": error: cannot write to standard output\n";
    return loupe::cli::kExitFailure;
  };
  if (first == "--help" || first == "-h" || first == "help") {
    PrintHelp(std::cout);
    return flushed(loupe::cli::kExitOk, "");
  }
  if (first == "--version") {
    std::cout << "loupe " << loupe::LibraryVersion() << " (Unicode "
              << loupe::Analyzer::UnicodeVersion() << ")\n";
    return flushed(loupe::cli::kExitOk, "");
  }
  // Past a file-size limit a write fails with EFBIG and is reported like
  // any failed write, instead of the signal killing the process silently.
  std::signal(SIGXFSZ, SIG_IGN);
  for (const Command& c : kCommands) {
    if (first != c.name) continue;
    try {
      return flushed(c.run(std::vector<std::string>(words.begin() + 1, words.end())), c.name);
    } catch (const loupe::cli::UsageError& e) {
      std::cerr << "loupe " << c.name << ": " << loupe::util::PrintableText(e.what(), true) << "\n"
                << "Try 'loupe " << c.name << " --help'.\n";
      return loupe::cli::kExitUsage;
    } catch (const loupe::Error& e) {
      std::cerr << "loupe " << c.name << ": error: " << loupe::util::PrintableText(e.what(), true) << "\n";
      return loupe::cli::kExitFailure;
    } catch (const std::bad_alloc&) {
      std::cerr << "loupe " << c.name << ": error: out of memory\n";
      return loupe::cli::kExitFailure;
    } catch (const std::ios_base::failure& e) {
      std::cerr << "loupe " << c.name << ": error: " << loupe::util::PrintableText(e.what(), true) << "\n";
      return loupe::cli::kExitFailure;
    } catch (const std::filesystem::filesystem_error& e) {
      std::cerr << "loupe " << c.name << ": error: " << loupe::util::PrintableText(e.what(), true) << "\n";
      return loupe::cli::kExitFailure;
    } catch (const std::system_error& e) {  // e.g. no thread could be started: a system limit
      std::cerr << "loupe " << c.name << ": error: " << loupe::util::PrintableText(e.what(), true)
                << " (a limit of the system: memory, threads or open files)\n";
      return loupe::cli::kExitFailure;
    } catch (const std::exception& e) {
      std::cerr << "loupe " << c.name << ": internal error: " << loupe::util::PrintableText(e.what(), true) << "\n";
      return loupe::cli::kExitFailure;
    }
  }
  std::cerr << "loupe: unknown command '" << first << "'\nTry 'loupe --help'.\n";
  return loupe::cli::kExitUsage;
}
