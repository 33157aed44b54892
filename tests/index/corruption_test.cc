// Damaged files are reported, never crashed on or silently used: every file
// of a small index gets bytes flipped at many offsets and gets truncated.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "test_util.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteAll(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = tmp_.Sub("idx");
    auto writer = IndexWriter::Open(path_);
    std::mt19937_64 rng(testing::TestSeed());
    for (int i = 0; i < 400; ++i) {
      Document d;
      d.id = "doc" + std::to_string(i);
      std::string body;
      for (int w = 0; w < 60; ++w) body += "word" + std::to_string(rng() % 300) + " ";
      d.fields.push_back({"title", "title " + std::to_string(i)});
      d.fields.push_back({"body", body});
      writer->AddDocument(d);
    }
    writer->Commit();
    writer->DeleteDocument("doc7");
    writer->Commit();
    writer.reset();
    ASSERT_TRUE(VerifyIndex(path_).ok());
    for (const auto& e : fs::directory_iterator(path_)) {
      if (e.path().filename() != "write.lock") files_.push_back(e.path());
    }
  }

  // Damage is detected if opening fails with a Loupe error, or verify reports it.
  bool Detected() {
    bool open_failed = false;
    try {
      IndexReader::Open(path_);
    } catch (const Error&) {
      open_failed = true;
    }
    const VerifyReport report = VerifyIndex(path_);
    return open_failed && !report.ok();
  }

  testing::TempDir tmp_;
  std::string path_;
  std::vector<fs::path> files_;
};

TEST_F(CorruptionTest, EveryFlippedByteIsDetected) {
  ASSERT_GE(files_.size(), 9u);  // manifest, info, 6 segment files, deletions
  std::mt19937_64 rng(testing::TestSeed());
  for (const fs::path& file : files_) {
    const std::string original = ReadAll(file);
    std::vector<size_t> offsets = {0, 5, original.size() / 2, original.size() - 1};
    for (int i = 0; i < 12; ++i) offsets.push_back(rng() % original.size());
    for (size_t at : offsets) {
      std::string damaged = original;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
      WriteAll(file, damaged);
      EXPECT_TRUE(Detected()) << file.filename() << " byte " << at;
    }
    WriteAll(file, original);
  }
  EXPECT_TRUE(VerifyIndex(path_).ok());
}

TEST_F(CorruptionTest, TruncatedFilesAreDetected) {
  for (const fs::path& file : files_) {
    const std::string original = ReadAll(file);
    for (size_t keep : {size_t{0}, size_t{10}, original.size() / 2, original.size() - 1}) {
      WriteAll(file, original.substr(0, keep));
      EXPECT_TRUE(Detected()) << file.filename() << " cut to " << keep;
    }
    WriteAll(file, original);
  }
}

TEST_F(CorruptionTest, MissingFileIsNamed) {
  for (const fs::path& file : files_) {
    if (!file.filename().string().starts_with("seg_")) continue;
    const std::string original = ReadAll(file);
    fs::remove(file);
    try {
      IndexReader::Open(path_);
      ADD_FAILURE() << "opened without " << file.filename();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(file.filename().string()), std::string::npos) << e.what();
    }
    EXPECT_FALSE(VerifyIndex(path_).ok());
    WriteAll(file, original);
  }
}

TEST_F(CorruptionTest, ForeignAndNewerFilesAreUnsupported) {
  const fs::path manifest = *std::find_if(files_.begin(), files_.end(), [](const fs::path& p) {
    return p.filename().string().starts_with("commit_");
  });
  std::string bytes = ReadAll(manifest);
  std::string newer = bytes;
  newer[8] = 99;  // format version 99
  WriteAll(manifest, newer);
  EXPECT_THROW(IndexReader::Open(path_), UnsupportedFormatError);
  WriteAll(manifest, "PK\x03\x04 this is a zip file, not a Loupe manifest................");
  EXPECT_THROW(IndexReader::Open(path_), UnsupportedFormatError);
  WriteAll(manifest, bytes);
  EXPECT_NO_THROW(IndexReader::Open(path_));
}

}  // namespace
}  // namespace loupe
