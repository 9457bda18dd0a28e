// Conversations: the console's inbox, one conversation per number that texted in or
// was texted, built from the messages and inbound messages as they are (no table of
// its own, so retention and erasure need not know of it); and a number's inbound
// texts marked read by staff. Implemented in store/conversations.cpp.
//
// Thread safety: every method may be called from any thread at the same time.
// mark_conversation_read is a write: it returns once its group commit is fsync'd
// (store/engine.h). list_conversations and conversation are reads: each answers from
// one snapshot and never waits for the writer.
//
// Cost: list_conversations groups both tables by number through their number
// indexes (messages_recipient, inbound_messages_sender) and counts unread texts
// through inbound_messages_unread, so a page costs a pass over those indexes, not
// over the texts; conversation() reads one number's rows only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

struct Conversation {
  std::string number;
  int64_t last_at = 0;    // the newest text either way: created (out) or received (in)
  std::string last_text;  // as shown: a one-time password's code masked
  bool last_inbound = false;
  int64_t unread = 0;  // inbound texts not marked read
};

struct ConversationFilter {
  // Digits of the number or words of the last text (policy/text_search.h).
  std::optional<std::string> query;
  int limit = 50;
  std::string cursor;
};

// One text of a conversation, either way.
struct ThreadItem {
  std::variant<Message, InboundMessage> text;
  int64_t at = 0;  // created_at (out) or received_at (in)
  bool inbound() const { return std::holds_alternative<InboundMessage>(text); }
};

class Conversations {
 public:
  explicit Conversations(Engine& engine) : engine_(engine) {}

  // Newest activity first (then by number), keyset-paged.
  Result<Page<Conversation>> list_conversations(const ConversationFilter& filter);
  // The texts to and from `number` (E.164 as stored), newest first, both ways
  // interleaved by time; an inbound text is placed before an outbound one of the
  // same millisecond. Empty when there are none.
  Result<Page<ThreadItem>> conversation(const std::string& number, int limit,
                                        const std::string& cursor);
  // Marks every unread inbound text from `number` read at `now`; how many were.
  Result<int64_t> mark_conversation_read(const std::string& number, int64_t now);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store
