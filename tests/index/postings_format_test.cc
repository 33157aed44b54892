// The postings codec against plain vectors: every doc, frequency and position
// read back, cursor navigation, and the impact bounds.
#include "index/postings_format.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "index/format.h"
#include "loupe/error.h"
#include "store/directory.h"
#include "test_util.h"

namespace loupe::index {
namespace {

struct TermPostings {
  std::vector<uint32_t> docs, freqs, positions;
};

TermPostings RandomTerm(std::mt19937_64& rng, uint32_t max_doc, uint32_t n, uint32_t max_freq) {
  TermPostings t;
  std::vector<uint32_t> all(max_doc);
  for (uint32_t i = 0; i < max_doc; ++i) all[i] = i;
  std::shuffle(all.begin(), all.end(), rng);
  t.docs.assign(all.begin(), all.begin() + n);
  std::sort(t.docs.begin(), t.docs.end());
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t f = 1 + static_cast<uint32_t>(rng() % max_freq);
    t.freqs.push_back(f);
    uint32_t p = static_cast<uint32_t>(rng() % 50);
    for (uint32_t j = 0; j < f; ++j) {
      t.positions.push_back(p);
      p += 1 + static_cast<uint32_t>(rng() % (rng() % 4 == 0 ? 5000 : 20));
    }
  }
  return t;
}

class PostingsFormatTest : public ::testing::Test {
 protected:
  void Write(IndexOptions options, const std::vector<TermPostings>& terms, uint32_t max_doc) {
    dir_ = store::OpenFileSystemDirectory(tmp_.str(), false);
    lengths_.assign(max_doc, 0);
    span_values_.assign(max_doc, 0);
    for (const auto& t : terms) {
      size_t p = 0;
      for (size_t i = 0; i < t.docs.size(); ++i) {
        const uint32_t f = t.freqs.empty() ? 1 : t.freqs[i];
        lengths_[t.docs[i]] += f;
        if (!t.positions.empty()) span_values_[t.docs[i]] = std::max(span_values_[t.docs[i]], t.positions[p + f - 1] + 1);
        p += f;
      }
    }
    store::CheckedWriter post(*dir_, "t.post", kPostingsKind, kFormatVersion, 7);
    store::CheckedWriter pos(*dir_, "t.pos", kPositionsKind, kFormatVersion, 7);
    PostingsWriter writer(&post, &pos, options, lengths_.data(), span_values_.data(), 50.0);
    infos_.clear();
    for (const auto& t : terms) {
      infos_.push_back(writer.AddTerm(t.docs.data(), t.freqs.empty() ? nullptr : t.freqs.data(),
                                      t.positions.data(), static_cast<uint32_t>(t.docs.size())));
    }
    post.Finish();
    pos.Finish();
    post_ = std::make_unique<store::CheckedFile>(dir_->Open("t.post"), kPostingsKind, kFormatVersion, 7, true);
    pos_ = std::make_unique<store::CheckedFile>(dir_->Open("t.pos"), kPositionsKind, kFormatVersion, 7, true);
  }

