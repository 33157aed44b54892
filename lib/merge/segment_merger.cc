#include "merge/segment_merger.h"

#include <algorithm>
#include <atomic>
#include <initializer_list>
#include <exception>
#include <queue>
#include <thread>

#include "index/segment_writer.h"

namespace loupe::merge {
namespace {

using index::IndexOptions;
using index::PostingsCursor;

bool IsLive(const MergeSource& s, uint32_t doc) { return s.live ? s.live->IsLive(doc) : s.reader->IsLive(doc); }

// The sources are read once, front to back; letting go of the pages already
// read now and then keeps the merge's memory bounded whatever their size.
void ReleaseMemory(const MergeSource& source, std::initializer_list<const char*> extensions) {
  for (const char* extension : extensions) {
    if (const store::CheckedFile* f = source.reader->File(extension)) f->ReleaseMemory();
  }
}

// One field: the union of the sources' terms in byte order, each term's
// postings concatenated in source order with renumbered documents.
void CheckCancelled(const std::atomic<bool>* cancel) {
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) throw MergeCancelled{};
}

index::FieldStats MergeField(const index::FieldStats& proto, const std::vector<MergeSource>& sources,
                             const std::vector<std::vector<uint32_t>>& maps, index::SegmentWriter& out,
                             const std::vector<uint32_t>& lengths, const std::vector<uint32_t>& spans,
                             double average_length, const std::atomic<bool>* cancel) {
  index::FieldStats stats;
  stats.number = proto.number;
  stats.name = proto.name;
  stats.options = proto.options;
  const bool positions = index::HasPositions(stats.options);
  index::PostingsWriter writer =
      out.Postings(stats.options, lengths.data(), positions ? spans.data() : nullptr, average_length);
  index::TermDictionaryWriter& dict = out.dictionary();
  dict.StartField(stats.number, stats.options);

  std::vector<index::TermDictionaryReader::Iterator> iterators;
  iterators.reserve(sources.size());
  for (const MergeSource& s : sources) iterators.push_back(s.reader->terms().Terms(stats.number));
  // Sources ordered by their current term, then by source number.
  const auto later = [&](size_t a, size_t b) {
    const int c = iterators[a].term().compare(iterators[b].term());
    return c != 0 ? c > 0 : a > b;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
  for (size_t i = 0; i < iterators.size(); ++i) {
    if (iterators[i].valid()) heap.push(i);
  }
  std::string term;
  uint64_t seen = 0;  // terms, with or without live postings
  std::vector<size_t> holders;
  PostingsCursor cursor;
  while (!heap.empty()) {
    term.assign(iterators[heap.top()].term());
    holders.clear();
    while (!heap.empty() && iterators[heap.top()].term() == term) {
      holders.push_back(heap.top());
      heap.pop();
    }
    std::sort(holders.begin(), holders.end());
    ++seen;
    if ((seen & 1023) == 0) CheckCancelled(cancel);
    if ((seen & 16383) == 0) {
      for (const MergeSource& s : sources) ReleaseMemory(s, {"terms", "post", "pos"});
    }
    writer.StartTerm();
    uint64_t docs = 0;
    for (size_t i : holders) {
      sources[i].reader->OpenPostings(stats.number, iterators[i].info(), &cursor);
      for (uint32_t d = cursor.doc(); d != PostingsCursor::kNoMoreDocs; d = cursor.Next()) {
        const uint32_t mapped = maps[i][d];
        if (mapped == MergeResult::kDropped) continue;
        const uint32_t freq = cursor.freq();
        writer.AddDoc(mapped, freq, positions ? cursor.Positions() : nullptr);
        ++docs;
        stats.positions += positions ? freq : 0;
      }
    }
    const index::TermInfo info = writer.FinishTerm();
    if (docs > 0) {
      dict.Add(term, info);
      ++stats.terms;
      stats.postings += docs;
    }
    for (size_t i : holders) {
      iterators[i].Next();
      if (iterators[i].valid()) heap.push(i);
    }
  }
  dict.FinishField();
  return stats;
}

std::atomic<uint64_t> stored_copy_threshold{kStoredCopyThreshold};

}  // namespace

uint64_t StoredCopyThreshold() { return stored_copy_threshold.load(std::memory_order_relaxed); }
void SetStoredCopyThresholdForTesting(uint64_t bytes) { stored_copy_threshold = bytes; }

MergeResult MergeSegments(store::Directory& dir, const Schema& schema, const std::vector<MergeSource>& sources,
                          const std::string& name, uint64_t nonce, const std::atomic<bool>* cancel) {
  MergeResult result;
  index::SegmentWriter out(dir, name, nonce);
  // New doc numbers: the live documents of each source, in order.
  uint32_t max_doc = 0;
  std::vector<bool> whole;  // per source: no document dropped
  for (const MergeSource& s : sources) {
    std::vector<uint32_t> map(s.reader->max_doc(), MergeResult::kDropped);
    const uint32_t first = max_doc;
    for (uint32_t d = 0; d < s.reader->max_doc(); ++d) {
      if (IsLive(s, d)) map[d] = max_doc++;
    }
    whole.push_back(max_doc - first == s.reader->max_doc());
    result.doc_maps.push_back(std::move(map));
  }
  const auto& maps = result.doc_maps;

  // Stored documents and ids, each stored block decompressed once, in a
  // thread of their own: they go to their own file, and recompressing them
  // costs about as much as merging every posting, so the two overlap.
  std::vector<std::string> ids;
  ids.reserve(max_doc);
  std::atomic<bool> abandon_stored{false};
  std::exception_ptr stored_failure;
  std::thread stored_thread([&] {
    try {
      for (size_t i = 0; i < sources.size(); ++i) {
        const index::SegmentReader& r = *sources[i].reader;
        // A large source without deletions: its compressed blocks are copied
        // as they are (a small one is recompressed, so runs stay few and
        // large and their dictionaries a small share of the file).
        if (whole[i] && r.info().stored_raw_bytes >= StoredCopyThreshold()) {
          CheckCancelled(cancel);
          out.stored().CopyAll(r.stored(), r.info().stored_raw_bytes);
          for (uint32_t doc = 0; doc < r.max_doc(); ++doc) ids.emplace_back(r.Id(doc));
          ReleaseMemory(sources[i], {"ids"});  // the copy let go of .docs as it went
          continue;
        }
        r.stored().Scan([&](uint32_t doc, const Document& d) {
          if ((doc & 255) == 0) {
            if (abandon_stored.load(std::memory_order_relaxed)) throw MergeCancelled{};
            CheckCancelled(cancel);
            if ((doc & 4095) == 0) ReleaseMemory(sources[i], {"docs", "ids"});
          }
          if (maps[i][doc] == MergeResult::kDropped) return;
          out.stored().Add(d);
          ids.emplace_back(r.Id(doc));
        });
        ReleaseMemory(sources[i], {"docs", "ids"});
      }
    } catch (...) {
      stored_failure = std::current_exception();
    }
  });
  // Joined on every path out, before `out` and the sources go away.
  struct Joiner {
    std::thread& thread;
    std::atomic<bool>& abandon;
    ~Joiner() {
      if (thread.joinable()) {
        abandon = true;
        thread.join();
      }
    }
  } joiner{stored_thread, abandon_stored};

  // Field lengths and spans, carried over.
  std::vector<uint32_t> text_fields;
  std::vector<std::vector<uint32_t>> lengths(schema.text_fields.size()), spans(schema.text_fields.size());
  std::vector<index::FieldStats> stats;
  for (size_t f = 0; f < schema.text_fields.size(); ++f) {
    const uint32_t number = index::TextFieldNumber(f);
    text_fields.push_back(number);
    lengths[f].assign(max_doc, 0);
    spans[f].assign(max_doc, 0);
    for (size_t i = 0; i < sources.size(); ++i) {
      const codec::PackedReader* len = sources[i].reader->Lengths(number);
      const uint32_t* span = sources[i].reader->Spans(number);
      for (uint32_t d = 0; d < sources[i].reader->max_doc(); ++d) {
        const uint32_t mapped = maps[i][d];
        if (mapped == MergeResult::kDropped) continue;
        lengths[f][mapped] = len ? static_cast<uint32_t>(len->Get(d)) : 0;
        spans[f][mapped] = span ? span[d] : 0;
      }
    }
  }

  for (const MergeSource& s : sources) ReleaseMemory(s, {"lens"});

  // Columns, carried over value by value.
  for (size_t i = 0; i < sources.size(); ++i) {
    const index::ColumnsReader& columns = sources[i].reader->columns();
    for (const index::ColumnsReader::Entry& c : columns.List()) {
      CheckCancelled(cancel);
      if (const index::NumericColumn* numeric = columns.Numeric(c.name)) {
        for (uint32_t d = 0; d < sources[i].reader->max_doc(); ++d) {
          int64_t value;
          if (maps[i][d] != MergeResult::kDropped && numeric->Get(d, &value)) {
            out.columns().AddNumber(c.name, c.type, maps[i][d], value);
          }
        }
      } else if (const index::KeywordColumn* keyword = columns.Keyword(c.name)) {
        for (uint32_t d = 0; d < sources[i].reader->max_doc(); ++d) {
          if (maps[i][d] == MergeResult::kDropped) continue;
          for (uint64_t k = keyword->Begin(d), end = keyword->Begin(d + 1); k < end; ++k) {
            out.columns().AddKeyword(c.name, maps[i][d], keyword->Value(keyword->Ord(k)));
          }
        }
      }
    }
    ReleaseMemory(sources[i], {"cols"});
  }

  // The id field, then every text field.
  const std::vector<uint32_t> no_lengths(max_doc, 0);
  index::FieldStats id_proto{index::kIdField, "id", IndexOptions::kDocs, 0, 0, 0, 0, 0};
  index::FieldStats id_stats = MergeField(id_proto, sources, maps, out, no_lengths, no_lengths, 1.0, cancel);
  id_stats.docs_with_field = max_doc;
  stats.push_back(id_stats);
  for (size_t f = 0; f < schema.text_fields.size(); ++f) {
    index::FieldStats proto{text_fields[f], schema.text_fields[f].name, IndexOptions::kPositions, 0, 0, 0, 0, 0};
    uint64_t sum = 0, with_field = 0;
    for (uint32_t len : lengths[f]) {
      sum += len;
      with_field += len > 0;
    }
    const double average = max_doc == 0 ? 1.0 : static_cast<double>(sum) / max_doc;
    index::FieldStats s = MergeField(proto, sources, maps, out, lengths[f], spans[f], average, cancel);
    s.sum_length = sum;
    s.docs_with_field = with_field;
    stats.push_back(std::move(s));
  }

  stored_thread.join();
  if (stored_failure) std::rethrow_exception(stored_failure);
  std::vector<std::string_view> id_views(ids.begin(), ids.end());
  std::vector<const std::vector<uint32_t>*> length_ptrs, span_ptrs;
  for (size_t f = 0; f < schema.text_fields.size(); ++f) {
    length_ptrs.push_back(&lengths[f]);
    span_ptrs.push_back(&spans[f]);
  }
  result.info = out.Finish(max_doc, std::move(stats), text_fields, length_ptrs, span_ptrs, id_views);
  return result;
}

}  // namespace loupe::merge
