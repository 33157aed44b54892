#include "index/memory_segment.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "index/doc_ids.h"
#include "index/field_lengths.h"
#include "index/format.h"
#include "index/postings_format.h"
#include "index/stored_fields.h"
#include "index/term_dictionary.h"
#include "loupe/error.h"
#include "loupe/version.h"

namespace loupe::index {

// The terms of one text field: a hash table from term bytes to term number,
// and per term the stream of its postings:
//   doc, (position + 1), (position gap)..., 0, doc gap, (position + 1), ...
// The first doc is absolute, later ones are gaps; a 0 ends a document's
// positions (positions and their gaps are never 0).
class MemorySegment::FieldInverter {
 public:
  explicit FieldInverter(ByteSlicePool& pool) : pool_(pool) { table_.assign(1024, 0); }

  void AddToken(std::string_view term, uint32_t doc, uint32_t position) {
    const uint64_t h = XXH3_64bits(term.data(), term.size());
    // A slot holds the term number + 1 in its low half and the top half of
    // the term's hash in its high half: most mismatches are rejected without
    // touching the term's bytes.
    const uint64_t tag = h & 0xFFFFFFFF00000000ull;
    const size_t mask = table_.size() - 1;
    size_t slot = h & mask;
    uint32_t id;
    for (;;) {
      const uint64_t entry = table_[slot];
      if (entry == 0) {
        id = NewTerm(term, tag, slot);
        TermState& s = states_[id];
        s.stream = pool_.NewStream();
        pool_.WriteVarint(s.stream, doc);
        pool_.WriteVarint(s.stream, position + 1);
        s.last_doc = doc;
        s.last_position = position;
        s.doc_freq = 1;
        return;
      }
      if ((entry & 0xFFFFFFFF00000000ull) == tag) {
        id = static_cast<uint32_t>(entry) - 1;
        const TermRef& ref = terms_[id];
        if (ref.length == term.size() && std::memcmp(term_bytes_.data() + ref.offset, term.data(), term.size()) == 0) {
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
    TermState& s = states_[id];
    if (s.last_doc != doc) {
      pool_.WriteByte(s.stream, 0);
      pool_.WriteVarint(s.stream, doc - s.last_doc);
      pool_.WriteVarint(s.stream, position + 1);
      s.last_doc = doc;
      ++s.doc_freq;
    } else {
      pool_.WriteVarint(s.stream, position - s.last_position);
    }
    s.last_position = position;
  }

  void EndDocument(uint32_t length) {
    lengths_.push_back(length);
    sum_length_ += length;
    if (length > 0) ++docs_with_field_;
  }

  size_t memory_bytes() const {
    return table_.capacity() * 8 + terms_.capacity() * sizeof(TermRef) + states_.capacity() * sizeof(TermState) +
           term_bytes_.capacity() + lengths_.capacity() * 4;
  }

  const std::vector<uint32_t>& lengths() const { return lengths_; }

  // Writes the field's terms in byte order; returns its statistics.
  FieldStats Write(uint32_t field_number, TermDictionaryWriter& dict, store::CheckedWriter* post,
                   store::CheckedWriter* pos) {
    FieldStats stats;
    stats.number = field_number;
    stats.options = IndexOptions::kPositions;
    stats.docs_with_field = docs_with_field_;
    stats.sum_length = sum_length_;
    stats.terms = terms_.size();
    std::vector<uint32_t> order(terms_.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return Term(a) < Term(b); });
    const double average = lengths_.empty() ? 1.0 : static_cast<double>(sum_length_) / lengths_.size();
    PostingsWriter writer(post, pos, IndexOptions::kPositions, lengths_.data(), average);
    dict.StartField(field_number, IndexOptions::kPositions);
    std::vector<uint32_t> docs, freqs, positions;
    for (uint32_t id : order) {
      const TermState& s = states_[id];
      docs.clear();
      freqs.clear();
      positions.clear();
      ByteSlicePool::Reader r(pool_, s.stream);
      uint32_t doc = r.ReadVarint();
      for (;;) {
        docs.push_back(doc);
        uint32_t position = r.ReadVarint() - 1;
        positions.push_back(position);
        uint32_t freq = 1;
        while (!r.done()) {
          const uint32_t v = r.ReadVarint();
          if (v == 0) break;
          position += v;
          positions.push_back(position);
          ++freq;
        }
        freqs.push_back(freq);
        if (r.done()) break;
        doc += r.ReadVarint();
      }
      dict.Add(Term(id), writer.AddTerm(docs.data(), freqs.data(), positions.data(),
                                        static_cast<uint32_t>(docs.size())));
      stats.postings += docs.size();
      stats.positions += positions.size();
    }
    dict.FinishField();
    return stats;
  }

 private:
  struct TermRef {
    uint32_t offset;
    uint32_t length;
  };
  struct TermState {
    uint32_t last_doc;
    uint32_t last_position;
    uint32_t doc_freq;
    ByteSlicePool::Stream stream;
  };

  std::string_view Term(uint32_t id) const {
    return std::string_view(term_bytes_).substr(terms_[id].offset, terms_[id].length);
  }

  uint32_t NewTerm(std::string_view term, uint64_t tag, size_t slot) {
    if (term_bytes_.size() + term.size() > 0xFFFFFFFFu) throw std::length_error("term arena full");
    const auto id = static_cast<uint32_t>(terms_.size());
    terms_.push_back({static_cast<uint32_t>(term_bytes_.size()), static_cast<uint32_t>(term.size())});
    term_bytes_.append(term);
    states_.emplace_back();
    table_[slot] = tag | (id + 1);
    if (terms_.size() * 2 > table_.size()) Grow();
    return id;
  }

  void Grow() {
    std::vector<uint64_t> bigger(table_.size() * 2, 0);
    const size_t mask = bigger.size() - 1;
    for (uint32_t id = 0; id < terms_.size(); ++id) {
      const std::string_view t = Term(id);
      const uint64_t h = XXH3_64bits(t.data(), t.size());
      size_t slot = h & mask;
      while (bigger[slot] != 0) slot = (slot + 1) & mask;
      bigger[slot] = (h & 0xFFFFFFFF00000000ull) | (id + 1);
    }
    table_.swap(bigger);
  }

  ByteSlicePool& pool_;
  std::vector<uint64_t> table_;
  std::vector<TermRef> terms_;
  std::vector<TermState> states_;
  std::string term_bytes_;
  std::vector<uint32_t> lengths_;
  uint64_t sum_length_ = 0;
  uint64_t docs_with_field_ = 0;
};

MemorySegment::MemorySegment(const Schema& schema, store::Directory& dir, std::string name, uint64_t nonce)
    : schema_(schema), dir_(dir), name_(std::move(name)), nonce_(nonce) {
  for (const TextField& f : schema_.text_fields) {
    fields_.push_back(std::make_unique<FieldInverter>(pool_));
    streams_.emplace_back(f.MakeAnalyzer());
  }
  stored_ = std::make_unique<StoredFieldsWriter>(std::make_unique<store::CheckedWriter>(
      dir_, SegmentFileName(name_, "docs"), kStoredKind, kFormatVersion, nonce_));
}

MemorySegment::~MemorySegment() {
  if (!done_) Abandon();
}

uint32_t MemorySegment::Add(const Document& doc) {
  const uint32_t number = doc_count();
  for (size_t i = 0; i < schema_.text_fields.size(); ++i) {
    const TextField& field = schema_.text_fields[i];
    FieldInverter& inverter = *fields_[i];
    TokenStream& stream = streams_[i];
    uint32_t position = 0;
    uint32_t length = 0;
    const auto analyze = [&](std::string_view text) {
      stream.Reset(text, position);
      while (stream.Next()) {
        const Token& t = stream.token();
        inverter.AddToken(t.term, number, t.position);
        ++length;
      }
      position = stream.next_position() + kPositionGap;
    };
    for (const std::string& source : field.sources) {
      const FieldValue* value = doc.Find(source);
      if (value == nullptr) continue;
      if (const auto* text = std::get_if<std::string>(value)) {
        analyze(*text);
      } else if (const auto* list = std::get_if<StringList>(value)) {
        for (const std::string& item : *list) analyze(item);
      }
    }
    inverter.EndDocument(length);
  }
  stored_->Add(doc);
  ids_ += doc.id;
  id_offsets_.push_back(ids_.size());
  approximate_memory_.store(memory_bytes(), std::memory_order_relaxed);
  return number;
}

size_t MemorySegment::memory_bytes() const {
  size_t total = pool_.memory_bytes() + ids_.capacity() + id_offsets_.capacity() * 8 + stored_->memory_bytes();
  for (const auto& f : fields_) total += f->memory_bytes();
  return total;
}

MemorySegment::Flushed MemorySegment::Flush() {
  const uint32_t max_doc = doc_count();
  Flushed result;
  SegmentInfo& info = result.info;
  info.name = name_;
  info.max_doc = max_doc;
  info.nonce = nonce_;
  info.written_by = std::string("loupe ") + LOUPE_VERSION_STRING;
  const auto make = [&](const char* ext, store::FileKind kind) {
    return std::make_unique<store::CheckedWriter>(dir_, SegmentFileName(name_, ext), kind, kFormatVersion, nonce_);
  };
  const auto finish = [&](store::CheckedWriter& w, const char* ext) {
    const uint64_t checksum = w.Finish();
    info.files.push_back({ext, w.offset(), checksum});
  };
  auto terms = make("terms", kTermsKind);
  auto post = make("post", kPostingsKind);
  auto pos = make("pos", kPositionsKind);
  TermDictionaryWriter dict(terms.get());

  // The id field: each id and the doc(s) carrying it (an id appears twice when
  // an update replaced a document of this same segment).
  {
    std::vector<uint32_t> order(max_doc);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return Id(a) < Id(b); });
    const std::vector<uint32_t> no_lengths(max_doc, 0);
    PostingsWriter writer(post.get(), nullptr, IndexOptions::kDocs, no_lengths.data(), 1.0);
    dict.StartField(kIdField, IndexOptions::kDocs);
    std::vector<uint32_t> docs;
    for (size_t i = 0; i < order.size();) {
      docs.clear();
      size_t j = i;
      while (j < order.size() && Id(order[j]) == Id(order[i])) docs.push_back(order[j++]);
      std::sort(docs.begin(), docs.end());
      dict.Add(Id(order[i]), writer.AddTerm(docs.data(), nullptr, nullptr, static_cast<uint32_t>(docs.size())));
      i = j;
    }
    dict.FinishField();
    info.fields.push_back({kIdField, "id", IndexOptions::kDocs, max_doc, 0, 0, max_doc, 0});
    // Distinct ids.
    info.fields.back().terms = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      if (i == 0 || Id(order[i]) != Id(order[i - 1])) ++info.fields.back().terms;
    }
  }
  std::vector<uint32_t> field_numbers;
  std::vector<const std::vector<uint32_t>*> lengths;
  for (size_t i = 0; i < fields_.size(); ++i) {
    FieldStats stats = fields_[i]->Write(TextFieldNumber(i), dict, post.get(), pos.get());
    stats.name = schema_.text_fields[i].name;
    info.fields.push_back(std::move(stats));
    field_numbers.push_back(TextFieldNumber(i));
    lengths.push_back(&fields_[i]->lengths());
  }
  dict.Finish();
  finish(*terms, "terms");
  finish(*post, "post");
  finish(*pos, "pos");
  {
    auto lens = make("lens", kLengthsKind);
    WriteFieldLengths(lens.get(), field_numbers, lengths, max_doc);
    finish(*lens, "lens");
  }
  {
    auto ids = make("ids", kIdsKind);
    std::vector<std::string_view> all(max_doc);
    for (uint32_t d = 0; d < max_doc; ++d) all[d] = Id(d);
    WriteDocIds(ids.get(), all);
    finish(*ids, "ids");
  }
  info.stored_raw_bytes = stored_->raw_bytes();
  const uint64_t stored_checksum = stored_->Finish();
  info.files.push_back({"docs", stored_->bytes_written(), stored_checksum});
  WriteSegmentInfo(dir_, info);
  done_ = true;
  return result;
}

void MemorySegment::Abandon() {
  done_ = true;
  stored_.reset();
  for (const char* ext : kSegmentExtensions) {
    try {
      dir_.Remove(SegmentFileName(name_, ext));
    } catch (const Error&) {
      // Left for the next writer's clean-up of unreferenced files.
    }
  }
}

}  // namespace loupe::index
