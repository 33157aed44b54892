#include "index/memory_segment.h"

#include <simdjson.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "index/format.h"
#include "index/segment_writer.h"
#include "index/postings_format.h"
#include "index/stored_fields.h"
#include "index/string_table.h"
#include "index/term_dictionary.h"
#include "loupe/error.h"
#include "loupe/version.h"
#include "util/name_set.h"

namespace loupe::index {

// The terms of one text field: a hash table from term bytes to term number,
// and per term the stream of its postings:
//   doc, (position + 1), (position gap)..., 0, doc gap, (position + 1), ...
// The first doc is absolute, later ones are gaps; a 0 ends a document's
// positions (positions and their gaps are never 0).
class MemorySegment::FieldInverter {
 public:
  explicit FieldInverter(ByteSlicePool& pool) : pool_(pool) {}

  // The term number of an analysed term (`hash` is StringTable::Hash(term)).
  uint32_t Term(std::string_view term, uint64_t hash) {
    bool added;
    const uint32_t id = terms_.Intern(term, hash, &added);
    if (added) states_.push_back({kNoDoc, 0, 0, {}});
    return id;
  }

  // The term number of an unstemmed word: stemming happens once per distinct
  // word, not once per occurrence.
  uint32_t Word(std::string_view word, uint64_t hash, TokenStream& stream) {
    bool added;
    const uint32_t id = words_.Intern(word, hash, &added);
    if (added) {
      const std::string_view term = stream.Stem(word);
      word_terms_.push_back(Term(term, StringTable::Hash(term)));
    }
    return word_terms_[id];
  }

  // Adds the posting of a token of `doc` (through Word() when `stems`), in
  // token order, though a little later: the token waits in a queue while
  // its table slot, and then its term's state, are fetched from memory. The
  // tables are far larger than the caches; without this each token costs
  // two or three cache misses in a row. Drain() before the next doc.
  void Queue(std::string_view text, uint32_t position, uint32_t doc, bool stems, TokenStream& stream) {
    const uint64_t hash = StringTable::Hash(text);
    if (text.size() > sizeof(PendingToken::bytes)) {  // rare: added at once
      Drain(doc, stems, stream);
      AddPosting(stems ? Word(text, hash, stream) : Term(text, hash), doc, position);
      return;
    }
    if (queued_ == kQueue) {
      const PendingToken& oldest = queue_[first_ % kQueue];
      AddPosting(oldest.term, doc, oldest.position);
      ++first_;
      --queued_;
      --resolved_;
    }
    if (queued_ - resolved_ == kQueue / 2) Resolve(stems, stream);
    PendingToken& p = queue_[(first_ + queued_) % kQueue];
    std::memcpy(p.bytes, text.data(), text.size());
    p.length = static_cast<uint32_t>(text.size());
    p.hash = hash;
    p.position = position;
    ++queued_;
    (stems ? words_ : terms_).Prefetch(hash);
  }

  void Drain(uint32_t doc, bool stems, TokenStream& stream) {
    while (resolved_ < queued_) Resolve(stems, stream);
    for (; queued_ > 0; --queued_, ++first_) {
      const PendingToken& p = queue_[first_ % kQueue];
      AddPosting(p.term, doc, p.position);
    }
    resolved_ = 0;
  }

