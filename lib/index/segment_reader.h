// One committed segment, opened for reading: its files are memory-mapped and
// their envelopes checked; by default every file's checksum is verified on
// open, so a search never runs over silently damaged bytes.
//
// Immutable once opened and safe to share between threads (cursors are not).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/columns.h"
#include "index/doc_ids.h"
#include "index/field_lengths.h"
#include "index/live_docs.h"
#include "index/manifest.h"
#include "index/postings_format.h"
#include "index/stored_fields.h"
#include "index/term_dictionary.h"
#include "loupe/document.h"
#include "store/checked_file.h"
#include "store/directory.h"

namespace loupe::index {

struct SegmentOpenOptions {
  // Hash every file when opening (XXH3 runs at memory speed; a segment of
  // 100 MB takes about 10 ms). Without it only the envelopes are checked.
  bool verify_checksums = true;
};

class SegmentReader {
 public:
  static std::shared_ptr<const SegmentReader> Open(const store::Directory& dir, const SegmentEntry& entry,
                                                   const SegmentOpenOptions& options = {});

  const SegmentInfo& info() const { return info_; }
  const std::string& name() const { return info_.name; }
  uint32_t max_doc() const { return info_.max_doc; }
  uint32_t deleted() const { return live_ ? live_->deleted() : 0; }
  uint32_t live_count() const { return max_doc() - deleted(); }
  // Deletions, or null when every document is live.
  const LiveDocs* live_docs() const { return live_ ? &*live_ : nullptr; }
  bool IsLive(uint32_t doc) const { return !live_ || live_->IsLive(doc); }

  const TermDictionaryReader& terms() const { return *terms_; }
  // Positions cursor over a term found in the dictionary.
  void OpenPostings(uint32_t field_number, const TermInfo& info, PostingsCursor* cursor) const;
  IndexOptions FieldOptions(uint32_t field_number) const;

  // Field lengths (null for a field the segment does not have).
  const codec::PackedReader* Lengths(uint32_t field_number) const { return lengths_->Field(field_number); }
  const uint32_t* Spans(uint32_t field_number) const { return lengths_->Spans(field_number); }
  std::string_view Id(uint32_t doc) const { return ids_->Id(doc); }
  // The live doc carrying `id`, if any.
  std::optional<uint32_t> FindLive(std::string_view id) const;
  // Stored fields and id of a document.
  Document GetDocument(uint32_t doc) const;
  const StoredFieldsReader& stored() const { return *stored_; }
  // Scalar fields' columns (none for a segment older than format 4).
  const ColumnsReader& columns() const { return *columns_; }

  // Files as checked on open, by extension (for verify and info).
  struct OpenFile {
    std::string extension;
    std::unique_ptr<store::CheckedFile> file;
  };
  const std::vector<OpenFile>& files() const { return files_; }
  const store::CheckedFile* File(const char* extension) const;
  // Name of the deletions file, if any.
  const std::string& live_file() const { return live_file_; }
  uint64_t live_file_bytes() const { return live_file_bytes_; }

 private:
  SegmentReader() = default;

  SegmentInfo info_;
  std::vector<OpenFile> files_;
  std::unique_ptr<TermDictionaryReader> terms_;
  std::unique_ptr<FieldLengthsReader> lengths_;
  std::unique_ptr<DocIdsReader> ids_;
  std::unique_ptr<StoredFieldsReader> stored_;
  std::unique_ptr<ColumnsReader> columns_;
  std::optional<LiveDocs> live_;
  std::string live_file_;
  uint64_t live_file_bytes_ = 0;
};

}  // namespace loupe::index
