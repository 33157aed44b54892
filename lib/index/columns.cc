#include "index/columns.h"

#include <algorithm>
#include <numeric>

#include "codec/varint.h"
#include "loupe/error.h"
#include "util/date.h"

namespace loupe::index {

namespace {

constexpr uint8_t kKeywordCode = 0, kDateCode = 1, kIntegerCode = 2;

void AppendU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

void AppendPackedArray(std::string& out, const std::vector<uint64_t>& values) {
  const uint64_t max = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  const uint32_t width = codec::BitsRequired(max);
  out.push_back(static_cast<char>(width));
  if (width <= codec::kMaxPackedWidth) {
    codec::AppendPacked(out, values.data(), values.size(), width);
  } else {
    out.back() = 64;
    for (uint64_t v : values) AppendU64(out, v);
  }
}

constexpr size_t kMaxKeywordBytes = 32768;

ScalarType InferType(const FieldValue& value) {
  if (std::holds_alternative<int64_t>(value)) return ScalarType::kInteger;
  if (std::holds_alternative<StringList>(value)) return ScalarType::kKeyword;
  if (const auto* s = std::get_if<std::string>(&value)) {
    const std::optional<util::DatePeriod> date = util::ParseIsoDate(*s);
    if (date && date->precision >= util::DatePrecision::kDay) return ScalarType::kDate;
  }
  return ScalarType::kStored;
}

}  // namespace

bool InferableFieldName(const std::string& name) {
  // As a declared name must be (Schema): the query language names it.
  return !name.empty() && name.size() <= 256 && name.find_first_of(" \t\n:\"\\") == std::string::npos &&
         std::none_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

namespace {

std::string Quoted(const std::string& s) { return "'" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "'"; }

}  // namespace

void ResolveColumns(const Document& doc, Schema& schema, std::vector<ColumnValue>* out, bool* unstored,
                    std::vector<std::string>* malformed, std::vector<std::string>* unnamable) {
  out->clear();
  *unstored = false;
  std::vector<ScalarField> inferred;
  for (const Field& field : doc.fields) {
    const ScalarField* declared = schema.FindScalar(field.name);
    ScalarField type;
    if (declared != nullptr) {
      type = *declared;
    } else if (schema.Find(field.name) != nullptr || schema.IsTextSource(field.name) || !schema.infer_scalar_fields) {
      continue;
    } else if (!InferableFieldName(field.name)) {
      if (unnamable != nullptr) unnamable->push_back(field.name);
      continue;
    } else if (schema.scalar_fields.size() + inferred.size() >= 10000) {
      continue;
    } else {
      type = {field.name, InferType(field.value), true};
      inferred.push_back(type);
    }
    if (!type.stored) *unstored = true;
    if (type.type == ScalarType::kStored) continue;
    const std::string where = "field '" + field.name + "' (" + ScalarTypeName(type.type) + "): ";
    // A value that does not fit: an error, or left out when `malformed` collects them.
    const auto fail = [&](const std::string& what) {
      if (malformed == nullptr) throw InvalidArgumentError(what);
      malformed->push_back(what);
      return false;
    };
    const auto convert = [&](ColumnValue& v) -> bool {
      switch (type.type) {
        case ScalarType::kKeyword:
          if (const auto* s = std::get_if<std::string>(&field.value)) {
            v.keywords.push_back(*s);
          } else if (const auto* list = std::get_if<StringList>(&field.value)) {
            for (const std::string& item : *list) v.keywords.push_back(item);
          } else {
            return fail(where + "expected a string or an array of strings");
          }
          for (std::string_view k : v.keywords) {
            if (k.size() > kMaxKeywordBytes) return fail(where + "a value longer than 32 KiB");
          }
          break;
        case ScalarType::kDate: {
          const auto* s = std::get_if<std::string>(&field.value);
          const std::optional<util::DatePeriod> date = s ? util::ParseIsoDate(*s) : std::nullopt;
          if (!date) {
            return fail(where + (s ? Quoted(*s) + " is not an ISO 8601 date in years 0000-9999 UTC (e.g. 2023-06-30T12:00:00Z)"
                                                  : std::string("expected an ISO 8601 date string")));
          }
          // A year or a month is a period, not a date: a query may name one,
          // a value needs at least a day (as inference does).
          if (date->precision < util::DatePrecision::kDay) {
            return fail(where + Quoted(*s) + " is a year or a month: a date value needs at least a day (YYYY-MM-DD)");
          }
          v.number = date->first_ms;
          break;
        }
        case ScalarType::kInteger: {
          const auto* i = std::get_if<int64_t>(&field.value);
          if (i == nullptr) return fail(where + "expected an integer (64-bit)");
          // -2^63 is the open lower end of a range (n:[* TO 0]).
          if (*i == INT64_MIN) return fail(where + "integers start at -2^63 + 1 (-2^63 marks an open range end)");
          v.number = *i;
          break;
        }
        case ScalarType::kStored:
          break;
      }
      return true;
    };
    ColumnValue v;
    v.name = field.name;
    v.type = type.type;
    if (convert(v)) out->push_back(std::move(v));
  }
  for (ScalarField& f : inferred) schema.scalar_fields.push_back(std::move(f));
}

ColumnsBuilder::Column& ColumnsBuilder::Get(std::string_view name, ScalarType type) {
  auto it = columns_.find(name);
  if (it == columns_.end()) {
    it = columns_.emplace(std::string(name), Column{}).first;
    it->second.type = type;
    memory_ += name.size() + 128;
  } else if (it->second.type != type) {
    throw InvalidArgumentError("field '" + std::string(name) + "' holds " + ScalarTypeName(it->second.type) +
                               " values here, not " + ScalarTypeName(type) + " values");
  }
  return it->second;
}

void ColumnsBuilder::AddNumber(std::string_view name, ScalarType type, uint32_t doc, int64_t value) {
  Column& c = Get(name, type);
  if (c.numbers.size() <= doc) {
    memory_ += (doc + 1 - c.numbers.size()) * 9;
    c.numbers.resize(doc + 1, 0);
    c.present.resize(doc + 1, false);
  }
  c.numbers[doc] = value;
  c.present[doc] = true;
}

void ColumnsBuilder::AddKeyword(std::string_view name, uint32_t doc, std::string_view value) {
  Column& c = Get(name, ScalarType::kKeyword);
  if (c.doc_ends.size() <= doc) {
    memory_ += (doc + 1 - c.doc_ends.size()) * 4;
    c.doc_ends.resize(doc + 1, static_cast<uint32_t>(c.doc_ids.size()));
  }
  auto [it, added] = c.ids.try_emplace(std::string(value), static_cast<uint32_t>(c.values.size()));
  if (added) {
    c.values.push_back(&it->first);
    memory_ += value.size() + 64;
  }
  c.doc_ids.push_back(it->second);
  c.doc_ends[doc] = static_cast<uint32_t>(c.doc_ids.size());
  memory_ += 4;
}

void ColumnsBuilder::Add(uint32_t doc, const std::vector<ColumnValue>& values) {
  for (const ColumnValue& v : values) {
    if (v.type == ScalarType::kKeyword) {
      for (std::string_view k : v.keywords) AddKeyword(v.name, doc, k);
    } else {
      AddNumber(v.name, v.type, doc, v.number);
    }
  }
}

void ColumnsBuilder::Write(store::CheckedWriter* out, uint32_t max_doc) const {
  std::string body;
  codec::AppendVarint32(body, static_cast<uint32_t>(columns_.size()));
  for (const auto& column : columns_) {
    const std::string& name = column.first;
    const Column& c = column.second;  // (a named reference: lambdas below capture it)
    codec::AppendVarint32(body, static_cast<uint32_t>(name.size()));
    body += name;
    if (c.type == ScalarType::kKeyword) {
      body.push_back(static_cast<char>(kKeywordCode));
      // Distinct values sorted; ids renumbered to their ordinals.
      std::vector<uint32_t> order(c.values.size());
      std::iota(order.begin(), order.end(), 0u);
      std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return *c.values[a] < *c.values[b]; });
      std::vector<uint32_t> ord_of(order.size());
      for (uint32_t i = 0; i < order.size(); ++i) ord_of[order[i]] = i;
      codec::AppendVarint32(body, static_cast<uint32_t>(order.size()));
      std::vector<uint64_t> value_offsets{0};
      std::string blob;
      for (uint32_t id : order) {
        blob += *c.values[id];
        value_offsets.push_back(blob.size());
      }
      AppendPackedArray(body, value_offsets);
      body += blob;
      std::vector<uint64_t> doc_offsets{0}, ords;
      std::vector<uint32_t> run;
      uint32_t begin = 0;
      for (uint32_t d = 0; d < max_doc; ++d) {
        const uint32_t end = d < c.doc_ends.size() ? c.doc_ends[d] : static_cast<uint32_t>(c.doc_ids.size());
        run.clear();
        for (uint32_t i = begin; i < end; ++i) run.push_back(ord_of[c.doc_ids[i]]);
        std::sort(run.begin(), run.end());
        run.erase(std::unique(run.begin(), run.end()), run.end());
        ords.insert(ords.end(), run.begin(), run.end());
        doc_offsets.push_back(ords.size());
        begin = end;
      }
      AppendPackedArray(body, doc_offsets);
      AppendPackedArray(body, ords);
      continue;
    }
    body.push_back(static_cast<char>(c.type == ScalarType::kDate ? kDateCode : kIntegerCode));
    uint32_t with_value = 0;
    int64_t min = 0, max = 0;
    for (uint32_t d = 0; d < c.numbers.size() && d < max_doc; ++d) {
      if (!c.present[d]) continue;
      min = with_value == 0 ? c.numbers[d] : std::min(min, c.numbers[d]);
      max = with_value == 0 ? c.numbers[d] : std::max(max, c.numbers[d]);
      ++with_value;
    }
    uint64_t gcd = 0;
    for (uint32_t d = 0; d < c.numbers.size() && d < max_doc && gcd != 1; ++d) {
      if (c.present[d]) gcd = std::gcd(gcd, static_cast<uint64_t>(c.numbers[d]) - static_cast<uint64_t>(min));
    }
    if (gcd == 0) gcd = 1;
    std::vector<uint64_t> codes(max_doc, 0);
    for (uint32_t d = 0; d < c.numbers.size() && d < max_doc; ++d) {
      if (c.present[d]) codes[d] = (static_cast<uint64_t>(c.numbers[d]) - static_cast<uint64_t>(min)) / gcd + 1;
    }
    codec::AppendVarint32(body, with_value);
    AppendU64(body, static_cast<uint64_t>(min));
    AppendU64(body, static_cast<uint64_t>(max));
    AppendU64(body, gcd);
    AppendPackedArray(body, codes);
  }
  out->Write(body);
}

