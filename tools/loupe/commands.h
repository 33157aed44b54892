// The subcommands of `loupe`, one file each.
#pragma once

#include <string>
#include <vector>

namespace loupe::cli {

int RunAnalyze(const std::vector<std::string>& args);
int RunIndex(const std::vector<std::string>& args);
int RunSearch(const std::vector<std::string>& args);
int RunInfo(const std::vector<std::string>& args);
int RunMerge(const std::vector<std::string>& args);
int RunDelete(const std::vector<std::string>& args);
int RunVerify(const std::vector<std::string>& args);

}  // namespace loupe::cli
