// The Engine (engine.h): opening, the writer thread with group commit, the reader pool.
#include "store/engine.h"

#include <algorithm>
#include <utility>

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
  }
  if (auto s = connection.exec("PRAGMA synchronous=FULL"); !s.ok()) return s;
  if (auto s = connection.exec("PRAGMA foreign_keys=ON"); !s.ok()) return s;
  // A reader that tried to write would be a bug; make SQLite say so.
  if (!writer) return connection.exec("PRAGMA query_only=ON");
  return ok_status();
}

}  // namespace

// --- Opening ------------------------------------------------------------------------

Result<std::unique_ptr<Engine>> Engine::open(const std::string& path, StoreOptions options) {
  auto connection = Connection::open(path, /*create=*/true);
  if (!connection.ok()) return connection.error();
  if (auto s = configure(*connection, options, /*writer=*/true); !s.ok())
    return make_error(path + ": " + s.error().message);
  if (auto s = migrate(*connection); !s.ok()) return make_error(path + ": " + s.error().message);
  return std::unique_ptr<Engine>(new Engine(path, options, std::move(*connection)));
}

Engine::Engine(std::string path, StoreOptions options, Connection writer)
    : path_(std::move(path)), options_(options), writer_connection_(std::move(writer)) {
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
    {
      MutexLock lock(write_mutex_);
      for (WriteOp* op : batch) op->done = true;
    }
    write_done_.notify_all();
    batch.clear();
  }
}

void Engine::run_batch(std::vector<WriteOp*>& batch) {
  Connection& db = writer_connection_;
  auto fail_all = [&](const Error& error) {
    for (WriteOp* op : batch)
      if (op->result.ok()) op->result = error;
  };
  if (auto begun = db.exec("BEGIN IMMEDIATE"); !begun.ok()) {
    fail_all(make_error("cannot start a transaction: " + begun.error().message));
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
      Error lost = make_error("transaction rolled back: " + op->result.error().message);
      for (size_t j = 0; j < batch.size(); ++j)
        if (j != i) batch[j]->result = lost;
      return;
    }
    (void)db.exec("ROLLBACK TO op");
    (void)db.exec("RELEASE op");
  }
  if (auto committed = db.exec("COMMIT"); !committed.ok()) {
    (void)db.exec("ROLLBACK");
    fail_all(make_error("commit failed: " + committed.error().message));
    return;
  }
  transactions_.fetch_add(1);
  write_operations_.fetch_add(batch.size());
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