ColumnsReader::ColumnsReader(const store::CheckedFile* file, uint32_t max_doc) {
  const std::string_view body = file->body();
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  const auto* end = p + body.size();
  const auto fail = [&](const std::string& what) { file->Corrupt("malformed columns: " + what); };
  const auto u64 = [&]() {
    if (end - p < 8) fail("truncated");
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    p += 8;
    return v;
  };
  const auto array = [&](uint64_t n, uint32_t max_width, CodeArray* codes, codec::PackedReader* packed) {
    if (p >= end) fail("truncated");
    const uint32_t width = *p++;
    if (width > max_width || (width > codec::kMaxPackedWidth && width != 64) || (packed && width == 64)) {
      fail("bad width");
    }
    const size_t bytes = CodeArray::Bytes(n, width);
    if (bytes > static_cast<size_t>(end - p)) fail("truncated");
    if (codes) *codes = CodeArray(p, width);
    if (packed) *packed = codec::PackedReader(p, width);
    p += bytes;
  };
  uint32_t count;
  if (!codec::GetVarint32(p, end, &count) || count > 10000) fail("bad column count");
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t name_length;
    if (!codec::GetVarint32(p, end, &name_length) || name_length > static_cast<size_t>(end - p)) fail("bad name");
    std::string name(reinterpret_cast<const char*>(p), name_length);
    p += name_length;
    if (p >= end) fail("truncated");
    const uint8_t type = *p++;
    if (numeric_.count(name) || keyword_.count(name)) fail("column '" + name + "' twice");
    if (type == kKeywordCode) {
      KeywordColumn c;
      c.max_doc_ = max_doc;
      if (!codec::GetVarint32(p, end, &c.value_count_)) fail("bad value count");
      array(uint64_t{c.value_count_} + 1, 32, nullptr, &c.value_offsets_);
      const uint64_t blob = c.value_offsets_.Get(c.value_count_);
      if (blob > static_cast<size_t>(end - p)) fail("truncated values");
      for (uint32_t v = 0; v < c.value_count_; ++v) {
        if (c.value_offsets_.Get(v) > c.value_offsets_.Get(v + 1)) fail("value offsets decrease");
      }
      c.values_ = reinterpret_cast<const char*>(p);
      p += blob;
      array(uint64_t{max_doc} + 1, 32, nullptr, &c.doc_offsets_);
      uint64_t previous = 0;
      for (uint32_t d = 0; d <= max_doc; ++d) {
        const uint64_t o = c.doc_offsets_.Get(d);
        if (o < previous || (d == 0 && o != 0)) fail("document offsets decrease");
        previous = o;
      }
      array(previous, 32, nullptr, &c.ords_);
      for (uint64_t k = 0; k < previous; ++k) {
        if (c.ords_.Get(k) >= c.value_count_) fail("ordinal out of range");
      }
      keyword_.emplace(std::move(name), c);
    } else if (type == kDateCode || type == kIntegerCode) {
      NumericColumn c;
      c.type_ = type == kDateCode ? ScalarType::kDate : ScalarType::kInteger;
      if (!codec::GetVarint32(p, end, &c.docs_with_value_) || c.docs_with_value_ > max_doc) fail("bad value count");
      c.min_ = static_cast<int64_t>(u64());
      c.max_ = static_cast<int64_t>(u64());
      c.gcd_ = u64();
      if (c.gcd_ == 0 || c.max_ < c.min_) fail("bad range");
      array(max_doc, 64, &c.codes_, nullptr);
      numeric_.emplace(std::move(name), c);
    } else {
      fail("unknown column type " + std::to_string(type));
    }
  }
  if (p != end) fail("trailing bytes");
}

