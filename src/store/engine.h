// Engine: the store's one SQLite file and the two ways in, which every view
// (store/outbound.h, inbound.h, modems.h, webhooks.h, credentials.h) goes through.
// Opening configures the file (WAL, synchronous=FULL) and applies missing migrations
// (store/schema.h); engine.cpp also holds the writer thread and the reader pool.
//
// Writes. Every change runs on ONE writer thread that owns the only writing
// connection. Callers from any thread queue their operation with write() and block;
// the writer takes everything queued, runs it in one transaction (each operation in
// its own savepoint, so one that fails is undone alone and changes nothing), commits
// with one fsync (synchronous=FULL), and only then wakes the callers. So a write that
// returned is on disk (the "2xx means fsync'd" guarantee), and a hundred API requests
// arriving together share one fsync instead of paying for a hundred (group commit;
// transactions() counts the commits).
//
// Reads never block the writer or each other: WAL gives each reader a snapshot. read()
// lends a connection from a small pool (one per concurrently reading thread, opened on
// demand), given back when the lease ends. A read started after a write returned sees
// that write.
//
// The WAL stays small: SQLite checkpoints it every kCheckpointFrames frames, and once
// a burst is over (nothing queued) and the WAL holds that many frames, the writer
// checkpoints it whole and truncates it, without waiting for readers (if one holds an
// old snapshot, the next idle moment tries again). journal_size_limit caps what an
// emptied WAL keeps on disk when truncating was not possible.
//
// Faults of the disk (full, I/O errors, a file that cannot be opened or written) come
// back as ErrorCode::kStorageUnavailable (store/sqlite.h error_code_for); the write
// that met one changed nothing, and the next write tries the disk again.
//
// Events: a commit that added rows to the event log (store/events.h) moves
// event_generation() on and wakes wait_for_events(), after its fsync; so a reader of
// the log (the event stream) waits for new rows instead of polling for them.
//
// Files: the database, its -wal and -shm are made private (0600) before every open,
// whatever the umask (store/files.h); file_notes() says what was found open to others.
//
// Thread safety: write(), read() and the counters may be called from any thread at the
// same time. The destructor must not race with calls; it finishes queued writes, then
// closes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "store/sqlite.h"

namespace smsgate::store {

struct StoreOptions {
  // How long a connection waits for another process's lock (the CLI's `apikey create`
  // running next to the daemon) before giving up.
  int busy_timeout_ms = 5000;
  // Upper bound on operations per group commit, so one transaction cannot grow without
  // limit under a flood; the rest wait for the next commit.
  size_t max_batch = 1024;
};

// SQLite's own default for its automatic checkpoints: 1000 pages, 4 MiB of WAL.
inline constexpr int kCheckpointFrames = 1000;
// What an emptied WAL may keep on disk (PRAGMA journal_size_limit): twice the WAL
// between two automatic checkpoints.
inline constexpr int64_t kWalSizeLimitBytes = 8 << 20;

class Engine {
 public:
  // Opens or creates the database at `path`, applies missing migrations, starts the
  // writer thread. Errors when the file cannot be opened or its schema is newer.
  static Result<std::unique_ptr<Engine>> open(const std::string& path, StoreOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs `op` on the writer thread inside the next group transaction and waits until
  // that transaction committed (or failed). `op` must not block.
  Status write(std::function<Status(Connection&)> op);

  // A pooled reader connection, given back to the pool when the lease ends.
  class ReaderLease {
   public:
    ReaderLease(Engine& engine, Connection connection)
        : engine_(&engine), connection_(std::move(connection)) {}
    ReaderLease(ReaderLease&& other) noexcept
        : engine_(std::exchange(other.engine_, nullptr)),
          connection_(std::move(other.connection_)) {}
    ReaderLease& operator=(ReaderLease&&) = delete;
    ~ReaderLease() {
      if (engine_) engine_->give_back(std::move(connection_));
    }
    Connection& operator*() { return connection_; }
    Connection* operator->() { return &connection_; }

   private:
    Engine* engine_;
    Connection connection_;
  };

  // A reader connection for the calling thread's use; back to the pool on destruction.
  Result<ReaderLease> read();

  // Transactions the writer has committed (group commits), and the write operations
  // they carried; operations / transactions is the grouping achieved.
  uint64_t transactions() const { return transactions_.load(); }
  uint64_t write_operations() const { return write_operations_.load(); }
  // Write operations that failed on a fault of the disk (kStorageUnavailable).
  uint64_t storage_faults() const { return storage_faults_.load(); }
  // Checkpoints that emptied the WAL after a burst.
  uint64_t wal_truncations() const { return wal_truncations_.load(); }

  // Moves on after each commit that added rows to event_log.
  uint64_t event_generation();
  // Waits until event_generation() is no longer `seen`, `deadline` passes or `stop` is
  // requested; gives the generation then.
  uint64_t wait_for_events(uint64_t seen, MonotonicClock::time_point deadline,
                           std::stop_token stop);

  // What opening found wrong with the files' modes and fixed (store/files.h), for the
  // log; empty when all was private.
  const std::vector<std::string>& file_notes() const { return file_notes_; }

  // While frozen, the database cannot grow beyond the pages it has now (SQLite's
  // max_page_count on the writing connection): a write that needs more fails as on a
  // full disk. For tests that fill the disk and free it again.
  Status freeze_size(bool frozen);

 private:
  struct WriteOp;

  Engine(std::string path, StoreOptions options, Connection writer,
         std::vector<std::string> file_notes);

  void writer_loop();
  void run_batch(std::vector<WriteOp*>& batch);
  // After a burst: checkpoint the whole WAL and truncate it, when it has grown.
  void truncate_wal_if_grown();
  void give_back(Connection connection);

  const std::string path_;
  const StoreOptions options_;
  const std::vector<std::string> file_notes_;
  Connection writer_connection_;  // only the writer thread touches it after open()
  // Frames in the WAL after the last commit (SQLite's WAL hook tells); writer thread.
  int wal_frames_ = 0;

  Mutex write_mutex_;
  std::condition_variable write_wanted_;  // the writer waits for work
  std::condition_variable write_done_;    // callers wait for their commit
  std::vector<WriteOp*> write_queue_ GUARDED_BY(write_mutex_);
  bool stopping_ GUARDED_BY(write_mutex_) = false;

  // Set by SQLite's update hook when an operation of the running batch inserted into
  // event_log; writer thread only.
  bool events_in_batch_ = false;
  Mutex events_mutex_;
  std::condition_variable_any events_changed_;
  uint64_t events_generation_ GUARDED_BY(events_mutex_) = 0;

  Mutex readers_mutex_;
  std::vector<Connection> idle_readers_ GUARDED_BY(readers_mutex_);

  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> write_operations_{0};
  std::atomic<uint64_t> storage_faults_{0};
  std::atomic<uint64_t> wal_truncations_{0};
  std::thread writer_;
};

}  // namespace smsgate::store
