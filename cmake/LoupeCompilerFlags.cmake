# Warnings, sanitizers and optimisation settings shared by every Loupe target.
# They are attached to an INTERFACE target so that nothing leaks into the flags
# of an application that embeds the library.

add_library(loupe_build_flags INTERFACE)
target_compile_options(loupe_build_flags INTERFACE -Wall -Wextra -Wno-missing-field-initializers)
# Scores and their upper bounds must round the same way on every path (block-
# max pruning compares them): no fused multiply-add contraction.
target_compile_options(loupe_build_flags INTERFACE -ffp-contract=off)
# GCC 12 reports -Wrestrict on std::string concatenation at -O3 (GCC bug
# 105651), a false positive that would otherwise break -Werror builds.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(loupe_build_flags INTERFACE -Wno-restrict)
endif()
if(LOUPE_WERROR)
  target_compile_options(loupe_build_flags INTERFACE -Werror)
endif()

if(LOUPE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LOUPE_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++ "
                        "(Debian packages clang and libclang-rt-14-dev)")
  endif()
  # Coverage instrumentation for the whole library; the fuzz targets link libFuzzer.
  target_compile_options(loupe_build_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()

if(LOUPE_SANITIZE)
  # Keep frames for readable sanitizer reports; -O1 keeps the suite fast enough.
  set(_loupe_san_flags -fsanitize=${LOUPE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_compile_options(loupe_build_flags INTERFACE ${_loupe_san_flags})
  target_link_options(loupe_build_flags INTERFACE ${_loupe_san_flags})
endif()

# Cache compiler output between clean clones (CI clones into a fresh folder each
# time; CCACHE_BASEDIR, set by loupe.sh, makes the paths relative).
find_program(LOUPE_CCACHE ccache)
if(LOUPE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${LOUPE_CCACHE})
endif()