  testing::TempDir tmp_;
  std::unique_ptr<store::Directory> dir_;
  std::vector<uint32_t> lengths_;
  std::vector<uint32_t> span_values_;
  std::vector<TermInfo> infos_;
  std::unique_ptr<store::CheckedFile> post_, pos_;
};

TEST_F(PostingsFormatTest, EveryPostingReadsBack) {
  std::mt19937_64 rng(testing::TestSeed());
  const uint32_t max_doc = 5000;
  std::vector<TermPostings> terms;
  // One document, a few, around the block size, many blocks, every document.
  for (uint32_t n : {1u, 1u, 2u, 7u, 127u, 128u, 129u, 255u, 256u, 257u, 1000u, 4999u, 5000u}) {
    terms.push_back(RandomTerm(rng, max_doc, n, n % 3 == 0 ? 1 : 40));
  }
  Write(IndexOptions::kPositions, terms, max_doc);
  PostingsCursor c;
  for (size_t t = 0; t < terms.size(); ++t) {
    c.Reset(post_.get(), pos_.get(), span_values_.data(), IndexOptions::kPositions, infos_[t], max_doc);
    EXPECT_EQ(c.doc_freq(), terms[t].docs.size());
    size_t p = 0;
    for (size_t i = 0; i < terms[t].docs.size(); ++i) {
      ASSERT_EQ(c.doc(), terms[t].docs[i]) << "term " << t << " posting " << i;
      ASSERT_EQ(c.freq(), terms[t].freqs[i]);
      const uint32_t* positions = c.Positions();
      for (uint32_t j = 0; j < terms[t].freqs[i]; ++j) ASSERT_EQ(positions[j], terms[t].positions[p++]);
      c.Next();
    }
    EXPECT_EQ(c.doc(), PostingsCursor::kNoMoreDocs);
  }
}

// A phrase query reads a prefix of a doc's positions (up to a bound), then
// perhaps more of them, or none, and leaves docs out: whatever it skips or
// leaves half-read, the positions it asks for later must be exact. Advance
// takes small steps too (within a block) and large ones.
TEST_F(PostingsFormatTest, PositionPrefixesAndSkipsReadBackExactly) {
  std::mt19937_64 rng(testing::TestSeed() + 2);
  const uint32_t max_doc = 3000;
  std::vector<TermPostings> terms;
  for (uint32_t n : {2u, 129u, 700u, 3000u}) terms.push_back(RandomTerm(rng, max_doc, n, 60));
  Write(IndexOptions::kPositions, terms, max_doc);
  PostingsCursor c;
  for (size_t t = 0; t < terms.size(); ++t) {
    const TermPostings& term = terms[t];
    std::vector<size_t> starts(term.docs.size() + 1, 0);  // of each posting's positions
    for (size_t i = 0; i < term.docs.size(); ++i) starts[i + 1] = starts[i] + term.freqs[i];
    for (int trial = 0; trial < 40; ++trial) {
      c.Reset(post_.get(), pos_.get(), span_values_.data(), IndexOptions::kPositions, infos_[t], max_doc);
      c.PrefetchPositions();
      uint32_t target = 0;
      for (;;) {
        target += rng() % 4 == 0 ? static_cast<uint32_t>(rng() % 400) : 1 + static_cast<uint32_t>(rng() % 12);
        const auto it = std::lower_bound(term.docs.begin(), term.docs.end(), target);
        const uint32_t got = c.Advance(target);
        if (it == term.docs.end()) {
          ASSERT_EQ(got, PostingsCursor::kNoMoreDocs);
          break;
        }
        ASSERT_EQ(got, *it) << "term " << t << " target " << target;
        const size_t i = static_cast<size_t>(it - term.docs.begin());
        const uint32_t* want = term.positions.data() + starts[i];
        const uint32_t freq = term.freqs[i];
        ASSERT_EQ(c.freq(), freq);
        const int what = static_cast<int>(rng() % 4);
        if (what == 0) continue;  // positions left out
        // One or two prefixes, the second with a higher bound, and sometimes
        // all of them after.
        uint32_t bound = want[rng() % freq] + static_cast<uint32_t>(rng() % 3);
        for (int round = 0; round < (what == 1 ? 1 : 2); ++round) {
          uint32_t count = 0;
          const uint32_t* got_positions = c.PositionsThrough(bound, &count);
          ASSERT_GE(count, 1u);
          ASSERT_LE(count, freq);
          for (uint32_t j = 0; j < count; ++j) ASSERT_EQ(got_positions[j], want[j]) << "doc " << *it;
          // Every position <= bound is in the prefix.
          if (count < freq) {
            ASSERT_GE(got_positions[count - 1], bound);
          }
          bound += static_cast<uint32_t>(rng() % 3000);
        }
        if (what == 3) {
          const uint32_t* all = c.Positions();
          for (uint32_t j = 0; j < freq; ++j) ASSERT_EQ(all[j], want[j]) << "doc " << *it;
        }
      }
    }
  }
}

TEST_F(PostingsFormatTest, DocsOnlyAndAdvance) {
  std::mt19937_64 rng(testing::TestSeed() + 1);
  const uint32_t max_doc = 100000;
  std::vector<TermPostings> terms = {RandomTerm(rng, max_doc, 20000, 1), RandomTerm(rng, max_doc, 3, 1)};
  for (auto& t : terms) t.freqs.clear();
  Write(IndexOptions::kDocs, terms, max_doc);
  PostingsCursor c;
  for (size_t t = 0; t < terms.size(); ++t) {
    const auto& docs = terms[t].docs;
    for (int trial = 0; trial < 200; ++trial) {
      c.Reset(post_.get(), nullptr, nullptr, IndexOptions::kDocs, infos_[t], max_doc);
      uint32_t target = 0;
      while (true) {
        target += static_cast<uint32_t>(rng() % 3000);
        const auto it = std::lower_bound(docs.begin(), docs.end(), target);
        const uint32_t got = c.Advance(target);
        if (it == docs.end()) {
          ASSERT_EQ(got, PostingsCursor::kNoMoreDocs);
          break;
        }
        ASSERT_EQ(got, *it) << "target " << target;
        ASSERT_EQ(c.freq(), 1u);
      }
    }
  }
}

TEST_F(PostingsFormatTest, ShallowAdvanceAndImpactsBoundEveryScore) {
  std::mt19937_64 rng(testing::TestSeed() + 2);
  const uint32_t max_doc = 20000;
  std::vector<TermPostings> terms;
  for (uint32_t n : {2u, 300u, 5000u, 19000u}) terms.push_back(RandomTerm(rng, max_doc, n, 200));
  Write(IndexOptions::kPositions, terms, max_doc);
  const auto bm25 = [](double tf, double len, double k1, double b, double avg) {
    return tf / (tf + k1 * (1 - b + b * len / avg));
  };
  for (size_t t = 0; t < terms.size(); ++t) {
    for (const auto& [k1, b] : {std::pair{0.9, 0.4}, std::pair{1.2, 0.75}, std::pair{2.0, 1.0}, std::pair{0.5, 0.0}}) {
      const double avg = 37.0;
      PostingsCursor c, shallow;
      c.Reset(post_.get(), pos_.get(), span_values_.data(), IndexOptions::kPositions, infos_[t], max_doc);
      shallow.Reset(post_.get(), pos_.get(), span_values_.data(), IndexOptions::kPositions, infos_[t], max_doc);
      const auto bound_of = [&](const uint8_t* raw) {
        const Impact im = DecodeImpact(raw);
        return std::max(bm25(im.a.freq, im.a.length, k1, b, avg), bm25(im.b.freq, im.b.length, k1, b, avg));
      };
      const double term_bound = bound_of(c.term_impact());
      for (uint32_t d = c.doc(); d != PostingsCursor::kNoMoreDocs; d = c.Next()) {
        const uint32_t last = shallow.ShallowAdvance(d);
        ASSERT_GE(last, d);
        const double score = bm25(c.freq(), lengths_[d], k1, b, avg);
        ASSERT_LE(score, bound_of(shallow.shallow_impact()) + 1e-12) << "doc " << d;
        ASSERT_LE(score, term_bound + 1e-12);
      }
      EXPECT_EQ(shallow.ShallowAdvance(max_doc), PostingsCursor::kNoMoreDocs);
    }
  }
}

// The position codes' widths, against their definitions: the writer and
// every reader must agree on them bit for bit.
TEST(PositionCodes, WidthsMatchTheirDefinitions) {
  std::mt19937_64 rng(testing::TestSeed() + 17);
  const auto check = [](uint32_t span, uint32_t freq) {
    uint32_t bits = 0;
    while (span > 1 && (uint64_t{1} << bits) < span) ++bits;  // values 0 .. span-1
    ASSERT_EQ(FirstPositionBits(span), bits) << "span " << span;
    uint32_t k = 0;  // largest k with freq * 100 * 2^k <= span * 69, else 0
    while (uint64_t{freq} * 100 * (uint64_t{1} << (k + 1)) <= uint64_t{span} * 69) ++k;
    ASSERT_EQ(RiceParameter(span, freq), k) << "span " << span << " freq " << freq;
  };
  for (uint32_t span = 0; span < 3000; ++span) {
    for (uint32_t freq = 1; freq <= std::max<uint32_t>(span, 1) && freq < 64; ++freq) check(span, freq);
  }
  for (int i = 0; i < 100000; ++i) {
    const auto span = static_cast<uint32_t>(rng() >> (32 + rng() % 32));
    const auto freq = static_cast<uint32_t>(1 + (rng() >> (32 + rng() % 32)));
    check(span, freq);
  }
  check(0xFFFFFFFFu, 1);
  check(0xFFFFFFFFu, 0xFFFFFFFFu);
}

TEST(Impact, CodesRoundTheSafeWay) {
  for (uint32_t v = 0; v < 5'000'000; v += 1 + v / 64) {
    EXPECT_GE(DecodeFrequency(EncodeFrequency(v)), v);
    EXPECT_LE(DecodeLength(EncodeLength(v)), v);
  }
  EXPECT_EQ(DecodeFrequency(EncodeFrequency(0xFFFFFFFFu)), 0xFFFFFFFFu);
  for (uint32_t v = 0; v < 128; ++v) {
    EXPECT_EQ(DecodeFrequency(EncodeFrequency(v)), v);
    EXPECT_EQ(DecodeLength(EncodeLength(v)), v);
  }
}

// Build() reduces pairs of one small frequency to the shortest before it
// sorts: the corners must be those of the exact Pareto frontier.
TEST(Impact, BuildDependsOnlyOnTheParetoFrontier) {
  std::mt19937_64 rng(testing::TestSeed() + 11);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<std::pair<uint32_t, uint32_t>> pairs(1 + rng() % 128);
    const uint32_t max_freq = trial % 3 == 0 ? 4 : trial % 3 == 1 ? 40 : 1000;
    for (auto& [f, l] : pairs) {
      f = static_cast<uint32_t>(1 + rng() % max_freq);
      l = static_cast<uint32_t>(1 + rng() % 3000);
    }
    std::vector<std::pair<uint32_t, uint32_t>> frontier;  // brute force
    for (const auto& p : pairs) {
      bool dominated = false;
      for (const auto& q : pairs) {
        dominated |= q.first >= p.first && q.second <= p.second && q != p;
      }
      if (!dominated && std::find(frontier.begin(), frontier.end(), p) == frontier.end()) frontier.push_back(p);
    }
    std::shuffle(frontier.begin(), frontier.end(), rng);
    ImpactBuilder all, reduced;
    for (const auto& [f, l] : pairs) all.Add(f, l);
    for (const auto& [f, l] : frontier) reduced.Add(f, l);
    const Impact a = all.Build(500), b = reduced.Build(500);
    ASSERT_EQ(a.a.freq, b.a.freq) << "trial " << trial;
    ASSERT_EQ(a.a.length, b.a.length) << "trial " << trial;
    ASSERT_EQ(a.b.freq, b.b.freq) << "trial " << trial;
    ASSERT_EQ(a.b.length, b.b.length) << "trial " << trial;
    uint32_t most = 0, shortest = UINT32_MAX;
    for (const auto& [f, l] : pairs) {
      most = std::max(most, f);
      shortest = std::min(shortest, l);
      ASSERT_TRUE((f <= a.a.freq && l >= a.a.length) || (f <= a.b.freq && l >= a.b.length)) << "trial " << trial;
    }
    EXPECT_EQ(a.a.length, shortest);
    EXPECT_EQ(a.b.freq, most);
    // The builder is reused block after block.
    all.Reset();
    all.Add(7, 70);
    const Impact one = all.Build(500);
    EXPECT_EQ(one.a.freq, 7u);
    EXPECT_EQ(one.b.length, 70u);
  }
}

