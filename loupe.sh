#!/usr/bin/env bash
# Loupe's one entry point for building, trying and testing on Debian 12.
#
#   ./loupe.sh demo     install what is missing, build, and run the main job:
#                       index the bundled corpus/ and search it
#   ./loupe.sh test     install what is missing, build, and run the test suite
#                       (with CI=true or --full also the kill tests, the
#                       ASan+UBSan run of the whole suite, the TSan run of the
#                       concurrency tests, the package test of a shared-library
#                       build and a bounded libFuzzer run of every fuzz target)
#   ./loupe.sh fuzz [SECONDS]   run every fuzz target for SECONDS (default 60)
#   ./loupe.sh build [release|asan|tsan|fuzz|shared]   only build (default: release)
#   ./loupe.sh deps     only install the missing Debian packages
#
# Builds live in build/<kind>; a second run is incremental. Needs root or sudo
# the first time, to install packages.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
JOBS=$(nproc 2>/dev/null || echo 2)

# Packages every build needs; the test and CI stages add their own below.
BUILD_PACKAGES=(g++ cmake ninja-build pkg-config ccache
  libboost-iostreams-dev libboost-program-options-dev libzstd-dev libxxhash-dev
  libsimdjson-dev libstemmer-dev libicu-dev libgtest-dev libgmock-dev libbenchmark-dev)
TEST_PACKAGES=(zstd gzip python3)
# libFuzzer comes with clang's runtime libraries.
FUZZ_PACKAGES=(clang libclang-rt-14-dev libfuzzer-14-dev)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing missing Debian packages: ${missing[*]}"
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
    "${sudo[@]}" apt-get update
    "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

# Compiler cache shared by every clone on this machine: paths are made
# relative to the checkout so a fresh clone hits the cache.
export CCACHE_BASEDIR="$ROOT"
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros}

build() {
  local kind=$1 dir="build/$1"
  local args=(-G Ninja -DLOUPE_WERROR=ON)
  case $kind in
    release) args+=(-DCMAKE_BUILD_TYPE=Release) ;;
    asan) args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DLOUPE_SANITIZE=address,undefined" -DLOUPE_BUILD_BENCH=OFF) ;;
    tsan) args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOUPE_SANITIZE=thread -DLOUPE_BUILD_BENCH=OFF) ;;
    fuzz) args+=(-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOUPE_FUZZ=ON
                 "-DLOUPE_SANITIZE=address,undefined" -DLOUPE_BUILD_BENCH=OFF) ;;
    shared) args+=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DLOUPE_BUILD_BENCH=OFF) ;;
    *) echo "unknown build kind: $kind (release, asan, tsan, fuzz, shared)" >&2; exit 2 ;;
  esac
  if [[ ! -f $dir/build.ninja ]]; then
    log "configuring $dir"
    cmake -S . -B "$dir" "${args[@]}" >/dev/null
  fi
  shift
  log "building $dir"
  cmake --build "$dir" -j "$JOBS" ${1:+--target "$@"}
}

# The tests where threads share an index: searches while a writer commits and
# merges, many searchers on one reader, concurrent adders, and searches and
# reopens through the public API while a writer commits.
TSAN_TESTS=(ingest_test:'JsonLines.*' merge_test:'Merge.*' search_test:'*ManyThreads*' index_test:'*Concurrent*' api_test:'ApiThreads.*')

run_demo() {
  local loupe=build/release/tools/loupe/loupe idx=build/demo-index
  log "indexing the bundled corpus (corpus/news.jsonl and corpus/txt/) into $idx"
  "$loupe" index "$idx" corpus/news.jsonl corpus/txt --create --schema corpus/schema.json
  echo
  log "what the index holds"
  "$loupe" info "$idx"
  echo
  log "checking every checksum and structure"
  "$loupe" verify "$idx"
  echo
  log "search: loupe search $idx 'trade talks' -k 3"
  "$loupe" search "$idx" 'trade talks' -k 3
  log "a phrase, written without accents: loupe search $idx '\"Ly Thuong Phuc\"' -k 3"
  "$loupe" search "$idx" '"Ly Thuong Phuc"' -k 3
  log "field scope, exclusion, prefix: loupe search $idx 'title:bank -franc renew*' -k 3"
  "$loupe" search "$idx" 'title:bank -franc renew*' -k 3
  log "how many articles mention climate change: loupe search $idx '\"climate change\"' --count"
  "$loupe" search "$idx" '"climate change"' --count
  log "filters and sorting: loupe search $idx '+trade +date:[2025-01-01 TO 2025-06-30]' --sort -date -k 3"
  "$loupe" search "$idx" '+trade +date:[2025-01-01 TO 2025-06-30]' --sort -date -k 3
  log "facets over the whole index: loupe search $idx '*' -k 0 --facet section --facet date:year"
  "$loupe" search "$idx" '*' -k 0 --facet section --facet date:year
  echo
  log "how one headline is analysed, term by term"
  "$loupe" analyze --analyzer english "Lý Thượng Phúc’s U.S.-China talks at the Shangri-La Dialogue"
}

