// The Engine (engine.h): opening, the writer thread with group commit, the reader pool.
#include "store/engine.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "store/files.h"
#include "store/schema.h"

namespace smsgate::store {

namespace {

// The pragmas every connection needs. busy_timeout cannot be a bound parameter, so it
// goes through the C API instead of being pasted into SQL.
Status configure(Connection& connection, const StoreOptions& options, bool writer) {
  sqlite3_busy_timeout(connection.handle(), options.busy_timeout_ms);
  if (writer) {
    // WAL: readers keep reading while the writer commits. synchronous=FULL: the WAL is
    // fsync'd at every commit, which is what makes a returned write durable across a
    // power cut (NORMAL would only keep the database consistent, not the last commits).
    auto mode = connection.query("PRAGMA journal_mode=WAL");
    if (!mode.ok()) return mode.error();
    auto row = mode->step();
    if (!row.ok()) return row.error();
    if (!*row || mode->text(0) != "wal")
      return make_error("database cannot use WAL mode (journal_mode is " +
                        (*row ? mode->text(0) : std::string("unknown")) + ")");
    // A group commit of a few batches changes more pages than SQLite's default cache
    // (2 MiB) holds; it then spills pages to the WAL before the commit and writes them
    // again when they change once more. 16 MiB holds four batches of 1,000.
    if (auto s = connection.exec("PRAGMA cache_size=-16384"); !s.ok()) return s;
    // A WAL that grew in a burst is cut back to this when it starts over (pragmas take
    // no bound values; engine.h kWalSizeLimitBytes says the same number).
    static_assert(kWalSizeLimitBytes == 8388608);
    if (auto s = connection.exec("PRAGMA journal_size_limit=8388608"); !s.ok()) return s;
  }
  if (auto s = connection.exec("PRAGMA synchronous=FULL"); !s.ok()) return s;
  if (auto s = connection.exec("PRAGMA foreign_keys=ON"); !s.ok()) return s;
  // A reader that tried to write would be a bug; make SQLite say so.
  if (!writer) return connection.exec("PRAGMA query_only=ON");
  return ok_status();
}

// "<path>: <what went wrong>", keeping the error's code (a full disk stays one).
Error about(const std::string& path, const Error& error) {
  return Error{path + ": " + error.message, error.code};
}

// SQLite's WAL hook: after every commit, the frames now in the WAL. Takes the place of
// SQLite's automatic checkpoint (which is itself this hook), doing what it did, and
// tells the engine how big the WAL is.
int on_wal_commit(void* frames, sqlite3* db, const char* schema, int frames_in_wal) {
  *static_cast<int*>(frames) = frames_in_wal;
  if (frames_in_wal >= kCheckpointFrames)
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return SQLITE_OK;
}

// SQLite's update hook on the writing connection: notes that the batch logged events,
// so that the stream's readers are woken once it commits.
void on_row_change(void* events_in_batch, int operation, const char*, const char* table,
                   sqlite3_int64) {
  if (operation == SQLITE_INSERT && std::strcmp(table, "event_log") == 0)
    *static_cast<bool*>(events_in_batch) = true;
}

}  // namespace

// --- Opening ------------------------------------------------------------------------

Result<std::unique_ptr<Engine>> Engine::open(const std::string& path, StoreOptions options) {
  // Before SQLite sees the file: a database it creates would take the umask's mode, and
  // its -wal and -shm would copy that.
  auto file_notes = make_database_private(path);
  if (!file_notes.ok()) return file_notes.error();
  auto connection = Connection::open(path, /*create=*/true);
  if (!connection.ok()) return connection.error();
  if (auto s = configure(*connection, options, /*writer=*/true); !s.ok())
    return about(path, s.error());
  if (auto s = migrate(*connection); !s.ok()) return about(path, s.error());
  return std::unique_ptr<Engine>(
      new Engine(path, options, std::move(*connection), std::move(*file_notes)));
}

Engine::Engine(std::string path, StoreOptions options, Connection writer,
               std::vector<std::string> file_notes)
    : path_(std::move(path)),
      options_(options),
      file_notes_(std::move(file_notes)),
      writer_connection_(std::move(writer)) {
  sqlite3_wal_hook(writer_connection_.handle(), on_wal_commit, &wal_frames_);
  sqlite3_update_hook(writer_connection_.handle(), on_row_change, &events_in_batch_);
  writer_ = std::thread([this] { writer_loop(); });
}

Engine::~Engine() {
  {
    MutexLock lock(write_mutex_);
    stopping_ = true;
  }
  write_wanted_.notify_all();
  writer_.join();
}

// --- Writing: one thread, group commit ---------------------------------------------

struct Engine::WriteOp {
  std::function<Status(Connection&)> run;
  Status result = ok_status();
  bool done = false;  // guarded by write_mutex_
};

Status Engine::write(std::function<Status(Connection&)> op) {
  WriteOp pending{std::move(op)};
  MutexLock lock(write_mutex_);
  if (stopping_) return make_error("store is closing");
  write_queue_.push_back(&pending);
  write_wanted_.notify_one();
  write_done_.wait(lock.native(), [&] { return pending.done; });
  return std::move(pending.result);
}

void Engine::writer_loop() {
  std::vector<WriteOp*> batch;
  for (;;) {
    {
      MutexLock lock(write_mutex_);
      write_wanted_.wait(lock.native(), [&]() REQUIRES(write_mutex_) {
        return stopping_ || !write_queue_.empty();
      });
      // Stopping still drains what is queued: its callers are waiting for an answer.
      if (write_queue_.empty()) return;
      size_t take = std::min(write_queue_.size(), options_.max_batch);
      batch.assign(write_queue_.begin(), write_queue_.begin() + static_cast<ptrdiff_t>(take));
      write_queue_.erase(write_queue_.begin(), write_queue_.begin() + static_cast<ptrdiff_t>(take));
    }
    run_batch(batch);
    bool idle;
    {
      MutexLock lock(write_mutex_);
      for (WriteOp* op : batch) op->done = true;
      idle = write_queue_.empty();
    }
    write_done_.notify_all();
    batch.clear();
    if (idle) truncate_wal_if_grown();
  }
}

void Engine::truncate_wal_if_grown() {
  if (wal_frames_ < kCheckpointFrames) return;
  sqlite3* db = writer_connection_.handle();
  // Never wait for a reader on an old snapshot: writes queued meanwhile would wait too.
  sqlite3_busy_timeout(db, 0);
  int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_busy_timeout(db, options_.busy_timeout_ms);
  if (rc != SQLITE_OK) return;  // a reader, or the disk: the next idle moment tries again
  wal_frames_ = 0;
  wal_truncations_.fetch_add(1);
}

void Engine::run_batch(std::vector<WriteOp*>& batch) {
  Connection& db = writer_connection_;
  auto fail_all = [&](const std::string& what, const Error& error) {
    for (WriteOp* op : batch)
      if (op->result.ok()) op->result = Error{what + error.message, error.code};
  };
  // Counted once the batch is over, whichever way it ends.
  struct CountFaults {
    std::vector<WriteOp*>& batch;
    std::atomic<uint64_t>& faults;
    ~CountFaults() {
      for (WriteOp* op : batch)
        if (!op->result.ok() && op->result.error().code == ErrorCode::kStorageUnavailable)
          faults.fetch_add(1);
    }
  } count_faults{batch, storage_faults_};
  events_in_batch_ = false;
  if (auto begun = db.exec("BEGIN IMMEDIATE"); !begun.ok()) {
    fail_all("cannot start a transaction: ", begun.error());
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    WriteOp* op = batch[i];
    // A savepoint per operation: one that fails is undone alone, the others commit.
    if (auto s = db.exec("SAVEPOINT op"); !s.ok()) {
      op->result = s;
      continue;
    }
    op->result = op->run(db);
    if (op->result.ok()) {
      (void)db.exec("RELEASE op");
      continue;
    }
    // Some errors (a full disk, I/O) make SQLite roll the whole transaction back by
    // itself; then nothing of this batch can commit and the rest must not run in
    // autocommit mode behind our back.
    if (sqlite3_get_autocommit(db.handle())) {
      const Error& cause = op->result.error();
      Error lost{"transaction rolled back: " + cause.message, cause.code};
      for (size_t j = 0; j < batch.size(); ++j)
        if (j != i) batch[j]->result = lost;
      return;
    }
    (void)db.exec("ROLLBACK TO op");
    (void)db.exec("RELEASE op");
  }
  if (auto committed = db.exec("COMMIT"); !committed.ok()) {
    (void)db.exec("ROLLBACK");
    fail_all("commit failed: ", committed.error());
    return;
  }
  transactions_.fetch_add(1);
  write_operations_.fetch_add(batch.size());
  // An operation undone in its savepoint may have set it too: a wake-up that finds
  // nothing new, which costs a reader one query.
  if (events_in_batch_) {
    {
      MutexLock lock(events_mutex_);
      ++events_generation_;
    }
    events_changed_.notify_all();
  }
}

uint64_t Engine::event_generation() {
  MutexLock lock(events_mutex_);
  return events_generation_;
}

uint64_t Engine::wait_for_events(uint64_t seen, MonotonicClock::time_point deadline,
                                 std::stop_token stop) {
  MutexLock lock(events_mutex_);
  events_changed_.wait_until(lock.native(), stop, deadline,
                             [&]() REQUIRES(events_mutex_) { return events_generation_ != seen; });
  return events_generation_;
}

Status Engine::freeze_size(bool frozen) {
  // max_page_count never goes below the pages in use, so 1 means "as big as it is";
  // the other is the largest page count SQLite accepts.
  return write([frozen](Connection& db) {
    return db.exec(frozen ? "PRAGMA max_page_count=1" : "PRAGMA max_page_count=4294967294");
  });
}

// --- Reading: a pool of connections ------------------------------------------------

Result<Engine::ReaderLease> Engine::read() {
  {
    MutexLock lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      Connection connection = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(*this, std::move(connection));
    }
  }
  auto connection = Connection::open(path_, /*create=*/false);
  if (!connection.ok()) return connection.error();
  if (auto s = configure(*connection, options_, /*writer=*/false); !s.ok()) return s.error();
  return ReaderLease(*this, std::move(*connection));
}

void Engine::give_back(Connection connection) {
  MutexLock lock(readers_mutex_);
  idle_readers_.push_back(std::move(connection));
}

}  // namespace smsgate::store