TEST_F(PostingsFormatTest, CorruptBlocksAreReportedNotCrashed) {
  std::mt19937_64 rng(testing::TestSeed() + 3);
  const uint32_t max_doc = 3000;
  std::vector<TermPostings> terms = {RandomTerm(rng, max_doc, 2900, 5)};
  Write(IndexOptions::kPositions, terms, max_doc);
  // Damage the bytes in memory (the checksum would catch it on open; this
  // checks the decoder's own defences when checksums are skipped).
  std::string bytes(post_->data());
  int reported = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string damaged = bytes;
    const size_t at = store::kHeaderSize + rng() % (damaged.size() - store::kHeaderSize - store::kFooterSize);
    damaged[at] = static_cast<char>(damaged[at] ^ (1 + rng() % 255));
    struct Memory : store::ReadableFile {
      std::string bytes, file_name = "damaged.post";
      std::string_view data() const override { return bytes; }
      const std::string& name() const override { return file_name; }
    };
    auto mem = std::make_shared<Memory>();
    mem->bytes = damaged;
    const store::CheckedFile file(mem, kPostingsKind, kFormatVersion, 7, false);
    PostingsCursor c;
    try {
      c.Reset(&file, pos_.get(), span_values_.data(), IndexOptions::kPositions, infos_[0], max_doc);
      for (uint32_t d = c.doc(); d != PostingsCursor::kNoMoreDocs; d = c.Next()) {
        ASSERT_LT(d, max_doc);
        c.freq();
      }
    } catch (const CorruptionError& e) {
      EXPECT_NE(std::string(e.what()).find("damaged.post"), std::string::npos);
      ++reported;
    }
  }
  EXPECT_GT(reported, 0);
}

// A frequency larger than the doc's span cannot be (positions are distinct
// and inside it): reported as damage before it sizes any buffer.
TEST_F(PostingsFormatTest, AFrequencyBeyondTheSpanIsDamage) {
  TermPostings term;
  term.docs = {3, 9};
  term.freqs = {2, 5};
  term.positions = {1, 4, 0, 2, 4, 6, 8};
  Write(IndexOptions::kPositions, {term}, 10);
  span_values_[9] = 3;  // as a damaged .lens would say
  PostingsCursor c;
  c.Reset(post_.get(), pos_.get(), span_values_.data(), IndexOptions::kPositions, infos_[0], 10);
  EXPECT_EQ(c.Positions()[1], 4u);
  c.Next();
  try {
    c.Positions();
    FAIL() << "no error";
  } catch (const CorruptionError& e) {
    EXPECT_NE(std::string(e.what()).find("frequency beyond the document's span"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace loupe::index
