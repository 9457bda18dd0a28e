#include "store/email_origins.h"

#include "store/internal.h"

namespace smsgate::store {

Result<std::vector<SubmitResult>> EmailOrigins::submit_from_email(
    const std::vector<NewMessage>& messages, const EmailOrigin& origin, int64_t now) {
  if (messages.empty()) return std::vector<SubmitResult>();
  for (const NewMessage& message : messages)
    if (auto s = detail::validate_new_message(message); !s.ok()) return s.error();
  std::vector<SubmitResult> submitted;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto inserted = detail::insert_messages(db, messages, now);
    if (!inserted.ok()) return inserted.error();
    for (const SubmitResult& result : *inserted) {
      if (result.existing) continue;
      auto q = db.query(
          "INSERT INTO email_origins (message_id, envelope_from, mail_message_id, subject) "
          "VALUES (?1, ?2, ?3, ?4)");
      if (!q.ok()) return q.error();
      if (auto s =
              q->bind_all(result.id, origin.envelope_from, origin.mail_message_id, origin.subject)
                  .run();
          !s.ok())
        return s;
    }
    submitted = std::move(*inserted);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return submitted;
}

Result<std::optional<EmailOrigin>> EmailOrigins::email_origin(int64_t message_id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto q = (*db)->query(
      "SELECT envelope_from, mail_message_id, subject FROM email_origins WHERE message_id = ?1");
  if (!q.ok()) return q.error();
  q->bind_all(message_id);
  return detail::read_first(*q, [](const Query& row) {
    return EmailOrigin{row.text(0), row.optional_text(1), row.optional_text(2)};
  });
}

}  // namespace smsgate::store
