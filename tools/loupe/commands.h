// The subcommands of `loupe`, one file each.
#pragma once

#include <string>
#include <vector>

namespace loupe::cli {

int RunAnalyze(const std::vector<std::string>& args);

}  // namespace loupe::cli
