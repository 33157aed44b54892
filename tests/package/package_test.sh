#!/usr/bin/env bash
# The installed package, used the way an application would use it:
#   1. `cmake --install` this build into a temporary prefix, then move the
#      prefix elsewhere (the package must be relocatable);
#   2. the installed headers are exactly the public ones, and each compiles
#      on its own;
#   3. no installed file names the build tree or the first prefix;
#   4. examples/ configures with find_package(Loupe) against the moved
#      prefix, builds, and its programs work on the bundled corpus;
#   5. a tiny program builds with `pkg-config --cflags --libs loupe` and runs.
# Environment (set by tests/CMakeLists.txt): BUILD_DIR, LOUPE_SOURCE_DIR,
# CMAKE, CXX, CMAKE_GENERATOR; JOBS (default 1) for building the examples.
set -euo pipefail

: "${BUILD_DIR:?}" "${LOUPE_SOURCE_DIR:?}" "${CMAKE:?}" "${CXX:?}"
JOBS=${JOBS:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/loupe-package-XXXXXX")
trap 'rm -rf "$work"' EXIT

step() { printf '== %s\n' "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}
# expect_in TEXT PATTERN: the output must contain the fixed string.
expect_in() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in:"$'\n'"$1"; }
expect_not_in() { ! grep -qF -- "$2" <<<"$1" || fail "did not expect '$2' in:"$'\n'"$1"; }

step "install $BUILD_DIR into a temporary prefix, then move it"
"$CMAKE" --install "$BUILD_DIR" --prefix "$work/first-prefix" >"$work/install.log"
mv "$work/first-prefix" "$work/prefix"
prefix=$work/prefix
config=$(find "$prefix" -name LoupeConfig.cmake)
pc=$(find "$prefix" -name loupe.pc)
[[ -n $config && -n $pc ]] || fail "LoupeConfig.cmake or loupe.pc is not installed"
library=$(find "$prefix" -name 'libloupe.*' | head -n 1)
[[ -n $library ]] || fail "libloupe is not installed"
[[ -x $prefix/bin/loupe ]] || fail "the loupe command is not installed"

step "the installed headers are the public ones"
expected=$( (cd "$LOUPE_SOURCE_DIR/lib/include/loupe" && ls -- *.h; echo version.h) | sort)
installed=$(cd "$prefix/include/loupe" && find . -type f | sed 's|^\./||' | sort)
[[ $expected == "$installed" ]] || fail "installed headers differ from lib/include/loupe:"$'\n'"$installed"
for header in $installed; do
  printf '#include <loupe/%s>\n' "$header" |
    "$CXX" -std=c++20 -Wall -Wextra -Werror -fsyntax-only -I"$prefix/include" -x c++ - ||
    fail "loupe/$header does not compile on its own"
done

step "installed files name no build or install path"
if grep -rlF -e "$work/first-prefix" -e "$BUILD_DIR" -e "$LOUPE_SOURCE_DIR" "$(dirname "$config")" "$(dirname "$pc")"; then
  fail "the files above hold absolute paths: the package is not relocatable"
fi

step "build examples/ against the moved prefix with find_package(Loupe)"
generator=()
[[ -n ${CMAKE_GENERATOR:-} ]] && generator=(-G "$CMAKE_GENERATOR")
"$CMAKE" -S "$LOUPE_SOURCE_DIR/examples" -B "$work/examples" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" \
  >"$work/configure.log" ||
  { cat "$work/configure.log"; fail "examples/ does not configure against the package"; }
grep -qF "$prefix" "$work/examples/CMakeCache.txt" || fail "find_package(Loupe) did not use the moved prefix"
"$CMAKE" --build "$work/examples" --parallel "$JOBS" >"$work/build.log" ||
  { cat "$work/build.log"; fail "examples/ does not build against the package"; }

step "news_search indexes and searches the bundled news"
news=$work/examples/news_search
out=$("$news" index "$work/news-index" "$LOUPE_SOURCE_DIR/corpus/news.jsonl")
expect_in "$out" "indexed 36 articles"
out=$("$news" search "$work/news-index" trade talks)
expect_in "$out" "Vietnam’s trade minister urges ASEAN partners to finish stalled trade talks"
expect_in "$out" "[trade]"
status=0
"$news" search "$work/news-index" 'title:(' 2>"$work/err" >/dev/null || status=$?
[[ $status == 2 ]] && grep -qF "query syntax error at column" "$work/err" || fail "a bad query is not reported: $(cat "$work/err")"

step "folder_search keeps a folder's index up to date and answers queries"
folder=$work/txt
cp -r "$LOUPE_SOURCE_DIR/corpus/txt" "$folder"
run_folder_search() { "$work/examples/folder_search" "$work/notes-index" "$folder" 2>"$work/folder.err"; }
out=$(printf 'library opening hours\ngarden\n' | run_folder_search)
grep -qF "indexed 4 files, removed 0" "$work/folder.err" || fail "first run: $(cat "$work/folder.err")"
expect_in "$out" "loupe-note-001"
expect_in "$out" "City library extends opening hours"
expect_in "$out" "loupe-note-004"
rm "$folder/loupe-note-004.txt"
out=$(printf 'garden\n' | run_folder_search)
grep -qF "indexed 3 files, removed 1" "$work/folder.err" || fail "second run: $(cat "$work/folder.err")"
expect_in "$out" "0 matching files"
expect_not_in "$out" "loupe-note-004"

step "a program built with pkg-config"
cat >"$work/tiny.cc" <<'EOF'
#include <cstring>
#include <iostream>

#include <loupe/index_reader.h>
#include <loupe/index_writer.h>
#include <loupe/query.h>
#include <loupe/searcher.h>
#include <loupe/version.h>

int main(int, char** argv) {
  if (std::strcmp(loupe::LibraryVersion(), LOUPE_VERSION_STRING) != 0) return 1;
  auto writer = loupe::IndexWriter::Open(argv[1], {.create = true});
  writer->AddDocument(loupe::DocumentFromJson(R"({"id": "x", "title": "pkg-config works"})"));
  writer->Commit();
  const auto reader = loupe::IndexReader::Open(argv[1]);
  std::cout << loupe::Searcher(reader).Count(*loupe::ParseQuery("works", reader->schema())) << " hit, library "
            << loupe::LibraryVersion() << "\n";
}
EOF
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
version=$(pkg-config --modversion loupe)
flags=$(pkg-config --cflags --libs loupe)
include_dir=$(grep -o -- '-I[^ ]*' <<<"$flags" | head -n 1)
[[ $(realpath "${include_dir#-I}") == "$(realpath "$prefix/include")" ]] || fail "pkg-config points elsewhere: $flags"
# shellcheck disable=SC2086  # the flags are words
"$CXX" -std=c++20 "$work/tiny.cc" -o "$work/tiny" $flags || fail "a program does not build with: $flags"
out=$(LD_LIBRARY_PATH=$(dirname "$library") "$work/tiny" "$work/tiny-index")
expect_in "$out" "1 hit, library $version"

step "the package works"
