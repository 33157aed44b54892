// IndexWriter: documents are inverted by MemorySegments (one per concurrent
// caller), flushed to segment files when the RAM budget is used up, and made
// visible by a commit manifest.
//
// Locking: `mu_` guards the writer's bookkeeping (segments, deletions, the id
// table); inverting a document happens outside it. `commit_mu_` is held shared
// by every AddDocument/DeleteDocument and exclusively by Commit, so a commit
// sees no half-added document.
#include "loupe/index_writer.h"

#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <thread>

#include "index/columns.h"
#include "index/format.h"
#include "index/manifest.h"
#include "index/memory_segment.h"
#include "index/reader_impl.h"
#include "index/segment_reader.h"
#include "index/segment_writer.h"
#include "loupe/error.h"
#include "merge/merge_policy.h"
#include "merge/segment_merger.h"
#include "loupe/version.h"
#include "store/directory.h"

namespace loupe {

namespace {

constexpr size_t kMaxIdBytes = 4096;
// A segment's postings must stay below 4 GiB; flushing in-memory segments
// well before that keeps them there.
constexpr size_t kMaxSegmentMemory = size_t{3} << 30;

uint64_t RandomU64() {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32));
  std::lock_guard<std::mutex> guard(mu);
  uint64_t v;
  do v = rng(); while (v == 0);
  return v;
}

// The commit lock: shared by adds and deletes, exclusive for a commit or a
// merge's publication. glibc's read-write lock lets new shared holders in
// while an exclusive one waits, so adders whose holds overlap (flushing
// segments under it) could keep a commit waiting for as long as they run.
// Here an exclusive holder first takes the gate, which every shared holder
// passes through: once a commit waits, new adds wait behind it.
class CommitLock {
 public:
  void lock_shared() {
    { std::lock_guard<std::mutex> pass(gate_); }
    mu_.lock_shared();
  }
  void unlock_shared() { mu_.unlock_shared(); }
  void lock() {
    std::lock_guard<std::mutex> hold(gate_);
    mu_.lock();
  }
  void unlock() { mu_.unlock(); }

 private:
  std::mutex gate_;
  std::shared_mutex mu_;
};

std::string SegmentName(uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "seg_%06llu", static_cast<unsigned long long>(number));
  return buf;
}

// "title=title (standard, weight 2), body=body (standard, weight 1)": what a
// schema's text fields are, for the message when an append asks for others.
std::string DescribeTextFields(const std::vector<TextField>& fields) {
  std::string out;
  for (const TextField& f : fields) {
    if (!out.empty()) out += ", ";
    out += f.name + "=";
    for (size_t i = 0; i < f.sources.size(); ++i) out += (i ? "," : "") + f.sources[i];
    char weight[32];
    std::snprintf(weight, sizeof weight, "%g", static_cast<double>(f.weight));
    out += " (" + f.analyzer_name + ", weight " + weight + ")";
  }
  return out.empty() ? "none" : out;
}

std::string TextFieldsMismatch(const std::vector<TextField>& indexed, const std::vector<TextField>& asked) {
  const std::string has = DescribeTextFields(indexed), wants = DescribeTextFields(asked);
  return "the index's text fields are " + has + "; this writer asks for " + wants +
         " (append with the index's own fields, or start afresh)";
}

}  // namespace

struct IndexWriter::Impl {
  // A segment of this writing session: in memory, or flushed but not yet committed.
  struct SessionSegment {
    std::unique_ptr<index::MemorySegment> memory;
    bool in_use = false;                                // a thread is adding to `memory`
    std::vector<uint32_t> memory_deletions;             // while in memory
    std::shared_ptr<const index::SegmentReader> flushed;  // after the flush
    std::optional<index::LiveDocs> live;                // deletions after the flush
    bool flushing = false;
  };
  // A committed segment and the deletions made to it since.
  struct CommittedSegment {
    std::shared_ptr<const index::SegmentReader> reader;
    index::SegmentEntry entry;
    std::optional<index::LiveDocs> live;  // the writer's copy once it deletes something
    bool changed = false;                 // `live` has deletions not committed yet
    std::optional<index::LiveDocs> committed_live;  // the deletions of the newest commit
    bool merging = false;
  };
  // Where an id added in this session lives. The id's bytes are copied into
  // `id_bytes`, so lookups never touch a segment another thread is filling.
  struct Location {
    uint64_t hash = 0;
    uint64_t id_offset = 0;
    uint32_t id_length = 0;
    uint32_t slot = 0;  // index into `session`
    uint32_t doc = 0;
    bool used = false;
    bool deleted = false;
  };

  std::unique_ptr<store::Directory> dir;
  std::unique_ptr<store::DirectoryLock> lock;
  index::Manifest manifest;       // the base of the next commit
  index::Manifest disk_manifest;  // the newest commit on disk (differs from `manifest` after --create)
  bool has_disk_manifest = false;
  IndexWriterOptions options;
  std::vector<CommittedSegment> committed;
  std::vector<SessionSegment> session;
  std::vector<Location> ids;  // open addressing on the id hash
  std::string id_bytes;
  size_t id_count = 0;
  IndexWriterStats stats;
  std::exception_ptr failure;  // set when an error left the session unusable

