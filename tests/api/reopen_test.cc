// IndexReader::Reopen(): a new commit is seen, the old snapshot is not
// changed, and segments the two commits share are shared, not opened again.
#include <gtest/gtest.h>

#include "index/reader_impl.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "test_util.h"

namespace loupe {
namespace {

Document Doc(std::string id, std::string body) { return {std::move(id), {{"title", "note"}, {"body", std::move(body)}}}; }

// The open segment objects of a snapshot, in commit order.
std::vector<const void*> OpenSegments(const IndexReader& reader) {
  std::vector<const void*> out;
  for (const auto& s : reader.impl().segments) out.push_back(s.get());
  return out;
}

uint64_t CountMatches(const std::shared_ptr<const IndexReader>& reader, std::string_view text) {
  return Searcher(reader).Count(*ParseQuery(text, reader->schema()));
}

class ReopenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_ = IndexWriter::Open(dir_.str(), {.create = true});
    writer_->AddDocument(Doc("a", "apples and pears"));
    writer_->AddDocument(Doc("b", "bananas"));
    writer_->AddDocument(Doc("f", "figs"));  // keeps the segment alive when a and b go
    writer_->Commit();
    writer_->AddDocument(Doc("c", "cherries"));
    writer_->Commit();  // a second segment
  }

  testing::TempDir dir_;
  std::unique_ptr<IndexWriter> writer_;
};

TEST_F(ReopenTest, WithoutNewCommitReturnsTheSameReader) {
  const auto reader = IndexReader::Open(dir_.str());
  EXPECT_EQ(reader->Reopen(), reader);
  writer_->AddDocument(Doc("d", "dates"));  // not committed: not seen
  EXPECT_EQ(reader->Reopen(), reader);
}

TEST_F(ReopenTest, SeesNewSegmentsAndSharesTheOthers) {
  const auto before = IndexReader::Open(dir_.str());
  ASSERT_EQ(OpenSegments(*before).size(), 2u);
  writer_->AddDocument(Doc("d", "dates"));
  writer_->Commit();

  const auto after = before->Reopen();
  ASSERT_NE(after, before);
  EXPECT_GT(after->generation(), before->generation());
  EXPECT_EQ(after->document_count(), 5u);
  EXPECT_EQ(CountMatches(after, "dates"), 1u);
  const auto old_segments = OpenSegments(*before);
  const auto new_segments = OpenSegments(*after);
  ASSERT_EQ(new_segments.size(), 3u);
  EXPECT_EQ(new_segments[0], old_segments[0]);
  EXPECT_EQ(new_segments[1], old_segments[1]);
  // The snapshot taken before is unchanged.
  EXPECT_EQ(before->document_count(), 4u);
  EXPECT_EQ(CountMatches(before, "dates"), 0u);
  EXPECT_FALSE(before->Find("d").has_value());
}

TEST_F(ReopenTest, DeletionsAndUpdatesOfKeptSegmentsAreSeen) {
  const auto before = IndexReader::Open(dir_.str());
  ASSERT_TRUE(writer_->DeleteDocument("a"));
  writer_->AddDocument(Doc("b", "blueberries"));  // replaces b
  writer_->Commit();

  const auto after = before->Reopen();
  EXPECT_FALSE(after->Find("a").has_value());
  EXPECT_EQ(CountMatches(after, "apples"), 0u);
  EXPECT_EQ(CountMatches(after, "bananas"), 0u);
  EXPECT_EQ(CountMatches(after, "blueberries"), 1u);
  ASSERT_TRUE(after->Find("b").has_value());
  EXPECT_EQ(after->Find("b")->Text("body"), "blueberries");
  EXPECT_EQ(after->document_count(), 3u);
  EXPECT_EQ(after->deleted_count(), 2u);
  // The segment whose deletions changed was reloaded; the other one is shared.
  const auto old_segments = OpenSegments(*before);
  const auto new_segments = OpenSegments(*after);
  ASSERT_EQ(new_segments.size(), 3u);
  EXPECT_NE(new_segments[0], old_segments[0]);
  EXPECT_EQ(new_segments[1], old_segments[1]);
  // And the old snapshot still has what it had.
  EXPECT_EQ(before->Find("a")->Text("body"), "apples and pears");
  EXPECT_EQ(CountMatches(before, "bananas"), 1u);
}

TEST_F(ReopenTest, AfterAMergeHoldsOnlyTheMergedSegment) {
  const auto before = IndexReader::Open(dir_.str());
  writer_->ForceMerge(1);
  const auto after = before->Reopen();
  ASSERT_EQ(OpenSegments(*after).size(), 1u);
  EXPECT_NE(OpenSegments(*after)[0], OpenSegments(*before)[0]);
  EXPECT_EQ(after->document_count(), 4u);
  EXPECT_EQ(CountMatches(after, "cherries"), 1u);
  // The merged-away segments' files are gone from the directory, but the old
  // snapshot keeps them open.
  EXPECT_EQ(CountMatches(before, "cherries"), 1u);
  EXPECT_EQ(before->Find("a")->Text("body"), "apples and pears");
}

TEST_F(ReopenTest, ReopenOfAReopenedReaderKeepsSharing) {
  const auto first = IndexReader::Open(dir_.str());
  writer_->AddDocument(Doc("d", "dates"));
  writer_->Commit();
  const auto second = first->Reopen();
  writer_->AddDocument(Doc("e", "elderberries"));
  writer_->Commit();
  const auto third = second->Reopen();
  ASSERT_EQ(OpenSegments(*third).size(), 4u);
  EXPECT_EQ(OpenSegments(*third)[0], OpenSegments(*first)[0]);
  EXPECT_EQ(OpenSegments(*third)[2], OpenSegments(*second)[2]);
  EXPECT_EQ(third->document_count(), 6u);
}

}  // namespace
}  // namespace loupe