const NumericColumn* ColumnsReader::Numeric(std::string_view name) const {
  const auto it = numeric_.find(name);
  return it == numeric_.end() ? nullptr : &it->second;
}

const KeywordColumn* ColumnsReader::Keyword(std::string_view name) const {
  const auto it = keyword_.find(name);
  return it == keyword_.end() ? nullptr : &it->second;
}

std::vector<ColumnsReader::Entry> ColumnsReader::List() const {
  std::vector<Entry> out;
  for (const auto& [name, c] : numeric_) out.push_back({name, c.type()});
  for (const auto& [name, c] : keyword_) out.push_back({name, ScalarType::kKeyword});
  return out;
}

bool NumericColumn::CodeRange(int64_t lower, int64_t upper, uint64_t* first, uint64_t* last) const {
  lower = std::max(lower, min_);
  upper = std::min(upper, max_);
  if (docs_with_value_ == 0 || lower > upper) return false;
  const uint64_t from = static_cast<uint64_t>(lower) - static_cast<uint64_t>(min_);
  const uint64_t to = static_cast<uint64_t>(upper) - static_cast<uint64_t>(min_);
  *first = from / gcd_ + (from % gcd_ != 0) + 1;  // the first code whose value is >= lower
  *last = to / gcd_ + 1;                  // the last whose value is <= upper
  return *first <= *last;
}