  // Background merging.
  std::thread merger;
  std::condition_variable merge_cv;
  bool merge_requested = false;
  bool closing = false;
  bool merge_running = false;
  std::exception_ptr merge_failure;
  // The newest commit's directory sync failed (UnsyncedCommitError).
  bool unsynced_commit = false;
  std::atomic<bool> cancel_merges{false};
  std::set<std::string> merge_outputs;  // segments being written by merges

  mutable std::mutex mu_;
  std::condition_variable flushed_cv_;
  CommitLock commit_mu_;

  void CheckUsable() const {
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const Error& e) {
        throw IoError(std::string("the writer failed earlier and must be reopened: ") + e.what());
      }
    }
  }

  std::string_view IdOf(const Location& l) const {
    return std::string_view(id_bytes).substr(l.id_offset, l.id_length);
  }

  // The id table slot for `id` (an empty one if absent).
  size_t FindSlot(std::string_view id, uint64_t hash) const {
    const size_t mask = ids.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Location& l = ids[i];
      if (!l.used) return i;
      if (l.hash == hash && IdOf(l) == id) return i;
    }
  }

  void GrowIds() {
    std::vector<Location> bigger(std::max<size_t>(1024, ids.size() * 2));
    const size_t mask = bigger.size() - 1;
    for (const Location& l : ids) {
      if (!l.used) continue;
      size_t i = l.hash & mask;
      while (bigger[i].used) i = (i + 1) & mask;
      bigger[i] = l;
    }
    ids.swap(bigger);
  }

  // Deletes the live document `id` of this session, if any. Caller holds mu_.
  bool DeleteSessionId(std::string_view id, uint64_t hash) {
    if (ids.empty()) return false;
    Location& l = ids[FindSlot(id, hash)];
    if (!l.used || l.deleted) return false;
    SessionSegment& s = session[l.slot];
    if (s.memory) {
      s.memory_deletions.push_back(l.doc);
    } else {
      if (!s.live) s.live.emplace(s.flushed->max_doc());
      s.live->Delete(l.doc);
    }
    l.deleted = true;
    return true;
  }

  // Deletes the committed document `id`, if live. Caller holds mu_.
  bool DeleteCommittedId(std::string_view id) {
    bool found = false;
    for (CommittedSegment& c : committed) {
      index::TermInfo info;
      if (!c.reader->terms().Lookup(index::kIdField, id, &info)) continue;
      index::PostingsCursor cursor;
      c.reader->OpenPostings(index::kIdField, info, &cursor);
      for (uint32_t d = cursor.doc(); d != index::PostingsCursor::kNoMoreDocs; d = cursor.Next()) {
        const bool live = c.live ? c.live->IsLive(d) : c.reader->IsLive(d);
        if (!live) continue;
        if (!c.live) c.live = c.reader->live_docs() ? *c.reader->live_docs() : index::LiveDocs(c.reader->max_doc());
        c.live->Delete(d);
        c.changed = true;
        found = true;
      }
    }
    return found;
  }

  // Memory of the in-memory segments: what a flush gives back.
  size_t SegmentMemory() const {
    size_t total = 0;
    for (const SessionSegment& s : session) {
      if (s.memory) total += s.memory->approximate_memory();
    }
    return total;
  }
  // What the in-memory segments may hold before one is flushed: the budget
  // less the session's id table, which only a commit empties. Flushing cannot
  // shrink that table, so it may take at most half the budget: beyond, the
  // run goes over the budget rather than flush a segment per document.
  size_t SegmentBudget(size_t budget) const {
    const size_t id_table = ids.capacity() * sizeof(Location) + id_bytes.capacity();
    return budget - std::min(id_table, budget / 2);
  }

  // Takes a free in-memory segment, or starts a new one. Caller holds mu_.
  uint32_t CheckOut() {
    for (uint32_t i = 0; i < session.size(); ++i) {
      SessionSegment& s = session[i];
      if (s.memory && !s.in_use && !s.flushing) {
        s.in_use = true;
        return i;
      }
    }
    SessionSegment s;
    s.memory = std::make_unique<index::MemorySegment>(manifest.schema, *dir, SegmentName(manifest.next_segment++),
                                                      RandomU64());
    s.in_use = true;
    session.push_back(std::move(s));
    return static_cast<uint32_t>(session.size() - 1);
  }

  // Writes an in-memory segment's files (outside mu_), then records it.
  void FlushSlot(std::unique_lock<std::mutex>& held, uint32_t slot) {
    SessionSegment& s = session[slot];
    if (s.memory->doc_count() == 0) {
      s.memory->Abandon();
      s.memory.reset();
      return;
    }
    s.flushing = true;
    index::MemorySegment* memory = s.memory.get();
    held.unlock();
    std::shared_ptr<const index::SegmentReader> reader;
    uint64_t bytes = 0;
    try {
      index::MemorySegment::Flushed flushed = memory->Flush();
      for (const auto& f : flushed.info.files) bytes += f.size;
      index::SegmentEntry entry{flushed.info.name, flushed.info.max_doc, 0, 0, flushed.info.nonce};
      reader = index::SegmentReader::Open(*dir, entry, {.verify_checksums = false});
    } catch (...) {
      held.lock();
      failure = std::current_exception();
      session[slot].flushing = false;
      throw;
    }
    held.lock();
    SessionSegment& done = session[slot];  // `session` may have grown meanwhile
    done.flushing = false;
    done.flushed = std::move(reader);
    if (!done.memory_deletions.empty()) {
      done.live.emplace(done.flushed->max_doc());
      for (uint32_t d : done.memory_deletions) done.live->Delete(d);
      done.memory_deletions.clear();
    }
    done.memory.reset();
    ++stats.segments_flushed;
    stats.bytes_flushed += bytes;
    flushed_cv_.notify_all();
  }

  // ---- merging ----

  merge::MergePolicyOptions PolicyOptions() const {
    merge::MergePolicyOptions policy;
    policy.max_segment_bytes = std::min(policy.max_segment_bytes, options.max_merged_segment_bytes);
    return policy;
  }

  std::vector<merge::SegmentSize> Sizes() const {
    std::vector<merge::SegmentSize> sizes;
    for (const CommittedSegment& c : committed) {
      merge::SegmentSize size{.name = c.entry.name, .docs = c.entry.max_doc, .deleted = c.entry.deleted};
      for (const auto& f : c.reader->info().files) {
        size.bytes += f.size;
        if (f.extension == "post") size.postings_bytes = f.size;
        if (f.extension == "pos") size.positions_bytes = f.size;
      }
      sizes.push_back(std::move(size));
    }
    return sizes;
  }

  // Merges the committed segments named, then commits the result (a commit of
  // its own: the session's uncommitted changes stay uncommitted, the ones to
  // the merged segments carried over to the new segment). Caller holds no
  // lock. Returns false if the merge was abandoned (a source vanished) or not
  // started (another merge holds a source).
  bool RunMerge(const std::vector<std::string>& names) {
    std::vector<merge::MergeSource> sources;
    std::vector<index::LiveDocs> snapshots;  // committed deletions when the merge starts
    std::string name;
    uint64_t nonce;
    uint64_t bytes = 0;
    {
      std::lock_guard<std::mutex> held(mu_);
      snapshots.reserve(names.size());
      // Another merge took one of them since they were chosen: choose again.
      for (const CommittedSegment& c : committed) {
        if (c.merging && std::find(names.begin(), names.end(), c.entry.name) != names.end()) return false;
      }
      for (const std::string& n : names) {
        for (CommittedSegment& c : committed) {
          if (c.entry.name != n) continue;
          c.merging = true;
          snapshots.push_back(c.committed_live ? *c.committed_live : index::LiveDocs(c.reader->max_doc()));
          sources.push_back({c.reader, &snapshots.back()});
          for (const auto& f : c.reader->info().files) bytes += f.size;
        }
      }
      name = SegmentName(manifest.next_segment++);
      nonce = RandomU64();
      merge_outputs.insert(name);
    }
    const auto release = [&] {
      {
        std::lock_guard<std::mutex> held(mu_);
        merge_outputs.erase(name);
        for (CommittedSegment& c : committed) {
          if (std::find(names.begin(), names.end(), c.entry.name) != names.end()) c.merging = false;
        }
      }
      merge_cv.notify_all();  // a ForceMerge may wait for these segments
    };
    merge::MergeResult merged;
    try {
      merged = merge::MergeSegments(*dir, manifest.schema, sources, name, nonce, &cancel_merges);
    } catch (...) {
      release();
      throw;
    }
    // Publish: under the commit lock, so no commit runs meanwhile.
    std::unique_lock<CommitLock> commit_guard(commit_mu_);
    std::unique_lock<std::mutex> held(mu_);
    std::vector<size_t> at;  // positions of the sources in `committed`
    for (const std::string& n : names) {
      for (size_t i = 0; i < committed.size(); ++i) {
        if (committed[i].entry.name == n) at.push_back(i);
      }
    }
    if (at.size() != names.size()) {  // a source was dropped (all deleted) meanwhile
      held.unlock();
      release();
      index::RemoveSegmentFiles(*dir, name);
      return false;
    }
    // Deletions made since the merge started: committed ones go into the
    // merge's commit, uncommitted ones stay pending on the new segment.
    const uint32_t max_doc = merged.info.max_doc;
    index::LiveDocs merged_committed(max_doc), merged_working(max_doc);
    for (size_t s = 0; s < at.size(); ++s) {
      const CommittedSegment& c = committed[at[s]];
      const auto& map = merged.doc_maps[s];
      for (uint32_t d = 0; d < map.size(); ++d) {
        if (map[d] == merge::MergeResult::kDropped) continue;
        if (c.committed_live && !c.committed_live->IsLive(d)) merged_committed.Delete(map[d]);
        const bool live = c.live ? c.live->IsLive(d) : (!c.committed_live || c.committed_live->IsLive(d));
        if (!live) merged_working.Delete(map[d]);
      }
    }
    index::Manifest next = disk_manifest;
    next.generation = disk_manifest.generation + 1;
    next.next_segment = manifest.next_segment;
    next.written_by = std::string("loupe ") + LOUPE_VERSION_STRING;
    index::SegmentEntry entry{name, max_doc, merged_committed.deleted(), 0, nonce};
    // A merged segment with nothing live is left out of the commit.
    const bool kept = max_doc > 0 && merged_committed.deleted() < max_doc;
    std::exception_ptr unsynced;
    std::shared_ptr<const index::SegmentReader> reader;
    try {
      if (merged_committed.deleted() > 0) {
        store::CheckedWriter out(*dir, index::LiveFileName(name, next.generation), index::kLiveKind,
                                 index::kFormatVersion, nonce);
        merged_committed.Write(&out);
        out.Finish();
        entry.live_generation = next.generation;
      }
      std::vector<index::SegmentEntry> segments;
      bool placed = false;
      for (const index::SegmentEntry& e : disk_manifest.segments) {
        if (std::find(names.begin(), names.end(), e.name) != names.end()) {
          if (!placed) segments.push_back(entry);
          placed = true;
        } else {
          segments.push_back(e);
        }
      }
      if (!placed) segments.push_back(entry);
      if (!kept) std::erase_if(segments, [&](const index::SegmentEntry& e) { return e.name == name; });
      next.segments = std::move(segments);
      // Opened before the manifest names it: once it is published nothing
      // may fail, or the writer would be left behind the index on disk.
      if (kept) reader = index::SegmentReader::Open(*dir, entry, {.verify_checksums = false});
      index::WriteManifest(*dir, next);
    } catch (const UnsyncedCommitError&) {
      // Published: readers may already use the merged segment, so it stays
      // and replaces its sources here too; the error is reported at the end.
      unsynced = std::current_exception();
      unsynced_commit = true;
    } catch (...) {
      held.unlock();
      release();
      index::RemoveSegmentFiles(*dir, name);
      throw;
    }
    // The merge is durable: swap the sources for the new segment.
    std::vector<CommittedSegment> swapped;
    bool placed = false;
    for (size_t i = 0; i < committed.size(); ++i) {
      if (std::find(at.begin(), at.end(), i) == at.end()) {
        swapped.push_back(std::move(committed[i]));
      } else if (!placed) {
        placed = true;
        if (kept) {
          CommittedSegment c{reader, entry, std::nullopt, false, std::nullopt, false};
          if (merged_committed.deleted() > 0) c.committed_live = merged_committed;
          if (merged_working.deleted() > 0) c.live = merged_working;
          c.changed = merged_working.deleted() != merged_committed.deleted();
          swapped.push_back(std::move(c));
        }
      }
    }
    committed = std::move(swapped);
    merge_outputs.erase(name);
    manifest.generation = next.generation;
    disk_manifest = next;
    ++stats.merges;
    stats.segments_merged += names.size();
    stats.bytes_merged += bytes;
    RemoveUnreferencedFiles(true);
    merge_cv.notify_all();  // a ForceMerge may wait for the segments merged
    if (unsynced) std::rethrow_exception(unsynced);
    return true;
  }

  // Merges the segments flushed in this session (not yet committed) into one.
  // Called by Commit with every add finished (the commit lock is held).
  // merge_on_commit: the segments this session flushed are merged, in groups
  // of consecutive segments that stay under the policy's segment cap (a huge
  // run makes a few big segments, never one past the format's limits). Runs
  // under the exclusive commit lock, so no add or delete touches them.
  void MergeSessionSegments(std::unique_lock<std::mutex>& held) {
    const uint64_t cap = PolicyOptions().max_segment_bytes;
    std::vector<std::vector<std::shared_ptr<const index::SegmentReader>>> groups;
    uint64_t group_bytes = 0;
    for (const SessionSegment& s : session) {
      if (!s.flushed) continue;
      uint64_t bytes = 0;
      for (const auto& f : s.flushed->info().files) bytes += f.size;
      if (groups.empty() || group_bytes + bytes > cap) {
        groups.emplace_back();
        group_bytes = 0;
      }
      groups.back().push_back(s.flushed);
      group_bytes += bytes;
    }
    for (const auto& group : groups) {
      if (group.size() >= 2 && !MergeSessionGroup(held, group)) break;
    }
  }

  // False when the merge failed with an IoError and was given up: merging is
  // an optimisation, and a disk too full for the merged copy still holds the
  // segments, which the commit then publishes as they are.
  bool MergeSessionGroup(std::unique_lock<std::mutex>& held,
                         const std::vector<std::shared_ptr<const index::SegmentReader>>& group) {
    std::vector<merge::MergeSource> sources;
    for (const SessionSegment& s : session) {
      if (s.flushed && std::find(group.begin(), group.end(), s.flushed) != group.end()) {
        sources.push_back({s.flushed, s.live ? &*s.live : nullptr});
      }
    }
    const std::string name = SegmentName(manifest.next_segment++);
    const uint64_t nonce = RandomU64();
    merge_outputs.insert(name);
    held.unlock();
    merge::MergeResult merged;
    std::shared_ptr<const index::SegmentReader> reader;
    try {
      merged = merge::MergeSegments(*dir, manifest.schema, sources, name, nonce);
      reader = index::SegmentReader::Open(*dir, {name, merged.info.max_doc, 0, 0, nonce}, {.verify_checksums = false});
    } catch (const IoError& e) {
      index::RemoveSegmentFiles(*dir, name);  // room for the commit's own files
      held.lock();
      merge_outputs.erase(name);
      ++stats.commit_merges_given_up;
      stats.commit_merge_error = e.what();
      return false;
    } catch (...) {
      held.lock();
      merge_outputs.erase(name);
      failure = std::current_exception();
      throw;
    }
    held.lock();
    merge_outputs.erase(name);
    uint64_t bytes = 0;
    for (const auto& src : sources) {
      for (const auto& f : src.reader->info().files) bytes += f.size;
      index::RemoveSegmentFiles(*dir, src.reader->name());
    }
    // The merged segment takes the place of the group's first segment.
    std::vector<SessionSegment> kept;
    bool placed = false;
    for (SessionSegment& s : session) {
      if (s.flushed && std::find(group.begin(), group.end(), s.flushed) != group.end()) {
        if (placed) continue;
        placed = true;
        SessionSegment m;
        m.flushed = reader;
        kept.push_back(std::move(m));
      } else {
        kept.push_back(std::move(s));
      }
    }
    session = std::move(kept);
    ++stats.merges;
    stats.segments_merged += sources.size();
    stats.bytes_merged += bytes;
    return true;
  }

  // The background thread: merges what the policy asks, until told to stop.
  void MergerLoop() {
    std::unique_lock<std::mutex> held(mu_);
    for (;;) {
      merge_cv.wait(held, [&] { return merge_requested || closing; });
      if (closing) return;
      merge_requested = false;
      merge_running = true;
      for (;;) {
        std::vector<merge::SegmentSize> sizes;
        const auto all = Sizes();
        for (size_t i = 0; i < committed.size(); ++i) {
          if (!committed[i].merging) sizes.push_back(all[i]);
        }
        const auto merges = merge::FindMerges(sizes, PolicyOptions());
        if (merges.empty() || closing) break;
        std::vector<std::string> names;
        for (size_t i : merges[0]) names.push_back(sizes[i].name);
        held.unlock();
        try {
          RunMerge(names);
        } catch (const merge::MergeCancelled&) {
          held.lock();
          break;
        } catch (...) {
          held.lock();
          merge_failure = std::current_exception();
          break;
        }
        held.lock();
      }
      merge_running = false;
      merge_cv.notify_all();
    }
  }

  void RequestMerges(std::unique_lock<std::mutex>& held) {
    (void)held;  // mu_ is held
    if (!merger.joinable()) merger = std::thread([this] { MergerLoop(); });
    merge_requested = true;
    merge_cv.notify_all();
  }

  void WaitForMerges() {
    std::unique_lock<std::mutex> held(mu_);
    merge_cv.wait(held, [&] { return (!merge_requested && !merge_running) || closing; });
    if (merge_failure) {
      std::exception_ptr e = merge_failure;
      merge_failure = nullptr;
      std::rethrow_exception(e);
    }
  }

  void StopMerger() {
    {
      std::lock_guard<std::mutex> held(mu_);
      closing = true;
      cancel_merges = true;
    }
    merge_cv.notify_all();
    if (merger.joinable()) merger.join();
  }

  // Removes Loupe files the newest commit on disk does not name (leftovers
  // of interrupted writers, superseded commits and deletions).
  void RemoveUnreferencedFiles(bool keep_session_files) {
    // After a commit whose directory sync failed, the commit before it may
    // be what a power loss brings back: its files stay until a sync works.
    if (unsynced_commit) {
      try {
        dir->Sync();
        unsynced_commit = false;
      } catch (const Error&) {
        return;
      }
    }
    std::set<std::string> keep = {index::kLockFileName};
    const auto keep_segment = [&](const std::string& name) {
      for (const char* ext : index::kSegmentExtensions) keep.insert(index::SegmentFileName(name, ext));
    };
    if (has_disk_manifest) keep.insert(index::ManifestFileName(disk_manifest.generation));
    for (const index::SegmentEntry& s : disk_manifest.segments) {
      keep_segment(s.name);
      if (s.live_generation) keep.insert(index::LiveFileName(s.name, s.live_generation));
    }
    for (const std::string& name : merge_outputs) keep_segment(name);
    if (keep_session_files) {
      for (const SessionSegment& s : session) {
        if (s.memory) keep_segment(s.memory->name());
        if (s.flushed) keep_segment(s.flushed->name());
      }
    }
    // Best effort throughout: a failure here must not turn a durable commit
    // into an error; the next writer tries again.
    std::vector<std::string> names;
    try {
      names = dir->List();
    } catch (const Error&) {
      return;
    }
    for (const std::string& name : names) {
      if (keep.contains(name) || !index::IsLoupeFileName(name)) continue;
      try {
        dir->Remove(name);
      } catch (const Error&) {
      }
    }
  }
};

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IndexWriter::~IndexWriter() {
  if (!impl_) return;
  if (impl_->options.finish_merges_on_close) {
    try {
      impl_->WaitForMerges();
    } catch (...) {
      // A failed merge changed nothing; the next writer's policy tries again.
    }
  }
  impl_->StopMerger();
  // Discard the uncommitted session: its files are not referenced by any commit.
  for (auto& s : impl_->session) {
    if (s.memory) s.memory->Abandon();
  }
  impl_->session.clear();
  try {
    impl_->RemoveUnreferencedFiles(false);
  } catch (...) {
  }
}

