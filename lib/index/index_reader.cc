#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "index/format.h"
#include "index/reader_impl.h"
#include "loupe/error.h"
#include "loupe/version.h"

namespace loupe {
namespace index {

bool IsSegmentFileName(const std::string& name) {
  // "seg_", the number (at least 6 digits), then ".<extension>" or "_<generation>.live".
  if (!name.starts_with("seg_")) return false;
  const size_t digits_end = std::min(name.find_first_not_of("0123456789", 4), name.size());
  if (digits_end < 4 + 6) return false;
  const std::string_view rest = std::string_view(name).substr(digits_end);
  for (const char* ext : kSegmentExtensions) {
    if (rest.size() == 1 + std::strlen(ext) && rest[0] == '.' && rest.substr(1) == ext) return true;
  }
  constexpr std::string_view kLive = ".live";
  if (rest.size() < 2 + kLive.size() || rest[0] != '_' || !rest.ends_with(kLive)) return false;
  const std::string_view generation = rest.substr(1, rest.size() - 1 - kLive.size());
  return generation.find_first_not_of("0123456789") == std::string_view::npos;
}

bool IsLoupeFileName(const std::string& name) {
  if (name == kLockFileName || IsSegmentFileName(name)) return true;
  // A manifest, or one a writer had not yet renamed into place.
  const bool temporary = name.ends_with(".tmp");
  return ParseManifestFileName(temporary ? name.substr(0, name.size() - 4) : name).has_value();
}

// Listing a directory while a writer renames a new manifest into place and
// removes the old one may show neither (readdir gives no snapshot). So a
// directory that holds segment files but no manifest is listed again.
std::optional<uint64_t> SettledLatestGeneration(const store::Directory& dir) {
  for (int attempt = 0;; ++attempt) {
    if (std::optional<uint64_t> latest = LatestGeneration(dir)) return latest;
    const std::vector<std::string> names = dir.List();
    const bool has_segments = std::any_of(names.begin(), names.end(), IsSegmentFileName);
    if (!has_segments || attempt >= 50) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

namespace {

// Opens the segment of `entry`, or shares the reader `previous` already has
// open for it: names are never reused within an index, and the nonce and
// document count make sure it is the same segment.
std::shared_ptr<const SegmentReader> OpenOrShareSegment(const store::Directory& dir, const SegmentEntry& entry,
                                                        const SegmentOpenOptions& options,
                                                        const IndexReader::Impl* previous) {
  const size_t count = previous ? previous->manifest.segments.size() : 0;
  for (size_t i = 0; i < count; ++i) {
    const SegmentEntry& old = previous->manifest.segments[i];
    if (old.name != entry.name || old.nonce != entry.nonce || old.max_doc != entry.max_doc) continue;
    if (old.live_generation == entry.live_generation) return previous->segments[i];
    // Only the deletions changed. Segment files never change once written and
    // these were checked when first opened, so they are mapped again without
    // hashing; the new deletions file is always verified.
    SegmentOpenOptions deletions_only = options;
    deletions_only.verify_checksums = false;
    return SegmentReader::Open(dir, entry, deletions_only);
  }
  return SegmentReader::Open(dir, entry, options);
}

}  // namespace

std::unique_ptr<IndexReader::Impl> OpenLatestCommit(const std::string& path, const SegmentOpenOptions& options,
                                                    const IndexReader::Impl* previous) {
  auto impl = std::make_unique<IndexReader::Impl>();
  impl->path = path;
  impl->options = options;
  impl->dir = store::OpenFileSystemDirectory(path, false);
  // A writer may publish a new commit and remove the old one's files while we
  // open them; then the newer commit is the one to open.
  for (int attempt = 0;; ++attempt) {
    const std::optional<uint64_t> latest = SettledLatestGeneration(*impl->dir);
    if (!latest) throw NotFoundError(path + ": no Loupe index here (no commit manifest)");
    try {
      impl->manifest = ReadManifest(*impl->dir, *latest);
      impl->segments.clear();
      for (const SegmentEntry& e : impl->manifest.segments) {
        impl->segments.push_back(OpenOrShareSegment(*impl->dir, e, options, previous));
      }
      return impl;
    } catch (const NotFoundError&) {
      const std::optional<uint64_t> now = SettledLatestGeneration(*impl->dir);
      if (attempt >= 20 || !now || *now == *latest) throw;
    }
  }
}

namespace {

const char* KindOfExtension(const std::string& ext) {
  if (ext == "terms") return "terms";
  if (ext == "post") return "postings";
  if (ext == "pos") return "positions";
  if (ext == "lens") return "lengths";
  if (ext == "ids") return "ids";
  if (ext == "docs") return "stored";
  if (ext == "info") return "info";
  if (ext == "cols") return "columns";
  return "other";
}

void AddField(std::vector<FieldSummary>& fields, const FieldStats& s) {
  for (FieldSummary& f : fields) {
    if (f.name == s.name) {
      f.documents += s.docs_with_field;
      f.terms += s.terms;
      f.postings += s.postings;
      f.positions += s.positions;
      f.total_length += s.sum_length;
      return;
    }
  }
  fields.push_back({s.name, s.docs_with_field, s.terms, s.postings, s.positions, s.sum_length});
}

}  // namespace
}  // namespace index

// The format constants live in the index layer (index/format.h), which is why
// these are defined here rather than in util/version.cc.
uint32_t FormatVersion() noexcept { return index::kFormatVersion; }
FormatVersionRange SupportedFormatVersions() noexcept { return {index::kMinFormatVersion, index::kFormatVersion}; }

IndexReader::IndexReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexReader::~IndexReader() = default;

std::shared_ptr<const IndexReader> IndexReader::Open(const std::string& path, const IndexReaderOptions& options) {
  return std::shared_ptr<const IndexReader>(
      new IndexReader(index::OpenLatestCommit(path, {.verify_checksums = options.verify_checksums})));
}

std::shared_ptr<const IndexReader> IndexReader::Reopen() const {
  const std::optional<uint64_t> latest = index::SettledLatestGeneration(*impl_->dir);
  if (!latest) throw NotFoundError(impl_->path + ": no Loupe index here any more (no commit manifest)");
  if (*latest == impl_->manifest.generation) return shared_from_this();
  return std::shared_ptr<const IndexReader>(
      new IndexReader(index::OpenLatestCommit(impl_->path, impl_->options, impl_.get())));
}

const Schema& IndexReader::schema() const { return impl_->manifest.schema; }
uint64_t IndexReader::generation() const { return impl_->manifest.generation; }

uint64_t IndexReader::document_count() const {
  uint64_t n = 0;
  for (const auto& s : impl_->segments) n += s->live_count();
  return n;
}

uint64_t IndexReader::deleted_count() const {
  uint64_t n = 0;
  for (const auto& s : impl_->segments) n += s->deleted();
  return n;
}

std::optional<Document> IndexReader::Find(std::string_view id) const {
  for (const auto& s : impl_->segments) {
    if (auto doc = s->FindLive(id)) return s->GetDocument(*doc);
  }
  return std::nullopt;
}

IndexSummary IndexReader::Summary() const {
  IndexSummary out;
  const Impl& m = *impl_;
  out.path = m.path;
  out.generation = m.manifest.generation;
  out.index_id = m.manifest.index_id;
  out.written_by = m.manifest.written_by;
  out.schema = m.manifest.schema;
  out.unicode_version = m.manifest.unicode_version;
  // Sizes as the files were read: a writer may have removed them since.
  out.bytes["manifest"] = m.manifest.file_bytes;
  for (const auto& s : m.segments) {
    SegmentSummary seg;
    seg.name = s->name();
    seg.documents = s->max_doc();
    seg.deleted = s->deleted();
    seg.stored_raw_bytes = s->info().stored_raw_bytes;
    for (const index::SegmentFile& f : s->info().files) seg.bytes[index::KindOfExtension(f.extension)] += f.size;
    seg.bytes["info"] += s->info().file_bytes;
    if (!s->live_file().empty()) seg.bytes["deletions"] = s->live_file_bytes();
    for (const index::FieldStats& f : s->info().fields) {
      if (f.number == index::kIdField) continue;
      index::AddField(seg.fields, f);
      index::AddField(out.fields, f);
    }
    for (const auto& [kind, bytes] : seg.bytes) out.bytes[kind] += bytes;
    out.documents += s->live_count();
    out.deleted += s->deleted();
    out.segments.push_back(std::move(seg));
  }
  return out;
}

namespace {

// Deep structural checks of one segment (its checksums were verified on open).
void VerifySegment(const index::SegmentReader& seg, VerifyReport& report) {
  using index::PostingsCursor;
  const uint32_t max_doc = seg.max_doc();
  const auto fail = [&](const std::string& what) { throw CorruptionError(seg.name() + ": " + what); };
  for (const index::FieldStats& stats : seg.info().fields) {
    const auto* field = seg.terms().Field(stats.number);
    if (field == nullptr) fail("field " + stats.name + " has no terms section");
    if (field->options != stats.options) fail("field " + stats.name + ": index options differ from the segment info");
    std::vector<uint32_t> per_doc(max_doc, 0);
    std::vector<uint32_t> last_position(max_doc, 0);  // + 1
    uint64_t terms = 0, postings = 0, positions = 0;
    std::string previous;
    PostingsCursor cursor;
    for (auto it = seg.terms().Terms(stats.number); it.valid(); it.Next()) {
      if (terms > 0 && it.term() <= previous) fail("field " + stats.name + ": terms out of order at '" + std::string(it.term()) + "'");
      previous.assign(it.term());
      ++terms;
      seg.OpenPostings(stats.number, it.info(), &cursor);
      uint32_t count = 0;
      int64_t last = -1;
      for (uint32_t d = cursor.doc(); d != PostingsCursor::kNoMoreDocs; d = cursor.Next()) {
        if (static_cast<int64_t>(d) <= last || d >= max_doc) fail("term '" + previous + "': doc ids not increasing");
        last = d;
        ++count;
        const uint32_t freq = cursor.freq();
        if (freq == 0) fail("term '" + previous + "': zero frequency");
        if (index::HasPositions(stats.options)) {
          const uint32_t* p = cursor.Positions();
          for (uint32_t j = 1; j < freq; ++j) {
            if (p[j] <= p[j - 1]) fail("term '" + previous + "': positions not increasing in doc " + std::to_string(d));
          }
          last_position[d] = std::max(last_position[d], p[freq - 1] + 1);
          positions += freq;
        }
        per_doc[d] += stats.number == index::kIdField ? 1 : freq;
      }
      if (count != it.info().doc_freq) {
        fail("term '" + previous + "': " + std::to_string(count) + " postings, the dictionary says " +
             std::to_string(it.info().doc_freq));
      }
      postings += count;
    }
    if (terms != stats.terms || postings != stats.postings || positions != stats.positions) {
      fail("field " + stats.name + ": term, posting or position counts differ from the segment info");
    }
    if (stats.number == index::kIdField) {
      for (uint32_t d = 0; d < max_doc; ++d) {
        if (per_doc[d] != 1) fail("doc " + std::to_string(d) + " appears " + std::to_string(per_doc[d]) + " times in the id field");
        index::TermInfo info;
        if (!seg.terms().Lookup(index::kIdField, seg.Id(d), &info)) fail("id of doc " + std::to_string(d) + " is not in the dictionary");
      }
    } else {
      const codec::PackedReader* lengths = seg.Lengths(stats.number);
      if (lengths == nullptr) fail("field " + stats.name + " has no lengths");
      uint64_t sum = 0;
      for (uint32_t d = 0; d < max_doc; ++d) {
        const uint64_t length = lengths->Get(d);
        sum += length;
        if (length != per_doc[d]) {
          fail("field " + stats.name + ", doc " + std::to_string(d) + ": length " + std::to_string(length) +
               " but " + std::to_string(per_doc[d]) + " term occurrences");
        }
      }
      if (sum != stats.sum_length) fail("field " + stats.name + ": total length differs from the segment info");
      const uint32_t* spans = seg.Spans(stats.number);
      if (spans == nullptr) fail("field " + stats.name + " has no position spans");
      for (uint32_t d = 0; d < max_doc; ++d) {
        if (spans[d] != last_position[d]) {
          fail("field " + stats.name + ", doc " + std::to_string(d) + ": position span " +
               std::to_string(spans[d]) + " but the last position is " + std::to_string(last_position[d]));
        }
      }
    }
  }
  seg.stored().CheckAll();
  report.documents += seg.live_count();
}

}  // namespace

namespace {

// The manifest's schema says how to read what the segments hold: a text
// field or a column the schema names differently would be searched as
// something it is not (the manifest's checksum cannot catch an edit).
void VerifyAgainstSchema(const index::SegmentReader& seg, const Schema& schema, VerifyReport& report) {
  for (size_t i = 0; i < schema.text_fields.size(); ++i) {
    const index::FieldStats* stats = seg.info().Field(index::TextFieldNumber(i));
    if (stats != nullptr && stats->name != schema.text_fields[i].name) {
      report.errors.push_back(seg.name() + ": text field " + std::to_string(index::TextFieldNumber(i)) + " is '" +
                              stats->name + "' but the schema names '" + schema.text_fields[i].name + "'");
    }
  }
  for (const auto& column : seg.columns().List()) {
    const ScalarField* field = schema.FindScalar(column.name);
    if (field == nullptr) {
      report.errors.push_back(seg.name() + ": column '" + column.name + "' is not in the schema");
    } else if (field->type != column.type) {
      report.errors.push_back(seg.name() + ": column '" + column.name + "' holds " + ScalarTypeName(column.type) +
                              " values but the schema says " + ScalarTypeName(field->type));
    }
  }
}

}  // namespace

namespace {

// Checks the commit of generation `latest` and the directory around it.
VerifyReport VerifyCommit(const store::Directory* dir, const std::optional<uint64_t> latest) {
  VerifyReport report;
  index::Manifest manifest;
  try {
    manifest = index::ReadManifest(*dir, *latest);
  } catch (const Error& e) {
    report.errors.push_back(e.what());
    return report;
  }
  ++report.files_checked;
  report.bytes_checked += manifest.file_bytes;
  std::set<std::string> referenced = {index::ManifestFileName(*latest), index::kLockFileName};
  std::set<std::string> names;
  for (const index::SegmentEntry& e : manifest.segments) {
    ++report.segments;
    if (!names.insert(e.name).second) report.errors.push_back("segment " + e.name + " is listed twice");
    for (const char* ext : index::kSegmentExtensions) referenced.insert(index::SegmentFileName(e.name, ext));
    if (e.live_generation) referenced.insert(index::LiveFileName(e.name, e.live_generation));
    try {
      const auto seg = index::SegmentReader::Open(*dir, e, {.verify_checksums = true});
      for (const auto& f : seg->files()) {
        ++report.files_checked;
        report.bytes_checked += f.file->size();
      }
      report.files_checked += 1 + (e.live_generation ? 1 : 0);
      VerifySegment(*seg, report);
      VerifyAgainstSchema(*seg, manifest.schema, report);
    } catch (const Error& err) {
      report.errors.push_back(err.what());
    }
  }
  const bool locked = dir->Exists(index::kLockFileName) && dir->IsLocked(index::kLockFileName);
  const std::vector<std::string> listed = dir->List();
  for (const std::string& name : listed) {
    if (referenced.contains(name) || !index::IsLoupeFileName(name)) continue;
    if (!dir->IsRegularFile(name)) {
      report.notes.push_back(name + " is not a regular file (a link, FIFO or directory) at a name of the index's "
                             "files: the next writer removes it, unless it is a directory with contents");
      continue;
    }
    report.notes.push_back("unreferenced file " + name +
                           (locked ? " (being written by the writer that holds the lock, or left by an interrupted one)"
                                   : " (left by an interrupted writer; the next writer removes it)"));
  }
  // Listed, not stat()ed: a link to nothing is there too.
  const bool lock_file = std::find(listed.begin(), listed.end(), index::kLockFileName) != listed.end();
  if (lock_file && !dir->IsRegularFile(index::kLockFileName)) {
    report.notes.push_back(std::string(index::kLockFileName) +
                           " is not a regular file (a link, FIFO or directory): no writer can open the index until "
                           "it is removed");
  } else if (locked) {
    report.notes.push_back("a writer holds the lock now; files it is writing are not checked");
  } else if (lock_file && dir->FileSize(index::kLockFileName) > 0) {
    report.notes.push_back("stale lock file " + std::string(index::kLockFileName) + " left by a writer that did not exit cleanly (no process holds it; harmless)");
  }
  return report;
}

}  // namespace

VerifyReport VerifyIndex(const std::string& path) {
  auto dir = store::OpenFileSystemDirectory(path, false);
  std::optional<uint64_t> latest = index::SettledLatestGeneration(*dir);
  if (!latest) {
    // No commit, so no index. Segment files without one are what a writer
    // leaves when it stops before its first commit (or what is left of an
    // index whose manifests were deleted: the two cannot be told apart).
    const std::vector<std::string> names = dir->List();
    const bool leftovers = std::any_of(names.begin(), names.end(), index::IsSegmentFileName);
    throw NotFoundError(path + ": no Loupe index here (no commit manifest" +
                        (leftovers ? std::string("; segment files of a writer that never committed, or of an index "
                                                 "whose commit manifests were deleted)")
                                   : std::string(")")));
  }
  // A writer may publish a newer commit and remove this one's files while
  // they are checked: what went missing then was not damage. So a check
  // during which the newest commit changed is done again on the newer one.
  for (int attempt = 0;; ++attempt) {
    VerifyReport report;
    try {
      report = VerifyCommit(dir.get(), *latest);
    } catch (const Error&) {  // e.g. a file listed, then removed before its size was read
      const std::optional<uint64_t> now = index::SettledLatestGeneration(*dir);
      if (!now || *now == *latest || attempt >= 20) throw;
      latest = now;
      continue;
    }
    const std::optional<uint64_t> now = index::SettledLatestGeneration(*dir);
    if (!now || *now == *latest) return report;
    if (attempt >= 20) {
      report.notes.push_back("writers kept committing during the check: commit " + std::to_string(*latest) +
                             " was checked, the newest is now " + std::to_string(*now));
      return report;
    }
    latest = now;
  }
}

}  // namespace loupe
