#include "store/conversations.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <tuple>

#include "policy/text_search.h"
#include "store/event_json.h"
#include "store/internal.h"

namespace smsgate::store {

using namespace detail;

namespace {

// Cursors name the last item shown; a tag letter tells the lists apart. The number is
// in hex, so that a cursor needs no escaping in a URL ("+", alphanumeric senders).
std::string conversation_cursor(const Conversation& c) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string cursor = "c" + std::to_string(c.last_at) + ".";
  for (unsigned char byte : c.number) {
    cursor += kHex[byte >> 4];
    cursor += kHex[byte & 0xf];
  }
  return cursor;
}

struct ConversationKey {
  int64_t last_at = INT64_MAX;
  std::string number;  // "" before every number
};

Result<ConversationKey> parse_conversation_cursor(const std::string& cursor) {
  if (cursor.empty()) return ConversationKey{};
  auto refused = [&] {
    return make_error("cursor: \"" + cursor + "\" is not a cursor of this list");
  };
  ConversationKey key;
  const size_t dot = cursor.find('.');
  if (cursor.size() < 5 || cursor[0] != 'c' || dot == std::string::npos ||
      (cursor.size() - dot - 1) % 2 != 0 || dot + 1 == cursor.size())
    return refused();
  const char* end = cursor.data() + dot;
  if (std::from_chars(cursor.data() + 1, end, key.last_at).ptr != end) return refused();
  for (size_t i = dot + 1; i < cursor.size(); i += 2) {
    unsigned value = 0;
    const char* first = cursor.data() + i;
    auto [next, error] = std::from_chars(first, first + 2, value, 16);
    if (error != std::errc() || next != first + 2) return refused();
    key.number += static_cast<char>(value);
  }
  return key;
}

// Newest first, then by number: true when `c` comes after the cursor's item.
bool after(const Conversation& c, const ConversationKey& key) {
  return c.last_at < key.last_at || (c.last_at == key.last_at && c.number > key.number);
}

// A thread's order: newest first; in the same millisecond inbound (rank 1) before
// outbound (rank 0); then the higher id first.
struct ThreadKey {
  int64_t at = INT64_MAX;
  int rank = 1;
  int64_t id = INT64_MAX;
  auto tuple() const { return std::tie(at, rank, id); }
};

ThreadKey key_of(const ThreadItem& item) {
  if (item.inbound()) return {item.at, 1, std::get<InboundMessage>(item.text).id};
  return {item.at, 0, std::get<Message>(item.text).id};
}

std::string thread_cursor(const ThreadItem& item) {
  ThreadKey key = key_of(item);
  return "t" + std::to_string(key.at) + "." + std::to_string(key.rank) + "." +
         std::to_string(key.id);
}

Result<ThreadKey> parse_thread_cursor(const std::string& cursor) {
  if (cursor.empty()) return ThreadKey{};
  ThreadKey key;
  const char* p = cursor.data() + 1;
  const char* end = cursor.data() + cursor.size();
  auto number = [&](auto& value) {
    auto [next, error] = std::from_chars(p, end, value);
    if (error != std::errc() || next == p) return false;
    p = next;
    return true;
  };
  auto dot = [&] { return p < end && *p++ == '.'; };
  if (cursor.size() < 6 || cursor[0] != 't' || !number(key.at) || !dot() || !number(key.rank) ||
      !dot() || !number(key.id) || p != end || (key.rank != 0 && key.rank != 1) || key.id < 1)
    return make_error("cursor: \"" + cursor + "\" is not a cursor of this list");
  return key;
}

}  // namespace