std::unique_ptr<IndexWriter> IndexWriter::Open(const std::string& path, const IndexWriterOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.ram_budget_bytes < (size_t{1} << 20)) throw InvalidArgumentError("the RAM budget must be at least 1 MiB");
  impl->dir = store::OpenFileSystemDirectory(path, true);
  if (!index::LatestGeneration(*impl->dir)) {
    // A new index: refuse a directory that holds anything but Loupe's files,
    // before taking the lock, whose file would be left in it.
    for (const std::string& name : impl->dir->List()) {
      // Files only: a folder such as lost+found or .snapshot is the file
      // system's, not another program's data.
      if (!index::IsLoupeFileName(name) && impl->dir->IsRegularFile(name)) {
        throw InvalidArgumentError(path + " is not a Loupe index and not empty (it holds '" + name + "')");
      }
    }
  }
  impl->lock = impl->dir->Lock(index::kLockFileName);
  const std::optional<uint64_t> latest = index::LatestGeneration(*impl->dir);
  if (latest) {
    impl->disk_manifest = index::ReadManifest(*impl->dir, *latest);
    impl->has_disk_manifest = true;
  }
  if (latest && !options.create) {
    impl->manifest = impl->disk_manifest;
    if (options.schema) {
      Schema& schema = impl->manifest.schema;
      // A built-in analyzer asked for by name whose definition changed since
      // the index was made (a later Loupe) is the index's own: the index
      // keeps the configuration it records, which its terms were made with.
      // Any other difference in configuration (a custom chain) is refused.
      const auto same_field = [](const TextField& asked, const TextField& recorded) {
        if (asked.name != recorded.name || asked.sources != recorded.sources ||
            asked.analyzer_name != recorded.analyzer_name || asked.weight != recorded.weight) {
          return false;
        }
        if (asked.analyzer == recorded.analyzer) return true;
        const auto builtin = Analyzer::BuiltinNames();
        return std::find(builtin.begin(), builtin.end(), asked.analyzer_name) != builtin.end() &&
               asked.analyzer == Analyzer::Named(asked.analyzer_name).config();
      };
      if (!std::equal(options.schema->text_fields.begin(), options.schema->text_fields.end(),
                      schema.text_fields.begin(), schema.text_fields.end(), same_field)) {
        throw InvalidArgumentError(path + ": " + TextFieldsMismatch(schema.text_fields, options.schema->text_fields));
      }
      // Scalar fields may be declared later, but not retyped: documents
      // already indexed keep theirs.
      for (const ScalarField& f : options.schema->scalar_fields) {
        const ScalarField* old = schema.FindScalar(f.name);
        if (old == nullptr) {
          schema.scalar_fields.push_back(f);
        } else if (!(*old == f)) {
          throw InvalidArgumentError(path + ": field '" + f.name + "' is already declared with type " +
                                     ScalarTypeName(old->type) + (old->stored ? "" : ", not stored"));
        }
      }
      schema.infer_scalar_fields = options.schema->infer_scalar_fields;
      schema.Validate();
    }
  } else {
    impl->manifest.schema = options.schema ? *options.schema : Schema::Default();
    impl->manifest.schema.Validate();
    impl->manifest.generation = latest.value_or(0);
    char id[40];
    std::snprintf(id, sizeof id, "%016llx%016llx", static_cast<unsigned long long>(RandomU64()),
                  static_cast<unsigned long long>(RandomU64()));
    impl->manifest.index_id = id;
    // Over an old index (--create), keep numbering segments after its own.
    if (latest) impl->manifest.next_segment = impl->disk_manifest.next_segment;
  }
  impl->manifest.unicode_version = std::string(Analyzer::UnicodeVersion());
  if (!options.create) {
    for (const index::SegmentEntry& e : impl->manifest.segments) {
      auto reader = index::SegmentReader::Open(*impl->dir, e);
      std::optional<index::LiveDocs> live;
      if (reader->live_docs() != nullptr) live = *reader->live_docs();
      impl->committed.push_back({reader, e, live, false, live, false});
    }
  }
  // Leftovers of an interrupted writer (unreferenced segments, temporary manifests).
  impl->RemoveUnreferencedFiles(false);
  return std::unique_ptr<IndexWriter>(new IndexWriter(std::move(impl)));
}

