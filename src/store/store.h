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
// A Store is all of them: `store.submit(...)` works, and so does passing it where a
// component asks for the one view it uses (auth:: takes Credentials&,
// webhook::Deliverer takes Webhooks&). Records are in store/types.h.
//
// Thread safety: every method may be called from any thread at the same time. The
// destructor must not race with calls; it finishes queued writes, then closes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "store/credentials.h"
#include "store/engine.h"
#include "store/inbound.h"
#include "store/modems.h"
#include "store/outbound.h"
#include "store/types.h"
#include "store/webhooks.h"

namespace smsgate::store {

class Store : public Outbound, public Inbound, public Modems, public Webhooks, public Credentials {
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

  // Transactions the writer has committed (group commits), and the write operations
  // they carried; operations / transactions is the grouping achieved.
  uint64_t transactions() const { return engine_->transactions(); }
  uint64_t write_operations() const { return engine_->write_operations(); }

 private:
  std::unique_ptr<Engine> engine_;
};

}  // namespace smsgate::store
