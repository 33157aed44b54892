#include "index/segment_writer.h"

#include "index/doc_ids.h"
#include "index/field_lengths.h"
#include "index/format.h"
#include "loupe/error.h"
#include "loupe/version.h"

namespace loupe::index {

SegmentWriter::SegmentWriter(store::Directory& dir, std::string name, uint64_t nonce)
    : dir_(dir), name_(std::move(name)), nonce_(nonce) {
  const auto make = [&](const char* ext, store::FileKind kind) {
    return std::make_unique<store::CheckedWriter>(dir_, SegmentFileName(name_, ext), kind, kFormatVersion, nonce_);
  };
  stored_ = std::make_unique<StoredFieldsWriter>(make("docs", kStoredKind));
  terms_ = make("terms", kTermsKind);
  post_ = make("post", kPostingsKind);
  pos_ = make("pos", kPositionsKind);
  dictionary_ = std::make_unique<TermDictionaryWriter>(terms_.get());
}

SegmentWriter::~SegmentWriter() {
  if (!done_) Abandon();
}

PostingsWriter SegmentWriter::Postings(IndexOptions options, const uint32_t* lengths, const uint32_t* spans,
                                       double average_length) {
  return PostingsWriter(post_.get(), HasPositions(options) ? pos_.get() : nullptr, options, lengths, spans,
                        average_length);
}

SegmentInfo SegmentWriter::Finish(uint32_t max_doc, std::vector<FieldStats> fields,
                                  const std::vector<uint32_t>& text_fields,
                                  const std::vector<const std::vector<uint32_t>*>& lengths,
                                  const std::vector<const std::vector<uint32_t>*>& spans,
                                  const std::vector<std::string_view>& ids) {
  SegmentInfo info;
  info.name = name_;
  info.max_doc = max_doc;
  info.nonce = nonce_;
  info.written_by = std::string("loupe ") + LOUPE_VERSION_STRING;
  info.fields = std::move(fields);
  const auto finish = [&](store::CheckedWriter& w, const char* ext) {
    const uint64_t checksum = w.Finish();
    info.files.push_back({ext, w.offset(), checksum});
  };
  dictionary_->Finish();
  finish(*terms_, "terms");
  finish(*post_, "post");
  finish(*pos_, "pos");
  {
    store::CheckedWriter lens(dir_, SegmentFileName(name_, "lens"), kLengthsKind, kFormatVersion, nonce_);
    WriteFieldLengths(&lens, text_fields, lengths, spans, max_doc);
    finish(lens, "lens");
  }
  {
    store::CheckedWriter out(dir_, SegmentFileName(name_, "cols"), kColumnsKind, kFormatVersion, nonce_);
    columns_.Write(&out, max_doc);
    finish(out, "cols");
  }
  {
    store::CheckedWriter out(dir_, SegmentFileName(name_, "ids"), kIdsKind, kFormatVersion, nonce_);
    WriteDocIds(&out, ids);
    finish(out, "ids");
  }
  info.stored_raw_bytes = stored_->raw_bytes();
  const uint64_t stored_checksum = stored_->Finish();
  info.files.push_back({"docs", stored_->bytes_written(), stored_checksum});
  WriteSegmentInfo(dir_, info);
  done_ = true;
  return info;
}

void RemoveSegmentFiles(store::Directory& dir, const std::string& segment) {
  for (const char* ext : kSegmentExtensions) {
    try {
      dir.Remove(SegmentFileName(segment, ext));
    } catch (const Error&) {
      // Left for the next writer's clean-up of unreferenced files.
    }
  }
}

void SegmentWriter::Abandon() {
  done_ = true;
  dictionary_.reset();
  stored_.reset();
  terms_.reset();
  post_.reset();
  pos_.reset();
  RemoveSegmentFiles(dir_, name_);
}

}  // namespace loupe::index
