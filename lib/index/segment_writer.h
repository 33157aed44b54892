// Writes the files of one new segment, whoever fills it: the in-memory
// segment when it flushes, or the merger. The stored documents stream in
// from the start; the term dictionary, postings and positions are written
// field after field; Finish() writes lengths, ids and the segment info last,
// after every data file is synced.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/columns.h"
#include "index/manifest.h"
#include "index/postings_format.h"
#include "index/stored_fields.h"
#include "index/term_dictionary.h"
#include "loupe/document.h"
#include "store/checked_file.h"
#include "store/directory.h"

namespace loupe::index {

// Removes every file of a segment (missing ones are not an error; failures
// are left for the next writer's clean-up).
void RemoveSegmentFiles(store::Directory& dir, const std::string& segment);

class SegmentWriter {
 public:
  SegmentWriter(store::Directory& dir, std::string name, uint64_t nonce);
  ~SegmentWriter();  // an unfinished segment's files are removed
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  const std::string& name() const { return name_; }
  uint64_t nonce() const { return nonce_; }

  StoredFieldsWriter& stored() { return *stored_; }
  TermDictionaryWriter& dictionary() { return *dictionary_; }
  // Scalar fields' values, written by Finish().
  ColumnsBuilder& columns() { return columns_; }
  // A postings writer for a field; lengths and spans (may be null without
  // positions) must outlive it.
  PostingsWriter Postings(IndexOptions options, const uint32_t* lengths, const uint32_t* spans,
                          double average_length);

  // Writes the remaining files and the info. `fields` are the statistics of
  // every field written to the dictionary (id field first); `lengths` and
  // `spans` those of the text fields, by field number order.
  SegmentInfo Finish(uint32_t max_doc, std::vector<FieldStats> fields, const std::vector<uint32_t>& text_fields,
                     const std::vector<const std::vector<uint32_t>*>& lengths,
                     const std::vector<const std::vector<uint32_t>*>& spans,
                     const std::vector<std::string_view>& ids);
  // Removes whatever was written.
  void Abandon();

 private:
  store::Directory& dir_;
  std::string name_;
  uint64_t nonce_;
  std::unique_ptr<StoredFieldsWriter> stored_;
  std::unique_ptr<store::CheckedWriter> terms_, post_, pos_;
  std::unique_ptr<TermDictionaryWriter> dictionary_;
  ColumnsBuilder columns_;
  bool done_ = false;
};

}  // namespace loupe::index
