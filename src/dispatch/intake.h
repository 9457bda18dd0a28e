// Intake: the one road in for every new message, whoever asks (the HTTP API, one-time
// passwords, the console, the demo, appointments; later email and auto-replies). Each rule of
// taking a message in is written here once:
//
//   1. fill in a named template with the request's variables and, when the recipient is
//      a contact (store/contacts.h), the contact's: its name, number, language and
//      fields, which win over the request's (policy/message_template.h); normalise the
//      recipient to E.164 and plan and encode the text (compose.h);
//   2. check that a pinned modem exists;
//   3. refuse a recipient who opted out, for every category that the opt-out blocks
//      (policy::blocked_by_optout: all but OTP), with `recipient_opted_out`; the one
//      exception is the confirmation of the opt-out itself (confirms_optout, sent by
//      dispatch/autoreply.h), let through only while the opt-out is younger than
//      kOptOutConfirmationMs, and logged;
//   4. submit to the store (on disk when this returns: DESIGN.md "Guarantees");
//   5. wake the dispatcher when something is due now. Scheduled messages are found by
//      the dispatcher when their time comes; waking it for each of thousands of
//      reminders submitted for next week would make it look for work for nothing.
//
// Errors name the field at fault ("to: ...") and carry the API's code where one is
// more precise than the field's (unknown_modem, recipient_opted_out); nothing is
// stored when there is an error.
//
// Intake knows nothing of HTTP: a caller reads its own input into OutgoingRequests.
//
// Thread safety: every method may be called from any thread at the same time; the
// store serialises the writes. The store must outlive the Intake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "auth/otp.h"
#include "common/result.h"
#include "dispatch/compose.h"
#include "store/store.h"

namespace smsgate::dispatch {

// A message taken in: as the store has it, and the recipient in E.164.
struct Accepted {
  store::SubmitResult stored;
  std::string to;
};

// A send to a group taken in: one message per member who has not opted out.
struct GroupAccepted {
  std::vector<Accepted> messages;
  int64_t skipped_opted_out = 0;
};

class Intake final : public auth::OtpSender {
 public:
  // How long after an opt-out its confirmation may still go.
  static constexpr int64_t kOptOutConfirmationMs = 10 * 60 * 1000;

  // `wake_dispatcher` tells the dispatcher that something may be due (empty: nobody
  // to tell, as in tests of the intake alone).
  Intake(store::Store& store, ComposeDefaults defaults, std::function<void()> wake_dispatcher);

  const ComposeDefaults& defaults() const { return defaults_; }

  // The text a stored template gives with `variables`, and its category. Errors name
  // the field: "template" (no such template), "variables.<name>" (missing, or not a
  // time where the template formats one).
  struct Rendered {
    std::string text;
    std::optional<policy::Category> category;
  };
  Result<Rendered> render(const std::string& template_name,
                          const policy::TemplateVariables& variables);

  // One message.
  Result<Accepted> submit(const OutgoingRequest& request, int64_t now);

  // Many messages in one transaction, all or none. An item is a request, or the
  // reason its caller could not read it. The error reported is the first in order,
  // as if each item were checked in turn (so an opted-out recipient before an
  // unreadable item is the one reported); `item_name(i)` prefixes the message and
  // field of the errors found here ("messages[3]." gives "messages[3].to: ...").
  Result<std::vector<Accepted>> submit_batch(std::vector<Result<OutgoingRequest>> items,
                                             int64_t now,
                                             const std::function<std::string(size_t)>& item_name);

  // As submit_batch, but the composed messages are stored by `store_them`, a write of
  // the store that inserts them together with rows of its own in one transaction (an
  // appointment and its links). It may get no messages; it returns one result each.
  using StoreMessages =
      std::function<Result<std::vector<store::SubmitResult>>(std::vector<store::NewMessage>)>;
  Result<std::vector<Accepted>> submit_with(std::vector<Result<OutgoingRequest>> items, int64_t now,
                                            const std::function<std::string(size_t)>& item_name,
                                            const StoreMessages& store_them);
  // One message per member of the contact group `group`, in one transaction, all or
  // none: `request` with each member's number as `to` and, for a template, each
  // member's variables over the request's (the request's are defaults). Members who
  // opted out are skipped and counted. Errors: kNotFound for no such group,
  // "group" for one without members, the first member's error otherwise, its number
  // in the message ("variables.room: missing ... for +4917...").
  Result<GroupAccepted> submit_to_group(const std::string& group, const OutgoingRequest& request,
                                        int64_t now);

  // auth::OtpSender: the one-time password's message, sent with its code's hash.
  Result<auth::OtpIssued> send_code(const auth::OtpMessage& message, int64_t now) override;

 private:
  // `contact`: the recipient's, whose variables a template takes; none: looked up by
  // the recipient's number.
  Result<store::NewMessage> compose(const OutgoingRequest& request, int64_t now,
                                    const store::ContactRecord* contact = nullptr);
  // Of `messages`, the index of the first whose recipient opted out; one read for all.
  // A message whose `confirms[i]` is set passes while its recipient's opt-out is fresh.
  Result<std::optional<size_t>> first_opted_out(const std::vector<store::NewMessage>& messages,
                                                const std::vector<bool>& confirms, int64_t now);
  void wake_if_due(const std::vector<store::SubmitResult>& stored);

  store::Store& store_;
  const ComposeDefaults defaults_;
  const policy::TimeZone zone_;  // defaults_.timezone
  const std::function<void()> wake_dispatcher_;
};

// The error for a send to a number that opted out.
Error opted_out_error(const std::string& to);

}  // namespace smsgate::dispatch
