// Store: the durable queue and everything else smsgated keeps (DESIGN.md, src/store/):
// outbound messages and their parts, status history, inbound SMS, status reports,
// opt-outs, modems, credentials, webhooks. One SQLite file in WAL mode; schema in
// store/schema.h.
//
// Guarantees (store/engine.h says how):
// - Group commit: one writer thread runs every write queued at the same moment in one
//   transaction, each in its own savepoint (one that fails is undone alone), with one
//   fsync for all of them; transactions() and write_operations() show the grouping.
// - 2xx means fsync'd: a write returns only after its transaction is on disk
//   (synchronous=FULL), so what the API acknowledged survives a power cut.
// - Reads never block: each answers from a WAL snapshot on a pooled connection, and
//   sees every write that returned before it started.
// - No clock inside: every method that needs "now" takes it (milliseconds since the
//   epoch), so policies are tested with a manual clock.
// - Bad input (an unknown id, a malformed number, a transition the message's status
//   does not allow) is an Error naming what is wrong, and changes nothing.
//
// The methods come in views over one Engine, each in its own header, each saying
// which of its methods are writes and which are reads. A view holds nothing but a
// reference to the Engine, which must outlive it:
//   Outbound     store/outbound.h     submitting, dispatching, every status transition
//   Inbound      store/inbound.h      status reports, received messages, opt-outs
//   Modems       store/modems.h       modems seen, sending stopped by staff
//   Webhooks     store/webhooks.h     subscriptions, the outbox, delivery attempts
//   Credentials  store/credentials.h  API keys, settings, one-time password codes
//   Retention    store/retention.h    old rows deleted by age, one number erased
//   People       store/people.h       console users, their sessions, the audit log
//   Events       store/events.h       the event log the event stream reads
//   Conversations store/conversations.h the inbox by number, inbound texts read
//   Templates    store/templates.h    message templates by name
//   Alarms       store/alarms.h       modems' balance checks and alarms
//   Rules        store/rules.h        auto-reply rules, the replies they sent
//   Appointments store/appointments.h appointments and the messages sent for them
//   Contacts     store/contacts.h     contacts by number, their groups
//   EmailOrigins store/email_origins.h where messages that came by email came from
//   Mail         store/mail.h         the mail outbox, SMS to email rules
// A Store is all of them: `store.submit(...)` works, and so does passing it where a
// component asks for the one view it uses (auth:: takes Credentials&,
// webhook::Deliverer takes Webhooks&). Records are in store/types.h.
//
// Thread safety: every method may be called from any thread at the same time. The
// destructor must not race with calls; it finishes queued writes, then closes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "store/alarms.h"
#include "store/appointments.h"
#include "store/contacts.h"
#include "store/conversations.h"
#include "store/credentials.h"
#include "store/email_origins.h"
#include "store/engine.h"
#include "store/events.h"
#include "store/inbound.h"
#include "store/mail.h"
#include "store/modems.h"
#include "store/outbound.h"
#include "store/people.h"
#include "store/retention.h"
#include "store/rules.h"
#include "store/templates.h"
#include "store/types.h"
#include "store/webhooks.h"

namespace smsgate::store {

// The outbound queue at a glance (Store::queue_state), for the health route.
struct QueueState {
  int64_t due = 0;                       // queued or scheduled, due now, waiting for a modem
  int64_t sending = 0;                   // claimed by a modem
  std::optional<int64_t> oldest_due_at;  // the earliest due time among `due`
  friend bool operator==(const QueueState&, const QueueState&) = default;
};

class Store : public Outbound,
              public Inbound,
              public Modems,
              public Webhooks,
              public Credentials,
              public Retention,
              public People,
              public Events,
              public Conversations,
              public Templates,
              public Alarms,
              public Rules,
              public Appointments,
              public Contacts,
              public EmailOrigins,
              public Mail {
 public:
  // Opens or creates the database at `path`, applies missing migrations, starts the
  // writer thread. Errors when the file cannot be opened or its schema is newer.
  static Result<std::unique_ptr<Store>> open(const std::string& path, StoreOptions options = {});
  // The views are bound to `*engine` before the Store takes it over; it stays at its
  // heap address, so they stay valid.
  explicit Store(std::unique_ptr<Engine> engine);

  Outbound& outbound() { return *this; }
  Inbound& inbound() { return *this; }
  Modems& modems() { return *this; }
  Webhooks& webhooks() { return *this; }
  Credentials& credentials() { return *this; }
  Retention& retention() { return *this; }
  People& people() { return *this; }
  Events& events() { return *this; }
  Conversations& conversations() { return *this; }
  Templates& templates() { return *this; }
  Alarms& alarms() { return *this; }
  Rules& rules() { return *this; }
  Appointments& appointments() { return *this; }
  Contacts& contacts() { return *this; }
  EmailOrigins& email_origins() { return *this; }
  Mail& mail() { return *this; }

  // Transactions the writer has committed (group commits), and the write operations
  // they carried; operations / transactions is the grouping achieved.
  uint64_t transactions() const { return engine_->transactions(); }
  uint64_t write_operations() const { return engine_->write_operations(); }
  // Write operations refused by a fault of the disk (full, I/O error).
  uint64_t storage_faults() const { return engine_->storage_faults(); }

  // Files found open to group or others when the store opened, and what was done
  // (store/files.h); for the log.
  const std::vector<std::string>& file_notes() const { return engine_->file_notes(); }

  // Whether a submission could be stored now. A real write, group-committed with the
  // others: a 64 KiB row made and undone in a savepoint (does the database have room
  // to grow?) and one small row rewritten (can the WAL be written and synced?). A
  // success is reused for a second (kWritableReuse) unless a write failed on the disk
  // since, so a flood of health checks costs at most one commit a second; a failure is
  // looked at again each time, so that space coming back shows at once.
  // Errors: what the disk said, code kStorageUnavailable (or kStorage).
  Status check_writable();
  static constexpr std::chrono::milliseconds kWritableReuse{1000};

  // Read: how many messages wait, are being sent, and since when the oldest due one
  // has waited, at `now` (ms since the epoch).
  Result<QueueState> queue_state(int64_t now);

  // Tests: while frozen the database cannot grow (engine.h freeze_size).
  Status freeze_size(bool frozen) { return engine_->freeze_size(frozen); }

 private:
  std::unique_ptr<Engine> engine_;

  struct WritableCheck {
    MonotonicClock::time_point at;
    uint64_t storage_faults = 0;  // the engine's count when it was made
    Status result = ok_status();
  };
  Mutex writable_mutex_;
  std::optional<WritableCheck> last_writable_check_ GUARDED_BY(writable_mutex_);
  uint64_t write_probes_ GUARDED_BY(writable_mutex_) = 0;
};

}  // namespace smsgate::store
