# Every dependency comes from a Debian package. A missing one stops the
# configure step with the name of the package that provides it.

function(loupe_missing what debian_package)
  message(FATAL_ERROR
    "Loupe needs ${what}, which was not found.\n"
    "On Debian/Ubuntu install it with:  sudo apt-get install ${debian_package}\n"
    "(./loupe.sh installs every missing package by itself.)")
endfunction()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  loupe_missing("pkg-config" "pkg-config")
endif()

find_package(Boost 1.74 QUIET COMPONENTS iostreams program_options)
if(NOT Boost_FOUND)
  loupe_missing("Boost.Iostreams and Boost.Program_options"
                "libboost-iostreams-dev libboost-program-options-dev")
endif()

pkg_check_modules(ZSTD QUIET IMPORTED_TARGET libzstd>=1.4)
if(NOT ZSTD_FOUND)
  loupe_missing("zstd" "libzstd-dev")
endif()

pkg_check_modules(XXHASH QUIET IMPORTED_TARGET libxxhash>=0.8)
if(NOT XXHASH_FOUND)
  loupe_missing("xxHash (0.8 or newer, for XXH3)" "libxxhash-dev")
endif()

find_package(simdjson QUIET CONFIG)
if(NOT simdjson_FOUND)
  loupe_missing("simdjson" "libsimdjson-dev")
endif()

# Snowball's libstemmer ships neither a CMake package nor a .pc file.
find_path(STEMMER_INCLUDE_DIR libstemmer.h)
find_library(STEMMER_LIBRARY stemmer)
if(NOT STEMMER_INCLUDE_DIR OR NOT STEMMER_LIBRARY)
  loupe_missing("Snowball's libstemmer" "libstemmer-dev")
endif()
add_library(loupe_stemmer INTERFACE)
target_include_directories(loupe_stemmer SYSTEM INTERFACE ${STEMMER_INCLUDE_DIR})
target_link_libraries(loupe_stemmer INTERFACE ${STEMMER_LIBRARY})

# ICU is needed at build time only: a generator reads the Unicode properties
# (word-break classes, case and diacritic folding) into tables compiled into
# the library, so the library itself does not link ICU.
pkg_check_modules(ICU QUIET IMPORTED_TARGET icu-uc>=63)
if(NOT ICU_FOUND)
  loupe_missing("ICU (build-time Unicode data)" "libicu-dev")
endif()

find_package(Threads REQUIRED)

if(LOUPE_BUILD_TESTS)
  find_package(GTest QUIET CONFIG)
  if(NOT GTest_FOUND)
    loupe_missing("GoogleTest" "libgtest-dev libgmock-dev")
  endif()
endif()
if(LOUPE_BUILD_BENCH)
  find_package(benchmark QUIET CONFIG)
  if(NOT benchmark_FOUND)
    loupe_missing("Google Benchmark" "libbenchmark-dev")
  endif()
endif()
