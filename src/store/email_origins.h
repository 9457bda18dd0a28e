// EmailOrigins: where each message that came by email came from (the envelope's sender,
// the mail's Message-ID and subject), so that its delivery report or a reply can later
// be mailed back in the same thread. Implemented in store/email_origins.cpp.
//
// The messages are composed and checked by the intake (dispatch/intake.h,
// Intake::submit_with) and inserted here with their origins in one transaction: a
// message never exists without its origin nor an origin without its message. An
// origin goes with its message (ON DELETE CASCADE), so retention and the erasure of a
// number take it too.
//
// Thread safety: every method may be called from any thread at the same time.
// submit_from_email is a write: it returns once its group commit is fsync'd
// (store/engine.h). email_origin is a read from one snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

struct EmailOrigin {
  std::string envelope_from;                   // MAIL FROM's address; empty for the null sender <>
  std::optional<std::string> mail_message_id;  // without angle brackets
  std::optional<std::string> subject;          // decoded
  friend bool operator==(const EmailOrigin&, const EmailOrigin&) = default;
};

class EmailOrigins {
 public:
  explicit EmailOrigins(Engine& engine) : engine_(engine) {}

  // Inserts `messages` as Outbound::submit does, each with `origin`. A message whose
  // idempotency key was known is the stored one and keeps the origin it has.
  Result<std::vector<SubmitResult>> submit_from_email(const std::vector<NewMessage>& messages,
                                                      const EmailOrigin& origin, int64_t now);

  // The origin of message `message_id`; none when it did not come by email.
  Result<std::optional<EmailOrigin>> email_origin(int64_t message_id);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store
