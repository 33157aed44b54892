#include "loupe/version.h"

namespace loupe {

const char* LibraryVersion() noexcept { return LOUPE_VERSION_STRING; }

}  // namespace loupe