Schema IndexWriter::schema() const {
  std::lock_guard<std::mutex> held(impl_->mu_);
  return impl_->manifest.schema;
}

IndexWriter::AddResult IndexWriter::AddDocument(const Document& doc, bool replace_pending,
                                                std::vector<std::string>* notes) {
  if (doc.id.empty()) throw InvalidArgumentError("a document needs a non-empty id");
  if (doc.id.size() > kMaxIdBytes) throw InvalidArgumentError("document id longer than 4096 bytes");
  index::ValidateDocument(doc, impl_->manifest.schema);
  Impl& m = *impl_;
  std::shared_lock<CommitLock> commit_guard(m.commit_mu_);
  const uint64_t hash = XXH3_64bits(doc.id.data(), doc.id.size());
  std::unique_lock<std::mutex> held(m.mu_);
  m.CheckUsable();
  // A duplicate changes nothing, not even the schema (by inferring types).
  if (!replace_pending && !m.ids.empty()) {
    const Impl::Location& l = m.ids[m.FindSlot(doc.id, hash)];
    if (l.used && !l.deleted) return AddResult::kDuplicate;
  }
  // Scalar fields are typed (and new ones inferred) under the lock: the
  // schema is shared by every adding thread.
  std::vector<index::ColumnValue> columns;
  bool unstored = false;
  std::vector<std::string> malformed, unnamable;
  const bool store_malformed = m.options.malformed_values == IndexWriterOptions::MalformedValues::kStoreOnly;
  index::ResolveColumns(doc, m.manifest.schema, &columns, &unstored, store_malformed ? &malformed : nullptr,
                        &unnamable);
  if (notes != nullptr) {
    for (std::string& n : malformed) notes->push_back(std::move(n) + " (stored, left out of the column)");
    // A field no query could name is stored only: say so once it would
    // otherwise have become a column.
    for (const std::string& name : unnamable) {
      notes->push_back("field '" + (name.size() > 40 ? name.substr(0, 40) + "..." : name) +
                       "' has a name no query can use (spaces, ':', quotes, backslashes or control "
                       "characters; or over 256 bytes): stored only");
    }
    // A text field's source that is not text cannot be analysed: say so
    // rather than leave the document unfindable by it without a word.
    for (const TextField& field : m.manifest.schema.text_fields) {
      for (const std::string& source : field.sources) {
        const FieldValue* value = doc.Find(source);
        if (value != nullptr && !std::holds_alternative<std::string>(*value) &&
            !std::holds_alternative<StringList>(*value)) {
          notes->push_back("field '" + source + "' is not text (stored, not indexed)");
        }
      }
    }
  }
  std::optional<Document> trimmed;
  if (unstored) {
    trimmed.emplace();
    trimmed->id = doc.id;
    for (const Field& f : doc.fields) {
      const ScalarField* scalar = m.manifest.schema.FindScalar(f.name);
      if (scalar == nullptr || scalar->stored) trimmed->fields.push_back(f);
    }
  }
  // What can fail (a new in-memory segment creates files; the id table
  // grows) comes before the old version is deleted: a failed add must not
  // leave an update turned into a delete for the next commit to publish.
  const uint32_t slot = m.CheckOut();
  index::MemorySegment* memory = m.session[slot].memory.get();
  bool replaced = false;
  try {
    if ((m.id_count + 1) * 2 > m.ids.size()) m.GrowIds();
  } catch (...) {
    m.session[slot].in_use = false;
    throw;
  }
  try {
    replaced = m.DeleteSessionId(doc.id, hash);
    replaced = m.DeleteCommittedId(doc.id) || replaced;
  } catch (...) {
    // Half deleted (a damaged segment): no commit may publish that.
    m.session[slot].in_use = false;
    m.failure = std::current_exception();
    throw;
  }
  // The id is entered (with the doc number it will get) before the document is
  // inverted, so a concurrent add of the same id replaces this one.
  {
    Impl::Location& l = m.ids[m.FindSlot(doc.id, hash)];
    if (!l.used) {
      ++m.id_count;
      l = {hash, m.id_bytes.size(), static_cast<uint32_t>(doc.id.size()), 0, 0, true, false};
      m.id_bytes += doc.id;
    }
    l.slot = slot;
    l.doc = memory->doc_count();
    l.deleted = false;
  }
  held.unlock();
  try {
    // A text field's source declared unstored is still indexed: only its
    // stored copy is left out.
    memory->Add(doc, columns, trimmed ? &*trimmed : nullptr);
  } catch (...) {
    held.lock();
    m.failure = std::current_exception();
    m.session[slot].in_use = false;
    throw;
  }
  held.lock();
  ++m.stats.documents_added;
  if (replaced) ++m.stats.documents_replaced;
  m.session[slot].in_use = false;
  const size_t budget = std::min(m.options.ram_budget_bytes, kMaxSegmentMemory);
  if (m.SegmentMemory() > m.SegmentBudget(budget) || memory->memory_bytes() > kMaxSegmentMemory) {
    m.session[slot].in_use = true;  // keep others off it while it flushes
    m.FlushSlot(held, slot);
  }
  return replaced ? AddResult::kReplaced : AddResult::kAdded;
}