std::pair<const uint32_t*, const uint32_t*> KeywordColumn::Docs(uint32_t ord) const {
  Inverted& inv = *inverted_;
  std::call_once(inv.once, [&] {
    // Counting sort of (ordinal, doc) pairs by ordinal; docs stay in order.
    inv.starts.assign(uint64_t{value_count_} + 1, 0);
    const uint64_t total = Begin(max_doc_);
    for (uint64_t k = 0; k < total; ++k) ++inv.starts[Ord(k) + 1];
    for (uint32_t v = 0; v < value_count_; ++v) inv.starts[v + 1] += inv.starts[v];
    inv.docs.resize(total);
    std::vector<uint64_t> next(inv.starts.begin(), inv.starts.end() - 1);
    for (uint32_t d = 0; d < max_doc_; ++d) {
      for (uint64_t k = Begin(d), end = Begin(d + 1); k < end; ++k) inv.docs[next[Ord(k)]++] = d;
    }
  });
  return {inv.docs.data() + inv.starts[ord], inv.docs.data() + inv.starts[ord + 1]};
}

std::optional<uint32_t> KeywordColumn::Find(std::string_view value) const {
  uint32_t lo = 0, hi = value_count_;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (Value(mid) < value) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < value_count_ && Value(lo) == value) return lo;
  return std::nullopt;
}

}  // namespace loupe::index
