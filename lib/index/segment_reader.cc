#include "index/segment_reader.h"

#include <algorithm>

#include "index/format.h"
#include "loupe/error.h"

namespace loupe::index {

std::shared_ptr<const SegmentReader> SegmentReader::Open(const store::Directory& dir, const SegmentEntry& entry,
                                                         const SegmentOpenOptions& options) {
  std::shared_ptr<SegmentReader> r(new SegmentReader());
  r->info_ = ReadSegmentInfo(dir, entry.name);
  const std::string where = dir.path() + "/" + SegmentFileName(entry.name, "info");
  if (r->info_.nonce != entry.nonce) throw CorruptionError(where + ": belongs to another segment than the commit names");
  if (r->info_.max_doc != entry.max_doc) {
    throw CorruptionError(where + ": has " + std::to_string(r->info_.max_doc) + " documents, the commit says " +
                          std::to_string(entry.max_doc));
  }
  const struct {
    const char* extension;
    store::FileKind kind;
  } kinds[] = {{"terms", kTermsKind}, {"post", kPostingsKind}, {"pos", kPositionsKind},
               {"lens", kLengthsKind}, {"ids", kIdsKind},      {"docs", kStoredKind},
               {"cols", kColumnsKind}};
  for (const auto& k : kinds) {
    // Segments written before format 4 have no columns file.
    if (std::string_view(k.extension) == "cols" &&
        std::none_of(r->info_.files.begin(), r->info_.files.end(),
                     [](const SegmentFile& f) { return f.extension == "cols"; })) {
      continue;
    }
    const std::string name = SegmentFileName(entry.name, k.extension);
    auto file = std::make_unique<store::CheckedFile>(dir.Open(name), k.kind, kFormatVersion, r->info_.nonce,
                                                     options.verify_checksums, kMinFormatVersion);
    // The info file lists each file's size and checksum: a file swapped for
    // another one of the same segment is caught here.
    bool listed = false;
    for (const SegmentFile& f : r->info_.files) {
      if (f.extension != k.extension) continue;
      listed = true;
      if (f.size != file->size() || f.checksum != file->stored_checksum()) {
        file->Corrupt("size or checksum differs from the segment info");
      }
    }
    if (!listed) file->Corrupt("not listed in the segment info");
    r->files_.push_back({k.extension, std::move(file)});
  }
  r->terms_ = std::make_unique<TermDictionaryReader>(r->File("terms"));
  r->lengths_ = std::make_unique<FieldLengthsReader>(r->File("lens"), r->info_.max_doc);
  r->ids_ = std::make_unique<DocIdsReader>(r->File("ids"), r->info_.max_doc);
  r->stored_ = std::make_unique<StoredFieldsReader>(r->File("docs"), r->info_.max_doc);
  r->columns_ = r->File("cols") ? std::make_unique<ColumnsReader>(r->File("cols"), r->info_.max_doc)
                                : std::make_unique<ColumnsReader>();
  if (entry.live_generation != 0) {
    r->live_file_ = LiveFileName(entry.name, entry.live_generation);
    const store::CheckedFile live(dir.Open(r->live_file_), kLiveKind, kFormatVersion, r->info_.nonce, true, kMinFormatVersion);
    r->live_ = LiveDocs::Read(live, r->info_.max_doc);
    r->live_file_bytes_ = live.data().size();
    if (r->live_->deleted() != entry.deleted) {
      live.Corrupt("has " + std::to_string(r->live_->deleted()) + " deletions, the commit says " +
                   std::to_string(entry.deleted));
    }
  } else if (entry.deleted != 0) {
    throw CorruptionError(where + ": the commit lists deletions but no deletions file");
  }
  return r;
}

const store::CheckedFile* SegmentReader::File(const char* extension) const {
  for (const OpenFile& f : files_) {
    if (f.extension == extension) return f.file.get();
  }
  return nullptr;
}

IndexOptions SegmentReader::FieldOptions(uint32_t field_number) const {
  const FieldStats* f = info_.Field(field_number);
  return f ? f->options : IndexOptions::kDocs;
}

void SegmentReader::OpenPostings(uint32_t field_number, const TermInfo& info, PostingsCursor* cursor) const {
  const IndexOptions options = FieldOptions(field_number);
  const bool positions = HasPositions(options);
  cursor->Reset(File("post"), positions ? File("pos") : nullptr, positions ? lengths_->Spans(field_number) : nullptr,
                options, info, max_doc());
}

std::optional<uint32_t> SegmentReader::FindLive(std::string_view id) const {
  TermInfo info;
  if (!terms_->Lookup(kIdField, id, &info)) return std::nullopt;
  PostingsCursor cursor;
  OpenPostings(kIdField, info, &cursor);
  for (uint32_t d = cursor.doc(); d != PostingsCursor::kNoMoreDocs; d = cursor.Next()) {
    if (IsLive(d)) return d;
  }
  return std::nullopt;
}

Document SegmentReader::GetDocument(uint32_t doc) const {
  Document d = stored_->Get(doc);
  d.id = std::string(Id(doc));
  return d;
}

}  // namespace loupe::index
