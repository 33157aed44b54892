#include "cli.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "loupe/error.h"
#include "loupe/index_writer.h"

namespace loupe::cli {

bool ParseArgs(const std::vector<std::string>& args, std::string_view command, std::string_view usage,
               const po::options_description& options, const po::positional_options_description& positional,
               po::variables_map& vm) {
  po::options_description all;
  all.add(options);
  all.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "Usage: loupe " << command << " " << usage << "\n\n" << all << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    // `-war` is a query (or an id) to the user and an option to the parser.
    const std::string name = e.get_option_name();
    std::string message = e.what();
    if (!name.starts_with("--")) {
      message += "; an argument that starts with '-' goes after '--' (loupe " + std::string(command) + " ... -- " +
                 name + "), an option's value that does after '=' (--option=" + name + ")";
    }
    throw UsageError(message);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return true;
}

bool StdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string FormatBytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1000) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(bytes) / 1e3);
  } else if (bytes < 1000ULL * 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / 1e9);
  }
  return buf;
}

std::string FormatCount(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string FormatCount(uint64_t n, std::string_view singular, std::string_view plural) {
  return FormatCount(n) + ' ' + std::string(n == 1 ? singular : plural);
}

std::string ReadBounded(std::istream& in, size_t max_bytes, const std::string& what) {
  std::string text;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) throw IoError(what + ": larger than " + FormatBytes(max_bytes));
  }
  if (in.bad()) throw IoError(what + ": read failed");
  return text;
}

void FinishMerges(IndexWriter& writer, std::string_view command, std::string_view committed) {
  try {
    writer.WaitForMerges();
  } catch (const UnsyncedCommitError& e) {
    std::cerr << "loupe " << command << ": warning: a merge was committed, but syncing the directory after it failed: "
              << e.what() << "\nloupe " << command << ": " << committed
              << " committed; the merge may not survive a crash" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "loupe " << command << ": warning: " << committed << " committed, but merging segments failed: "
              << e.what() << "\nloupe " << command << ": the index is sound; 'loupe merge' tries again" << std::endl;
  }
}

}  // namespace loupe::cli