# Each fuzz target runs for a bounded time from its seed corpus (in a scratch
# copy); a crash fails the run and leaves its input to add to
# tests/fuzz/regressions/<target>/, where every build replays it from then on.
FUZZ_TARGETS=(query_parser analyzer json_document segment)

run_fuzz() {
  local seconds=${1:-60} work
  build fuzz
  work=$(mktemp -d)
  for target in "${FUZZ_TARGETS[@]}"; do
    log "fuzzing $target for ${seconds} s (build/fuzz)"
    cp -r "tests/fuzz/corpus/$target" "$work/$target"
    if ! "build/fuzz/tests/fuzz/${target}_fuzz" "$work/$target" -max_total_time="$seconds" -timeout=20 \
        -rss_limit_mb=4096 -artifact_prefix="$ROOT/build/fuzz/$target-" -print_final_stats=1 \
        > "build/fuzz/$target.log" 2>&1; then
      tail -n 60 "build/fuzz/$target.log" >&2
      echo "fuzz target $target failed: the input is build/fuzz/$target-*; fix the bug and add the input to tests/fuzz/regressions/$target/" >&2
      rm -rf "$work"
      return 1
    fi
    grep -E "^#[0-9]+[[:space:]]+DONE" "build/fuzz/$target.log" >&2 || true
  done
  rm -rf "$work"
}

run_tests() {
  local full=$1
  build release
  if [[ $full == 1 ]]; then
    log "running the test suite with the kill and heavy tests (build/release)"
    ctest --test-dir build/release --output-on-failure -j "$JOBS"
  else
    log "running the test suite (build/release; the kill and heavy tests run with --full)"
    ctest --test-dir build/release --output-on-failure -j "$JOBS" -LE "kill|heavy"
  fi
  if [[ $full == 1 ]]; then
    build asan
    log "running the test suite under AddressSanitizer + UndefinedBehaviorSanitizer (build/asan)"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build/asan --output-on-failure -j "$JOBS"
    build tsan "${TSAN_TESTS[@]%%:*}"
    log "running the concurrency tests under ThreadSanitizer (build/tsan)"
    for entry in "${TSAN_TESTS[@]}"; do
      TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
        "build/tsan/tests/${entry%%:*}" --gtest_filter="${entry#*:}" --gtest_brief=1
    done
    # The release build above tested the static library's package; this
    # checks the shared one the same way (install, move, build examples/).
    build shared loupe loupe_cli
    log "installing the shared-library build and building examples/ against it (build/shared)"
    ctest --test-dir build/shared --output-on-failure -L package
    run_fuzz "${FUZZ_SECONDS:-60}"
  fi
  log "all tests passed"
}

cmd=${1:-}
shift || true
case $cmd in
  demo)
    install_missing "${BUILD_PACKAGES[@]}"
    build release
    run_demo
    ;;
  test)
    full=0
    [[ ${CI:-} == true || ${1:-} == --full ]] && full=1
    packages=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
    [[ $full == 1 ]] && packages+=("${FUZZ_PACKAGES[@]}")
    install_missing "${packages[@]}"
    run_tests "$full"
    ;;
  fuzz)
    install_missing "${BUILD_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
    run_fuzz "${1:-60}"
    ;;
  build)
    install_missing "${BUILD_PACKAGES[@]}"
    [[ ${1:-} == fuzz ]] && install_missing "${FUZZ_PACKAGES[@]}"
    build "${1:-release}"
    ;;
  deps)
    install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
    ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
