// The Store's machinery: opening, the writer thread with group commit, the reader
// pool, and the helpers the operation files share.
#include "store/store.h"

#include <array>
#include <utility>

#include "store/internal.h"
#include "store/schema.h"

namespace smsgate::store {

namespace {

constexpr std::array<std::string_view, kMessageStatusCount> kMessageStatusNames = {
    "queued", "scheduled", "sending", "sent", "delivered", "failed", "expired", "cancelled"};
constexpr std::array<std::string_view, 5> kPartStatusNames = {"queued", "submitting", "sent",
                                                              "delivered", "failed"};

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

std::string_view message_status_name(MessageStatus status) {
  return kMessageStatusNames[static_cast<size_t>(status)];
}

std::optional<MessageStatus> parse_message_status(std::string_view name) {
  for (size_t i = 0; i < kMessageStatusNames.size(); ++i)
    if (kMessageStatusNames[i] == name) return static_cast<MessageStatus>(i);
  return std::nullopt;
}

bool is_final(MessageStatus status) {
  return status != MessageStatus::kQueued && status != MessageStatus::kScheduled &&
         status != MessageStatus::kSending;
}

std::string_view part_status_name(PartStatus status) {
  return kPartStatusNames[static_cast<size_t>(status)];
}

std::optional<PartStatus> parse_part_status(std::string_view name) {
  for (size_t i = 0; i < kPartStatusNames.size(); ++i)
    if (kPartStatusNames[i] == name) return static_cast<PartStatus>(i);
  return std::nullopt;
}

// --- Opening ------------------------------------------------------------------------

Result<std::unique_ptr<Store>> Store::open(const std::string& path, StoreOptions options) {
  auto connection = Connection::open(path, /*create=*/true);
  if (!connection.ok()) return connection.error();
  if (auto s = configure(*connection, options, /*writer=*/true); !s.ok())
    return make_error(path + ": " + s.error().message);
  if (auto s = migrate(*connection); !s.ok()) return make_error(path + ": " + s.error().message);
  return std::unique_ptr<Store>(new Store(path, options, std::move(*connection)));
}

Store::Store(std::string path, StoreOptions options, Connection writer)
    : path_(std::move(path)), options_(options), writer_connection_(std::move(writer)) {
  writer_ = std::thread([this] { writer_loop(); });
}

Store::~Store() {
  {
    std::lock_guard lock(write_mutex_);
    stopping_ = true;
  }
  write_wanted_.notify_all();
  writer_.join();
}

// --- Writing: one thread, group commit ---------------------------------------------

struct Store::WriteOp {
  std::function<Status(Connection&)> run;
  Status result = ok_status();
  bool done = false;  // guarded by write_mutex_
};

Status Store::write(std::function<Status(Connection&)> op) {
  WriteOp pending{std::move(op)};
  std::unique_lock lock(write_mutex_);
  if (stopping_) return make_error("store is closing");
  write_queue_.push_back(&pending);
  write_wanted_.notify_one();
  write_done_.wait(lock, [&] { return pending.done; });
  return std::move(pending.result);
}

void Store::writer_loop() {
  std::vector<WriteOp*> batch;
  for (;;) {
    {
      std::unique_lock lock(write_mutex_);
      write_wanted_.wait(lock, [&] { return stopping_ || !write_queue_.empty(); });
      // Stopping still drains what is queued: its callers are waiting for an answer.
      if (write_queue_.empty()) return;
      size_t take = std::min(write_queue_.size(), options_.max_batch);
      batch.assign(write_queue_.begin(), write_queue_.begin() + static_cast<ptrdiff_t>(take));
      write_queue_.erase(write_queue_.begin(), write_queue_.begin() + static_cast<ptrdiff_t>(take));
    }
    run_batch(batch);
    {
      std::lock_guard lock(write_mutex_);
      for (WriteOp* op : batch) op->done = true;
    }
    write_done_.notify_all();
    batch.clear();
  }
}

void Store::run_batch(std::vector<WriteOp*>& batch) {
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

Result<Store::ReaderLease> Store::read() {
  {
    std::lock_guard lock(readers_mutex_);
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

void Store::give_back(Connection connection) {
  std::lock_guard lock(readers_mutex_);
  idle_readers_.push_back(std::move(connection));
}

// --- Shared helpers ------------------------------------------------------------------

namespace detail {

policy::Category read_category(const Query& row, int column) {
  return policy::parse_category(row.text(column)).value_or(policy::Category::kTransactional);
}

Message read_message(const Query& row, int c) {
  Message m;
  m.id = row.int64(c + 0);
  m.to = row.text(c + 1);
  m.text = row.text(c + 2);
  m.category = read_category(row, c + 3);
  m.priority = row.int32(c + 4);
  m.status = parse_message_status(row.text(c + 5)).value_or(MessageStatus::kFailed);
  m.send_at = row.optional_int64(c + 6);
  m.expires_at = row.optional_int64(c + 7);
  m.created_at = row.int64(c + 8);
  m.updated_at = row.int64(c + 9);
  m.status_report = row.boolean(c + 10);
  m.expect_reply = row.boolean(c + 11);
  m.reply_window_ms = row.int64(c + 12);
  m.external_id = row.optional_text(c + 13);
  m.modem_pin = row.optional_text(c + 14);
  m.idempotency_key = row.optional_text(c + 15);
  m.encoding = row.text(c + 16);
  m.part_count = row.int32(c + 17);
  m.failure_reason = row.optional_text(c + 18);
  m.attempts = row.int32(c + 19);
  m.next_attempt_at = row.optional_int64(c + 20);
  m.due_at = row.int64(c + 21);
  m.assigned_modem = row.optional_text(c + 22);
  m.sent_at = row.optional_int64(c + 23);
  return m;
}

Part read_part(const Query& row, int c) {
  Part p;
  p.id = row.int64(c + 0);
  p.message_id = row.int64(c + 1);
  p.number = row.int32(c + 2);
  p.pdu_hex = row.text(c + 3);
  p.tpdu_length = row.int32(c + 4);
  p.status = parse_part_status(row.text(c + 5)).value_or(PartStatus::kFailed);
  p.modem = row.optional_text(c + 6);
  if (!row.is_null(c + 7)) p.tp_mr = row.int32(c + 7);
  p.submitted_at = row.optional_int64(c + 8);
  p.sent_at = row.optional_int64(c + 9);
  p.delivered_at = row.optional_int64(c + 10);
  if (!row.is_null(c + 11)) p.report_status = row.int32(c + 11);
  p.failure_reason = row.optional_text(c + 12);
  return p;
}

Result<std::optional<Message>> load_message(Connection& db, int64_t id) {
  auto q = db.query("SELECT " SMSGATE_MESSAGE_COLUMNS " FROM messages m WHERE m.id = ?");
  if (!q.ok()) return q.error();
  q->bind(id);
  auto row = q->step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<Message>();
  return std::optional<Message>(read_message(*q));
}

Result<std::vector<Part>> load_parts(Connection& db, int64_t message_id) {
  auto q = db.query("SELECT " SMSGATE_PART_COLUMNS
                    " FROM parts p WHERE p.message_id = ? ORDER BY p.number");
  if (!q.ok()) return q.error();
  q->bind(message_id);
  std::vector<Part> parts;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return parts;
    parts.push_back(read_part(*q));
  }
}

Status add_history(Connection& db, int64_t message_id, int64_t at, MessageStatus status,
                   std::string_view reason) {
  auto q = db.query("INSERT INTO status_history (message_id, at, status, reason) VALUES (?,?,?,?)");
  if (!q.ok()) return q.error();
  return q->bind_all(message_id, at, message_status_name(status), reason).run();
}

Status change_status(Connection& db, int64_t message_id, MessageStatus status,
                     std::string_view reason, int64_t at, bool failure) {
  auto q = db.query(
      "UPDATE messages SET status = ?1, updated_at = ?2, "
      "failure_reason = CASE WHEN ?3 THEN ?4 ELSE failure_reason END WHERE id = ?5");
  if (!q.ok()) return q.error();
  if (auto s = q->bind_all(message_status_name(status), at, failure, reason, message_id).run();
      !s.ok())
    return s;
  if (auto s = add_history(db, message_id, at, status, reason); !s.ok()) return s;
  return enqueue_message_event(db, message_id, status, reason, at);
}

Error no_such(std::string_view what, int64_t id) {
  return make_error("no " + std::string(what) + " " + std::to_string(id));
}

}  // namespace detail

}  // namespace smsgate::store
