// Shared plumbing of the `loupe` subcommands: option parsing, exit codes,
// terminal detection and JSON output.
#pragma once

#include <boost/program_options.hpp>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace loupe {
class IndexWriter;
}

namespace loupe::cli {

namespace po = boost::program_options;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation failed (I/O, corruption, bad input)
inline constexpr int kExitUsage = 2;    // the command line is wrong

// A command-line mistake: printed with a hint to --help, exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>& args);
};

// Parses `args` (the words after the subcommand) into `vm`. Positional
// arguments go to the option named in `positional`. Prints help and returns
// false for --help. Throws UsageError for unknown or malformed options.
bool ParseArgs(const std::vector<std::string>& args, std::string_view command, std::string_view usage,
               const po::options_description& options, const po::positional_options_description& positional,
               po::variables_map& vm);

// All of `in`, up to `max_bytes`; `what` names it in the error (IoError)
// when there is more, so that /dev/zero given as a small file is refused
// instead of filling memory.
std::string ReadBounded(std::istream& in, size_t max_bytes, const std::string& what);

// Waits for the writer's background merges after `command` committed
// `committed`: merging is an optimisation, so a failed merge is a warning on
// stderr (the index is as it was, or committed unsynced), not a failure.
void FinishMerges(IndexWriter& writer, std::string_view command, std::string_view committed);

bool StdoutIsTerminal();
bool StderrIsTerminal();

// Human-readable sizes and counts: "1.5 MB", "12,345".
std::string FormatBytes(uint64_t bytes);
std::string FormatCount(uint64_t n);
// "1 document", "2,500 documents": FormatCount with the noun agreeing.
std::string FormatCount(uint64_t n, std::string_view singular, std::string_view plural);

}  // namespace loupe::cli