bool IndexWriter::DeleteDocument(std::string_view id) {
  Impl& m = *impl_;
  std::shared_lock<CommitLock> commit_guard(m.commit_mu_);
  std::lock_guard<std::mutex> held(m.mu_);
  m.CheckUsable();
  const uint64_t hash = XXH3_64bits(id.data(), id.size());
  bool found = m.DeleteSessionId(id, hash);
  try {
    found = m.DeleteCommittedId(id) || found;
  } catch (...) {
    // Half deleted (a damaged segment): no commit may publish that.
    if (found) m.failure = std::current_exception();
    throw;
  }
  if (found) ++m.stats.documents_deleted;
  return found;
}

bool IndexWriter::IsPending(std::string_view id) const {
  const Impl& m = *impl_;
  std::lock_guard<std::mutex> held(m.mu_);
  if (m.ids.empty()) return false;
  const Impl::Location& l = m.ids[m.FindSlot(id, XXH3_64bits(id.data(), id.size()))];
  return l.used && !l.deleted;
}

void IndexWriter::Commit() {
  Impl& m = *impl_;
  std::unique_lock<CommitLock> commit_guard(m.commit_mu_);
  std::unique_lock<std::mutex> held(m.mu_);
  m.CheckUsable();
  // A manifest is only written with a schema every reader accepts: one that
  // is not would leave the index unreadable once the old commit is gone.
  // Checked before the session's segments are flushed and merged (which
  // renumbers them), so that a refusal leaves the writer as it was.
  m.manifest.schema.Validate();
  for (uint32_t slot = 0; slot < m.session.size(); ++slot) {
    if (m.session[slot].memory) m.FlushSlot(held, slot);
  }
  if (m.options.merge_on_commit) m.MergeSessionSegments(held);
  index::Manifest next = m.manifest;
  next.generation = m.manifest.generation + 1;
  next.written_by = std::string("loupe ") + LOUPE_VERSION_STRING;
  next.segments.clear();
  std::exception_ptr unsynced;
  try {
    const auto write_live = [&](const std::string& segment, uint64_t nonce, const index::LiveDocs& live) {
      store::CheckedWriter out(*m.dir, index::LiveFileName(segment, next.generation), index::kLiveKind,
                               index::kFormatVersion, nonce);
      live.Write(&out);
      out.Finish();
    };
    for (Impl::CommittedSegment& c : m.committed) {
      index::SegmentEntry e = c.entry;
      if (c.changed) {
        if (c.live->deleted() == e.max_doc) continue;  // nothing left: drop the segment
        write_live(e.name, e.nonce, *c.live);
        e.deleted = c.live->deleted();
        e.live_generation = next.generation;
      }
      next.segments.push_back(e);
    }
    for (Impl::SessionSegment& s : m.session) {
      if (!s.flushed) continue;
      const index::SegmentInfo& info = s.flushed->info();
      index::SegmentEntry e{info.name, info.max_doc, 0, 0, info.nonce};
      if (s.live && s.live->deleted() > 0) {
        if (s.live->deleted() == info.max_doc) continue;
        write_live(e.name, e.nonce, *s.live);
        e.deleted = s.live->deleted();
        e.live_generation = next.generation;
      }
      next.segments.push_back(e);
    }
    index::WriteManifest(*m.dir, next);
  } catch (const UnsyncedCommitError&) {
    // The commit is in place and readers may have opened it: it becomes the
    // writer's base like any other, and the error is reported at the end.
    unsynced = std::current_exception();
    m.unsynced_commit = true;
  } catch (...) {
    m.failure = std::current_exception();
    throw;
  }
  // The commit is durable; now make it the writer's base. The schema is left
  // alone: its text fields never change after Open (merges read them without
  // the lock), and scalar fields inferred since are already in it.
  m.manifest.generation = next.generation;
  m.manifest.segments = next.segments;
  m.manifest.written_by = next.written_by;
  std::vector<Impl::CommittedSegment> committed;
  for (const index::SegmentEntry& e : next.segments) {
    std::shared_ptr<const index::SegmentReader> reader;
    for (const auto& c : m.committed) {
      if (c.entry.name == e.name) reader = c.reader;
    }
    for (const auto& s : m.session) {
      if (s.flushed && s.flushed->name() == e.name) reader = s.flushed;
    }
    // Deletions are now those of the new commit.
    std::optional<index::LiveDocs> live;
    bool merging = false;
    for (const auto& c : m.committed) {
      if (c.entry.name != e.name) continue;
      if (c.live) live = c.live;
      merging = c.merging;
    }
    for (const auto& s : m.session) {
      if (s.flushed && s.flushed->name() == e.name && s.live) live = s.live;
    }
    committed.push_back({reader, e, live, false, live, merging});
  }
  m.committed = std::move(committed);
  m.session.clear();
  // Given back, not just emptied: the budget counts the table's capacity.
  std::vector<Impl::Location>().swap(m.ids);
  std::string().swap(m.id_bytes);
  m.id_count = 0;
  m.disk_manifest = next;
  m.has_disk_manifest = true;
  ++m.stats.commits;
  m.RemoveUnreferencedFiles(false);
  if (m.options.background_merges) m.RequestMerges(held);
  if (unsynced) std::rethrow_exception(unsynced);
}