Result<Page<Conversation>> Conversations::list_conversations(const ConversationFilter& filter) {
  if (auto s = check_limit(filter.limit); !s.ok()) return s.error();
  auto cursor = parse_conversation_cursor(filter.cursor);
  if (!cursor.ok()) return cursor.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  // Each number's newest text either way: the highest id per number from each
  // table's number index, then those rows.
  auto q = (*db)->query(
      "WITH newest AS (SELECT number, MAX(out_id) AS out_id, MAX(in_id) AS in_id FROM ("
      "  SELECT recipient AS number, MAX(id) AS out_id, NULL AS in_id "
      "    FROM messages INDEXED BY messages_recipient GROUP BY recipient"
      "  UNION ALL"
      "  SELECT sender, NULL, MAX(id) FROM inbound_messages INDEXED BY inbound_messages_sender "
      "    GROUP BY sender) GROUP BY number) "
      "SELECT newest.number, o.created_at, o.text, o.category, i.received_at, i.text, "
      "  (SELECT COUNT(*) FROM inbound_messages u INDEXED BY inbound_messages_unread "
      "     WHERE u.sender = newest.number AND u.read_at IS NULL) "
      "FROM newest LEFT JOIN messages o ON o.id = newest.out_id "
      "LEFT JOIN inbound_messages i ON i.id = newest.in_id");
  if (!q.ok()) return q.error();
  const policy::TextSearch search(filter.query.value_or(""));
  std::vector<Conversation> all;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    Conversation c;
    c.number = q->text(0);
    const bool has_out = !q->is_null(1);
    const bool has_in = !q->is_null(4);
    if (has_in && (!has_out || q->int64(4) >= q->int64(1))) {
      c.last_at = q->int64(4);
      c.last_text = q->text(5);
      c.last_inbound = true;
    } else if (has_out) {
      Message shown;
      shown.text = q->text(2);
      shown.category = read_category(*q, 3);
      c.last_at = q->int64(1);
      c.last_text = shown_text(shown);
    }
    c.unread = q->int64(6);
    if (after(c, *cursor) && search.matches(c.number, c.last_text)) all.push_back(std::move(c));
  }
  std::sort(all.begin(), all.end(), [](const Conversation& a, const Conversation& b) {
    return a.last_at != b.last_at ? a.last_at > b.last_at : a.number < b.number;
  });
  Page<Conversation> page;
  const size_t limit = static_cast<size_t>(filter.limit);
  if (all.size() > limit) {
    all.resize(limit);
    page.next_cursor = conversation_cursor(all.back());
  }
  page.items = std::move(all);
  return page;
}

Result<Page<ThreadItem>> Conversations::conversation(const std::string& number, int limit,
                                                     const std::string& cursor) {
  if (auto s = check_limit(limit); !s.ok()) return s.error();
  auto key = parse_thread_cursor(cursor);
  if (!key.ok()) return key.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto snapshot = ReadSnapshot::begin(**db);
  if (!snapshot.ok()) return snapshot.error();
  // Both ways, each newest first and at most one more than a page; merged below.
  auto out =
      (*db)->query("SELECT " SMSGATE_MESSAGE_COLUMNS
                   " FROM messages m INDEXED BY messages_recipient WHERE m.recipient = ?1 "
                   "AND (m.created_at < ?2 OR (m.created_at = ?2 AND (?3 > 0 OR m.id < ?4))) "
                   "ORDER BY m.created_at DESC, m.id DESC LIMIT ?5");
  if (!out.ok()) return out.error();
  out->bind_all(number, key->at, key->rank, key->id, limit + 1);
  auto sent = read_rows(*out, [](const Query& row) { return read_message(row); });
  if (!sent.ok()) return sent.error();
  auto in =
      (*db)->query("SELECT " SMSGATE_INBOUND_COLUMNS
                   " FROM inbound_messages i INDEXED BY inbound_messages_sender "
                   "LEFT JOIN messages m ON m.id = i.in_reply_to WHERE i.sender = ?1 "
                   "AND (i.received_at < ?2 OR (i.received_at = ?2 AND ?3 = 1 AND i.id < ?4)) "
                   "ORDER BY i.received_at DESC, i.id DESC LIMIT ?5");
  if (!in.ok()) return in.error();
  in->bind_all(number, key->at, key->rank, key->id, limit + 1);
  auto received = read_rows(*in, [](const Query& row) { return read_inbound(row); });
  if (!received.ok()) return received.error();

  std::vector<ThreadItem> items;
  items.reserve(static_cast<size_t>(limit) + 1);
  size_t o = 0, i = 0;
  while (items.size() < static_cast<size_t>(limit) + 1 &&
         (o < sent->size() || i < received->size())) {
    ThreadItem next_out, next_in;
    if (o < sent->size()) next_out = ThreadItem{(*sent)[o], (*sent)[o].created_at};
    if (i < received->size()) next_in = ThreadItem{(*received)[i], (*received)[i].received_at};
    const bool take_in = i < received->size() &&
                         (o >= sent->size() || key_of(next_in).tuple() > key_of(next_out).tuple());
    if (take_in) {
      items.push_back(std::move(next_in));
      ++i;
    } else {
      items.push_back(std::move(next_out));
      ++o;
    }
  }
  Page<ThreadItem> page;
  if (items.size() > static_cast<size_t>(limit)) {
    items.pop_back();
    page.next_cursor = thread_cursor(items.back());
  }
  page.items = std::move(items);
  return page;
}

Result<int64_t> Conversations::mark_conversation_read(const std::string& number, int64_t now) {
  int64_t marked = 0;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "UPDATE inbound_messages SET read_at = ?2 "
        "WHERE sender = ?1 AND read_at IS NULL");
    if (!q.ok()) return q.error();
    if (auto s = q->bind_all(number, now).run(); !s.ok()) return s;
    marked = db.changes();
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return marked;
}

}  // namespace smsgate::store