  void AddPosting(uint32_t id, uint32_t doc, uint32_t position) {
    TermState& s = states_[id];
    if (s.last_doc == kNoDoc) {
      s.stream = pool_.NewStream();
      pool_.WriteVarint(s.stream, doc);
      pool_.WriteVarint(s.stream, position + 1);
      s.last_doc = doc;
      s.doc_freq = 1;
    } else if (s.last_doc != doc) {
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

  void EndDocument(uint32_t length, uint32_t span) {
    lengths_.push_back(length);
    spans_.push_back(span);
    sum_length_ += length;
    if (length > 0) ++docs_with_field_;
  }

  size_t memory_bytes() const {
    return terms_.memory_bytes() + words_.memory_bytes() + word_terms_.capacity() * 4 +
           states_.capacity() * sizeof(TermState) + lengths_.capacity() * 4 + spans_.capacity() * 4;
  }

  const std::vector<uint32_t>& lengths() const { return lengths_; }
  const std::vector<uint32_t>& spans() const { return spans_; }

  // Writes the field's terms in byte order; returns its statistics.
  FieldStats Write(uint32_t field_number, SegmentWriter& out) {
    FieldStats stats;
    stats.number = field_number;
    stats.options = IndexOptions::kPositions;
    stats.docs_with_field = docs_with_field_;
    stats.sum_length = sum_length_;
    stats.terms = terms_.size();
    std::vector<uint32_t> order(terms_.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return terms_.Get(a) < terms_.Get(b); });
    const double average = lengths_.empty() ? 1.0 : static_cast<double>(sum_length_) / lengths_.size();
    PostingsWriter writer = out.Postings(IndexOptions::kPositions, lengths_.data(), spans_.data(), average);
    TermDictionaryWriter& dict = out.dictionary();
    dict.StartField(field_number, IndexOptions::kPositions);
    std::vector<uint32_t> positions;
    for (uint32_t id : order) {
      const TermState& s = states_[id];
      writer.StartTerm();
      ByteSlicePool::Reader r(pool_, s.stream);
      uint32_t doc = r.ReadVarint();
      for (;;) {
        positions.clear();
        uint32_t position = r.ReadVarint() - 1;
        positions.push_back(position);
        while (!r.done()) {
          const uint32_t v = r.ReadVarint();
          if (v == 0) break;
          position += v;
          positions.push_back(position);
        }
        writer.AddDoc(doc, static_cast<uint32_t>(positions.size()), positions.data());
        stats.postings += 1;
        stats.positions += positions.size();
        if (r.done()) break;
        doc += r.ReadVarint();
      }
      dict.Add(terms_.Get(id), writer.FinishTerm());
    }
    dict.FinishField();
    return stats;
  }

 private:
  static constexpr uint32_t kNoDoc = 0xFFFFFFFFu;
  static constexpr uint32_t kQueue = 16;
  struct PendingToken {
    uint64_t hash;
    uint32_t term;  // once resolved
    uint32_t position;
    uint32_t length;
    char bytes[44];
  };

  // Looks up the oldest token whose term is not known yet.
  void Resolve(bool stems, TokenStream& stream) {
    PendingToken& p = queue_[(first_ + resolved_) % kQueue];
    const std::string_view text(p.bytes, p.length);
    p.term = stems ? Word(text, p.hash, stream) : Term(text, p.hash);
    __builtin_prefetch(&states_[p.term]);
    ++resolved_;
  }

  struct TermState {
    uint32_t last_doc;
    uint32_t last_position;
    uint32_t doc_freq;
    ByteSlicePool::Stream stream;
  };

  ByteSlicePool& pool_;
  StringTable terms_;
  StringTable words_;               // unstemmed words (with a stemmer only)
  std::vector<uint32_t> word_terms_;  // word number -> term number
  std::vector<TermState> states_;
  std::vector<uint32_t> lengths_;
  std::vector<uint32_t> spans_;  // last position + 1, per document
  // Queue(): queue_[first_ % kQueue] is the oldest of queued_ tokens, of
  // which the first resolved_ have their term.
  PendingToken queue_[kQueue];
  uint32_t first_ = 0;
  uint32_t queued_ = 0;
  uint32_t resolved_ = 0;
  uint64_t sum_length_ = 0;
  uint64_t docs_with_field_ = 0;
};

void ValidateDocument(const Document& doc, const Schema& schema) {
  // Field names are unique and not "id" (Document's invariants): a name
  // given twice, or "id", would be typed into the schema as a column twice,
  // and the commit would hold a schema no reader accepts.
  util::NameSet names;
  for (const Field& f : doc.fields) {
    if (f.name == "id") {
      throw InvalidArgumentError("document '" + doc.id + "': a field is named 'id' (the id is Document::id)");
    }
    if (!names.Insert(f.name)) throw InvalidArgumentError("document '" + doc.id + "': field '" + f.name + "' appears twice");
    // Stored as given and written back into JSON output as it is: it must
    // be JSON (and so UTF-8).
    if (const auto* raw = std::get_if<RawJson>(&f.value)) {
      thread_local simdjson::dom::parser parser;
      simdjson::dom::element ignored;
      if (parser.parse(raw->text).get(ignored)) {
        throw InvalidArgumentError("document '" + doc.id + "': field '" + f.name + "' is not valid JSON text");
      }
    }
  }
  for (const TextField& field : schema.text_fields) {
    // A token takes at least one byte, a value at most kPositionGap more.
    uint64_t bound = 0;
    for (const std::string& source : field.sources) {
      const FieldValue* value = doc.Find(source);
      if (value == nullptr) continue;
      if (const auto* text = std::get_if<std::string>(value)) bound += text->size() + kPositionGap;
      if (const auto* list = std::get_if<StringList>(value)) {
        for (const std::string& item : *list) bound += item.size() + kPositionGap;
      }
    }
    if (bound >= kMaxPositions) {
      throw InvalidArgumentError("document '" + doc.id + "': field '" + field.name +
                                 "' is too long to index (it could need more than 2^31 positions)");
    }
  }
}

MemorySegment::MemorySegment(const Schema& schema, store::Directory& dir, std::string name, uint64_t nonce)
    : schema_(schema), out_(std::make_unique<SegmentWriter>(dir, std::move(name), nonce)) {
  for (const TextField& f : schema_.text_fields) {
    fields_.push_back(std::make_unique<FieldInverter>(pool_));
    streams_.emplace_back(f.MakeAnalyzer());
  }
}

MemorySegment::~MemorySegment() = default;

uint32_t MemorySegment::Add(const Document& doc, const std::vector<ColumnValue>& columns, const Document* stored) {
  const uint32_t number = doc_count();
  for (size_t i = 0; i < schema_.text_fields.size(); ++i) {
    const TextField& field = schema_.text_fields[i];
    FieldInverter& inverter = *fields_[i];
    TokenStream& stream = streams_[i];
    uint32_t position = 0;
    uint32_t length = 0;
    uint32_t span = 0;
    const bool stems = stream.has_stemmer();
    const auto analyze = [&](std::string_view text) {
      stream.Reset(text, position);
      while (stems ? stream.NextUnstemmed() : stream.Next()) {
        const Token& t = stream.token();
        inverter.Queue(t.term, t.position, number, stems, stream);
        span = t.position + 1;
        ++length;
      }
      inverter.Drain(number, stems, stream);
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
    inverter.EndDocument(length, span);
  }
  out_->stored().Add(stored != nullptr ? *stored : doc);
  out_->columns().Add(number, columns);
  ids_ += doc.id;
  id_offsets_.push_back(ids_.size());
  approximate_memory_.store(memory_bytes(), std::memory_order_relaxed);
  return number;
}

size_t MemorySegment::memory_bytes() const {
  size_t total = pool_.memory_bytes() + ids_.capacity() + id_offsets_.capacity() * 8 + out_->stored().memory_bytes() +
                 out_->columns().memory_bytes();
  for (const auto& f : fields_) total += f->memory_bytes();
  return total;
}

MemorySegment::Flushed MemorySegment::Flush() {
  const uint32_t max_doc = doc_count();
  std::vector<FieldStats> stats;
  // The id field: each id and the doc(s) carrying it (an id appears twice when
  // an update replaced a document of this same segment).
  {
    std::vector<uint32_t> order(max_doc);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return Id(a) < Id(b); });
    const std::vector<uint32_t> no_lengths(max_doc, 0);
    PostingsWriter writer = out_->Postings(IndexOptions::kDocs, no_lengths.data(), nullptr, 1.0);
    TermDictionaryWriter& dict = out_->dictionary();
    dict.StartField(kIdField, IndexOptions::kDocs);
    FieldStats ids{kIdField, "id", IndexOptions::kDocs, max_doc, 0, 0, max_doc, 0};
    std::vector<uint32_t> docs;
    for (size_t i = 0; i < order.size();) {
      docs.clear();
      size_t j = i;
      while (j < order.size() && Id(order[j]) == Id(order[i])) docs.push_back(order[j++]);
      std::sort(docs.begin(), docs.end());
      dict.Add(Id(order[i]), writer.AddTerm(docs.data(), nullptr, nullptr, static_cast<uint32_t>(docs.size())));
      ++ids.terms;
      i = j;
    }
    dict.FinishField();
    stats.push_back(ids);
  }
  std::vector<uint32_t> field_numbers;
  std::vector<const std::vector<uint32_t>*> lengths, spans;
  for (size_t i = 0; i < fields_.size(); ++i) {
    FieldStats field = fields_[i]->Write(TextFieldNumber(i), *out_);
    field.name = schema_.text_fields[i].name;
    stats.push_back(std::move(field));
    field_numbers.push_back(TextFieldNumber(i));
    lengths.push_back(&fields_[i]->lengths());
    spans.push_back(&fields_[i]->spans());
  }
  std::vector<std::string_view> ids(max_doc);
  for (uint32_t d = 0; d < max_doc; ++d) ids[d] = Id(d);
  Flushed result;
  result.info = out_->Finish(max_doc, std::move(stats), field_numbers, lengths, spans, ids);
  return result;
}

void MemorySegment::Abandon() { out_->Abandon(); }

}  // namespace loupe::index