void IndexWriter::WaitForMerges() { impl_->WaitForMerges(); }

void IndexWriter::ForceMerge(size_t max_segments) {
  Impl& m = *impl_;
  m.WaitForMerges();
  // Deletions are purged from the segments there are now: a segment this
  // call (or a background merge) writes is not rewritten again for
  // deletions committed meanwhile, so that another thread deleting all the
  // time cannot keep ForceMerge from returning.
  std::set<std::string> purgeable;
  {
    // Refused before any work when the segments it would make cannot be
    // written (a merge bound to fail could take hours on an index that big).
    std::lock_guard<std::mutex> held(m.mu_);
    m.CheckUsable();
    const std::string why = merge::ForcedMergeOverLimit(m.Sizes(), max_segments, merge::ForcedMergeLimit());
    if (!why.empty()) {
      throw InvalidArgumentError("cannot merge into " + std::to_string(std::max<size_t>(max_segments, 1)) + ": " + why);
    }
    for (const auto& c : m.committed) purgeable.insert(c.entry.name);
  }
  for (;;) {
    std::vector<std::string> names;
    {
      std::unique_lock<std::mutex> held(m.mu_);
      m.CheckUsable();
      auto sizes = m.Sizes();
      for (merge::SegmentSize& s : sizes) {
        if (!purgeable.contains(s.name)) s.deleted = 0;
      }
      const auto merges = merge::FindForcedMerges(sizes, max_segments);
      if (merges.empty()) return;
      std::vector<std::string> busy;
      for (size_t i : merges[0]) {
        // Another merge (a background one a commit started since, or another
        // thread's ForceMerge) has it.
        (m.committed[i].merging ? busy : names).push_back(sizes[i].name);
      }
      if (!busy.empty()) {
        // Segments chosen are being merged: wait until those merges end
        // (publishing or failing), then choose again, rather than merge the
        // rest (perhaps one big segment rewritten for nothing).
        m.merge_cv.wait(held, [&] {
          return m.closing || m.failure || std::none_of(m.committed.begin(), m.committed.end(), [&](const auto& c) {
                   return c.merging && std::find(busy.begin(), busy.end(), c.entry.name) != busy.end();
                 });
        });
        continue;
      }
    }
    if (!m.RunMerge(names)) continue;
  }
}

IndexWriterStats IndexWriter::stats() const {
  std::lock_guard<std::mutex> held(impl_->mu_);
  return impl_->stats;
}

}  // namespace loupe
