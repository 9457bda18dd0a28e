// The Store: one Engine, offered through every view.
#include "store/store.h"

#include <string>
#include <utility>

#include "store/internal.h"

namespace smsgate::store {

namespace {

// Store::check_writable's write: see store.h.
Status probe_write(Connection& db, uint64_t probe) {
  // In memory only (nothing of it is committed), yet it fails as a submission would when
  // the database may not grow: 64 KiB is more than a batch of messages needs at once.
  if (auto s = db.exec("SAVEPOINT room"); !s.ok()) return s;
  Status room =
      db.exec("INSERT INTO settings (key, value) VALUES ('store_room_probe', zeroblob(65536))");
  (void)db.exec("ROLLBACK TO room");
  (void)db.exec("RELEASE room");
  if (!room.ok()) return room;
  // Committed: the WAL is written and synced.
  auto q = db.query(
      "INSERT INTO settings (key, value) VALUES ('store_write_probe', ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!q.ok()) return q.error();
  return q->bind(std::to_string(probe)).run();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, StoreOptions options) {
  auto engine = Engine::open(path, options);
  if (!engine.ok()) return engine.error();
  return std::make_unique<Store>(std::move(*engine));
}

Store::Store(std::unique_ptr<Engine> engine)
    : Outbound(*engine),
      Inbound(*engine),
      Modems(*engine),
      Webhooks(*engine),
      Credentials(*engine),
      Retention(*engine),
      People(*engine),
      Events(*engine),
      Conversations(*engine),
      Templates(*engine),
      Alarms(*engine),
      Rules(*engine),
      Appointments(*engine),
      Contacts(*engine),
      EmailOrigins(*engine),
      Mail(*engine),
      engine_(std::move(engine)) {}

Status Store::check_writable() {
  auto now = MonotonicClock::now();
  uint64_t probe = 0;
  {
    MutexLock lock(writable_mutex_);
    const auto& last = last_writable_check_;
    // A failure is looked at again every time: space may have come back, and a probe
    // that fails costs no fsync.
    if (last && last->result.ok() && now - last->at < kWritableReuse &&
        last->storage_faults == storage_faults())
      return last->result;
    probe = ++write_probes_;
  }
  Status result = engine_->write([probe](Connection& db) { return probe_write(db, probe); });
  MutexLock lock(writable_mutex_);
  last_writable_check_ = WritableCheck{now, storage_faults(), result};
  return result;
}

Result<QueueState> Store::queue_state(int64_t now) {
  auto db = engine_->read();
  if (!db.ok()) return db.error();
  auto snapshot = detail::ReadSnapshot::begin(**db);
  if (!snapshot.ok()) return snapshot.error();
  QueueState state;
  // Both on indexes: messages_due holds only the waiting, messages_status the rest.
  auto due = (*db)->query(
      "SELECT count(*), min(due_at) FROM messages "
      "WHERE status IN ('queued','scheduled') AND due_at <= ?");
  if (!due.ok()) return due.error();
  auto row = due->bind(now).step();
  if (!row.ok()) return row.error();
  state.due = due->int64(0);
  state.oldest_due_at = due->optional_int64(1);
  auto sending = (*db)->query("SELECT count(*) FROM messages WHERE status = 'sending'");
  if (!sending.ok()) return sending.error();
  row = sending->step();
  if (!row.ok()) return row.error();
  state.sending = sending->int64(0);
  return state;
}

}  // namespace smsgate::store
