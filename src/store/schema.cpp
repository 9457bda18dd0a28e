#include "store/schema.h"

#include <string>

namespace smsgate::store {

// Times are INTEGER milliseconds since the Unix epoch (UTC); booleans are 0/1.
// Each script ends by setting user_version, so the version moves in the same
// transaction as the tables it describes (and no SQL is assembled at run time).
constexpr std::array<Migration, 22> kMigrations = {{
    {1, R"sql(
-- The outbound queue: one row per message the API accepted, one per PDU it is sent as.
CREATE TABLE messages (
  id              INTEGER PRIMARY KEY,
  recipient       TEXT    NOT NULL,  -- E.164
  text            TEXT    NOT NULL,
  category        TEXT    NOT NULL
                  CHECK (category IN ('otp','transactional','reminder','feedback','marketing')),
  priority        INTEGER NOT NULL DEFAULT 0,
  status          TEXT    NOT NULL CHECK (status IN ('queued','scheduled','sending','sent',
                                                     'delivered','failed','expired','cancelled')),
  send_at         INTEGER,           -- asked for by the client; NULL: at once
  expires_at      INTEGER,           -- TTL; NULL: never
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  status_report   INTEGER NOT NULL DEFAULT 0,
  expect_reply    INTEGER NOT NULL DEFAULT 0,
  reply_window_ms INTEGER NOT NULL DEFAULT 0,
  external_id     TEXT,
  modem_pin       TEXT,              -- only this modem may send it; NULL: any
  idempotency_key TEXT UNIQUE,
  encoding        TEXT    NOT NULL CHECK (encoding IN ('gsm7','ucs2','8bit')),
  part_count      INTEGER NOT NULL CHECK (part_count >= 1),
  failure_reason  TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,           -- after a release: not before then
  -- When it may go out: send_at (created_at when none), or the retry time after a
  -- release. Within a priority the queue runs in this order, so "what is due" is a
  -- range on an index instead of a scan.
  due_at          INTEGER NOT NULL,
  assigned_modem  TEXT,              -- the modem sending it (status sending) or that sent it
  sent_at         INTEGER            -- when its last part was sent
);
-- Picking work: per pin (NULL or one modem), priority, then due time. Partial, so it
-- holds only the waiting messages however long the history grows.
CREATE INDEX messages_due ON messages (modem_pin, priority DESC, due_at, id)
  WHERE status IN ('queued','scheduled');
CREATE INDEX messages_status ON messages (status, id);
CREATE INDEX messages_recipient ON messages (recipient, id);
CREATE INDEX messages_awaiting_reply ON messages (recipient, sent_at)
  WHERE expect_reply = 1 AND sent_at IS NOT NULL;

CREATE TABLE parts (
  id             INTEGER PRIMARY KEY,
  message_id     INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  number         INTEGER NOT NULL CHECK (number >= 1),  -- 1-based, in sending order
  pdu_hex        TEXT    NOT NULL,  -- with the SMSC prefix, as AT+CMGS takes it
  tpdu_length    INTEGER NOT NULL,
  status         TEXT    NOT NULL
                 CHECK (status IN ('queued','submitting','sent','delivered','failed')),
  modem          TEXT,
  tp_mr          INTEGER,           -- TP-MR from +CMGS, for matching status reports
  submitted_at   INTEGER,
  sent_at        INTEGER,
  delivered_at   INTEGER,
  report_status  INTEGER,           -- TP-ST of the last status report
  failure_reason TEXT,
  UNIQUE (message_id, number)
);
-- Status reports name (modem, TP-MR); TP-MR wraps at 256, so sent_at narrows it down.
CREATE INDEX parts_reference ON parts (modem, tp_mr, sent_at) WHERE tp_mr IS NOT NULL;
CREATE INDEX parts_submitting ON parts (id) WHERE status = 'submitting';

-- Every status a message has had, with why.
CREATE TABLE status_history (
  id         INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  at         INTEGER NOT NULL,
  status     TEXT    NOT NULL,
  reason     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX status_history_message ON status_history (message_id, id);

PRAGMA user_version = 1;
)sql"},
    {2, R"sql(
-- Inbound SMS: each PDU as read from a modem, and the texts they make up.
CREATE TABLE inbound_messages (
  id          INTEGER PRIMARY KEY,
  sender      TEXT    NOT NULL,
  modem       TEXT    NOT NULL,
  text        TEXT    NOT NULL,
  received_at INTEGER NOT NULL,
  part_count  INTEGER NOT NULL,
  partial     INTEGER NOT NULL DEFAULT 0,  -- a part never came
  in_reply_to INTEGER REFERENCES messages (id) ON DELETE SET NULL
);
CREATE INDEX inbound_messages_sender ON inbound_messages (sender, id);

CREATE TABLE inbound_parts (
  id                 INTEGER PRIMARY KEY,
  modem              TEXT    NOT NULL,
  pdu_hex            TEXT    NOT NULL,
  sender             TEXT    NOT NULL,
  concat_ref         INTEGER,  -- NULL: a single-part message
  concat_total       INTEGER,
  concat_part        INTEGER,
  text               TEXT    NOT NULL,
  sent_at            TEXT,     -- the SC time stamp, ISO 8601 with the sender's offset
  received_at        INTEGER NOT NULL,
  inbound_message_id INTEGER REFERENCES inbound_messages (id) ON DELETE SET NULL,
  -- The same PDU read twice (a restart before the modem deleted it) is stored once.
  UNIQUE (modem, pdu_hex)
);
CREATE INDEX inbound_parts_waiting ON inbound_parts
  (modem, sender, concat_ref, concat_total, concat_part) WHERE inbound_message_id IS NULL;
CREATE INDEX inbound_parts_waiting_since ON inbound_parts (received_at)
  WHERE inbound_message_id IS NULL;

-- SMS-STATUS-REPORTs, matched or not: one that matches nothing is kept for a person.
CREATE TABLE status_reports (
  id             INTEGER PRIMARY KEY,
  modem          TEXT    NOT NULL,
  tp_mr          INTEGER NOT NULL,
  recipient      TEXT    NOT NULL,
  status_code    INTEGER NOT NULL,  -- TP-ST
  status_class   TEXT    NOT NULL,  -- delivered, pending, failed-permanent, failed-temporary
  discharge_time INTEGER,
  received_at    INTEGER NOT NULL,
  part_id        INTEGER REFERENCES parts (id) ON DELETE SET NULL
);
CREATE INDEX status_reports_part ON status_reports (part_id);

PRAGMA user_version = 2;
)sql"},
    {3, R"sql(
CREATE TABLE optouts (
  number  TEXT PRIMARY KEY,  -- E.164
  keyword TEXT NOT NULL,     -- what they wrote ("STOP"), or how it was added
  at      INTEGER NOT NULL
) WITHOUT ROWID;

-- Every modem ever seen, by IMEI, so counters survive replugging into another port.
CREATE TABLE modems (
  imei         TEXT    PRIMARY KEY,
  imsi         TEXT    NOT NULL DEFAULT '',
  iccid        TEXT    NOT NULL DEFAULT '',
  manufacturer TEXT    NOT NULL DEFAULT '',
  model        TEXT    NOT NULL DEFAULT '',
  first_seen   INTEGER NOT NULL,
  last_seen    INTEGER NOT NULL,
  parts_sent   INTEGER NOT NULL DEFAULT 0,
  parts_failed INTEGER NOT NULL DEFAULT 0,
  received     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

PRAGMA user_version = 3;
)sql"},
    {4, R"sql(
CREATE TABLE api_keys (
  id           INTEGER PRIMARY KEY,
  name         TEXT    NOT NULL,
  hash         TEXT    NOT NULL UNIQUE,  -- of the key; the key itself is shown once
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);

CREATE TABLE webhooks (
  id         INTEGER PRIMARY KEY,
  url        TEXT    NOT NULL,
  events     TEXT    NOT NULL,  -- comma-separated event names, or '*'
  secret     TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);

-- Events written in the same transaction as the change they report, delivered later.
CREATE TABLE webhook_outbox (
  id              INTEGER PRIMARY KEY,
  webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event           TEXT    NOT NULL,
  body            TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  delivered_at    INTEGER,
  last_error      TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

PRAGMA user_version = 4;
)sql"},
    {5, R"sql(
-- One-time passwords: the code only as a hash, single use, bounded attempts.
CREATE TABLE otp_codes (
  id         INTEGER PRIMARY KEY,
  recipient  TEXT    NOT NULL,  -- E.164
  code_hash  TEXT    NOT NULL,
  message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  used_at    INTEGER
);
CREATE INDEX otp_codes_recipient ON otp_codes (recipient, id);
-- A message's code: for a retried request (same idempotency key), and ON DELETE SET NULL.
CREATE INDEX otp_codes_message ON otp_codes (message_id);

-- Each try at delivering a webhook event, shown through the API.
CREATE TABLE webhook_attempts (
  id          INTEGER PRIMARY KEY,
  outbox_id   INTEGER NOT NULL REFERENCES webhook_outbox (id) ON DELETE CASCADE,
  at          INTEGER NOT NULL,
  http_status INTEGER,  -- NULL: no answer (refused, timed out)
  error       TEXT,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_outbox ON webhook_attempts (outbox_id, id);
-- Set when an event was retried for [webhooks] max_age without success: it is no
-- longer tried, and it no longer holds up the subscription's later events.
ALTER TABLE webhook_outbox ADD COLUMN given_up_at INTEGER;
-- Delivery runs in order per subscription: its oldest pending event first.
CREATE INDEX webhook_outbox_pending ON webhook_outbox (webhook_id, id)
  WHERE delivered_at IS NULL AND given_up_at IS NULL;

-- A modem staff took out of sending (through the API); it still receives.
ALTER TABLE modems ADD COLUMN sending_disabled INTEGER NOT NULL DEFAULT 0;

PRAGMA user_version = 5;
)sql"},
    {6, R"sql(
-- A webhook event that keeps failing holds its subscription for at most
-- [webhooks] set_aside_after_minutes, then is set aside: the subscription's later
-- events go, and it is still retried beside them until max_age. held_since: when its
-- current round of tries began (the hold counts from there); round_attempts: tries in
-- that round (the backoff). A retry on request starts a new round.
ALTER TABLE webhook_outbox ADD COLUMN set_aside_at INTEGER;
ALTER TABLE webhook_outbox ADD COLUMN held_since INTEGER;
ALTER TABLE webhook_outbox ADD COLUMN round_attempts INTEGER NOT NULL DEFAULT 0;
UPDATE webhook_outbox SET round_attempts = attempts,
  held_since = (SELECT MIN(a.at) FROM webhook_attempts a WHERE a.outbox_id = webhook_outbox.id)
  WHERE delivered_at IS NULL AND given_up_at IS NULL;
DROP INDEX webhook_outbox_pending;
CREATE INDEX webhook_outbox_pending ON webhook_outbox (webhook_id, id)
  WHERE delivered_at IS NULL AND given_up_at IS NULL AND set_aside_at IS NULL;
CREATE INDEX webhook_outbox_set_aside ON webhook_outbox (webhook_id, next_attempt_at, id)
  WHERE delivered_at IS NULL AND given_up_at IS NULL AND set_aside_at IS NOT NULL;

PRAGMA user_version = 6;
)sql"},
    {7, R"sql(
-- What each API key may do: scope names, comma-separated, as src/auth/scopes writes
-- them. Keys made before scopes existed could do everything, and keep that; new keys
-- always name theirs (the empty default grants nothing).
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
UPDATE api_keys SET scopes = 'send,read,inbound,otp,webhooks,optouts,modems,metrics';

PRAGMA user_version = 7;
)sql"},
    {8, R"sql(
-- A phone joins the parts of a long message only from one sender: a message that must
-- move to another modem goes again whole from there, and the parts the first modem
-- sent are kept here. They still count in that modem's limits.
CREATE TABLE superseded_parts (
  id            INTEGER PRIMARY KEY,
  message_id    INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  number        INTEGER NOT NULL,
  modem         TEXT    NOT NULL,
  tp_mr         INTEGER,
  sent_at       INTEGER NOT NULL,
  superseded_at INTEGER NOT NULL
);
CREATE INDEX superseded_parts_message ON superseded_parts (message_id, id);
CREATE INDEX superseded_parts_modem ON superseded_parts (modem, sent_at);
-- A modem's sends of the day, counted at start for its daily limit.
CREATE INDEX parts_modem_sent ON parts (modem, sent_at) WHERE sent_at IS NOT NULL;

PRAGMA user_version = 8;
)sql"},
    {9, R"sql(
-- A one-time password's code is never readable once its message is final: the text
-- keeps its words with every digit masked ("Your code is ••••••", as the API shows
-- it) and the parts' PDUs are emptied. Nothing reads either again: a final message is
-- never sent again.
CREATE TRIGGER messages_otp_redacted AFTER UPDATE OF status ON messages
  WHEN NEW.category = 'otp'
   AND NEW.status IN ('sent','delivered','failed','expired','cancelled')
BEGIN
  UPDATE messages SET text = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(text,
      '0','•'), '1','•'), '2','•'), '3','•'), '4','•'),
      '5','•'), '6','•'), '7','•'), '8','•'), '9','•')
    WHERE id = NEW.id;
  UPDATE parts SET pdu_hex = '' WHERE message_id = NEW.id;
END;
UPDATE messages SET text = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(text,
    '0','•'), '1','•'), '2','•'), '3','•'), '4','•'),
    '5','•'), '6','•'), '7','•'), '8','•'), '9','•')
  WHERE category = 'otp' AND status IN ('sent','delivered','failed','expired','cancelled');
UPDATE parts SET pdu_hex = '' WHERE message_id IN
  (SELECT id FROM messages WHERE category = 'otp'
     AND status IN ('sent','delivered','failed','expired','cancelled'));

PRAGMA user_version = 9;
)sql"},
    {10, R"sql(
-- A received PDU that does not decode (a broken phone, a network oddity, garbage):
-- kept as it came, so the modem may delete it and its storage never fills with them.
CREATE TABLE undecodable_pdus (
  id          INTEGER PRIMARY KEY,
  modem       TEXT    NOT NULL,
  pdu_hex     TEXT    NOT NULL,
  error       TEXT    NOT NULL,
  received_at INTEGER NOT NULL
);
-- Read again from the same slot (the storage was listed again), it is kept once.
CREATE UNIQUE INDEX undecodable_pdus_once ON undecodable_pdus (modem, pdu_hex);

PRAGMA user_version = 10;
)sql"},
    {11, R"sql(
-- Retention and erasure (store/retention.h) delete old rows and everything about one
-- person. What they deleted is tallied here, so that /metrics can count it and no
-- total goes down when rows go.
CREATE TABLE purged_messages (
  status   TEXT    NOT NULL,  -- the message's status when it was deleted
  category TEXT    NOT NULL,
  count    INTEGER NOT NULL,
  PRIMARY KEY (status, category)
) WITHOUT ROWID;
CREATE TABLE purged_rows (
  kind  TEXT    PRIMARY KEY,  -- inbound_messages, status_reports, webhook_events, ...
  count INTEGER NOT NULL
) WITHOUT ROWID;
-- Finding the oldest rows without a scan of the whole history.
CREATE INDEX messages_final_since ON messages (updated_at)
  WHERE status IN ('sent','delivered','failed','expired','cancelled');
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);
CREATE INDEX inbound_parts_sender ON inbound_parts (sender);
CREATE INDEX status_reports_unmatched ON status_reports (received_at) WHERE part_id IS NULL;
CREATE INDEX status_reports_recipient ON status_reports (recipient);
CREATE INDEX webhook_outbox_finished ON webhook_outbox (created_at)
  WHERE delivered_at IS NOT NULL OR given_up_at IS NOT NULL;
CREATE INDEX undecodable_pdus_received ON undecodable_pdus (received_at);

PRAGMA user_version = 11;
)sql"},
    {12, R"sql(
-- People who sign in to the console (store/people.h). A name is unique whatever its
-- case; the hash is argon2id in libsodium's string form.
CREATE TABLE users (
  id                  INTEGER PRIMARY KEY,
  name                TEXT    NOT NULL UNIQUE COLLATE NOCASE
                      CHECK (length(name) BETWEEN 1 AND 64),
  role                TEXT    NOT NULL CHECK (role IN ('admin','operator')),
  password_hash       TEXT    NOT NULL,
  created_at          INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL
);
-- Open console sessions, by the hash of their token (the token is only in the
-- browser's cookie). password_version: which of the user's passwords opened it.
CREATE TABLE sessions (
  token_hash       TEXT    PRIMARY KEY,
  user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  signed_in_at     INTEGER NOT NULL,
  last_seen        INTEGER NOT NULL,
  password_version TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen);
-- What admins did, newest last; never a secret.
CREATE TABLE audit_log (
  id     INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  actor  TEXT    NOT NULL,  -- a user's name, an API key's name, or 'command line'
  action TEXT    NOT NULL,  -- 'user.add', 'key.revoke', ...
  target TEXT    NOT NULL DEFAULT '',
  client TEXT    NOT NULL DEFAULT '',  -- the client's address
  detail TEXT    NOT NULL DEFAULT '',
  count  INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1)  -- refused sign-ins tallied in one row
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
-- The one admin password becomes the user admin's; its sessions lived in memory.
INSERT INTO users (name, role, password_hash, created_at, password_changed_at)
  SELECT 'admin', 'admin', value, CAST(strftime('%s', 'now') AS INTEGER) * 1000,
         CAST(strftime('%s', 'now') AS INTEGER) * 1000
  FROM settings WHERE key = 'admin_password';
DELETE FROM settings WHERE key = 'admin_password';

PRAGMA user_version = 12;
)sql"},
    {13, R"sql(
-- Every event as it happened, whether or not a webhook wants it: what
-- GET /api/v1/events streams and resumes from (store/events.h). Written in the
-- transaction of the change it reports; kept a day (Retention::purge_old).
CREATE TABLE event_log (
  id         INTEGER PRIMARY KEY,  -- the stream's event id (SSE "id:")
  event      TEXT    NOT NULL,     -- message.sent, modem.state, ...
  body       TEXT    NOT NULL,     -- the envelope, as a webhook gets it
  created_at INTEGER NOT NULL
);
CREATE INDEX event_log_created ON event_log (created_at);

PRAGMA user_version = 13;
)sql"},
    {14, R"sql(
-- The console: a message sent again links to the one it repeats; staff mark a
-- number's inbound texts read; the hourly outcomes of the last day are counted from
-- the status history.
ALTER TABLE messages ADD COLUMN resent_from INTEGER REFERENCES messages (id) ON DELETE SET NULL;
ALTER TABLE inbound_messages ADD COLUMN read_at INTEGER;  -- NULL: unread
CREATE INDEX inbound_messages_unread ON inbound_messages (sender) WHERE read_at IS NULL;
CREATE INDEX status_history_outcomes ON status_history (at, status)
  WHERE status IN ('sent','delivered','failed');

PRAGMA user_version = 14;
)sql"},
    {15, R"sql(
-- Message templates by name (store/templates.h): a send names one and gives its
-- variables instead of a text.
CREATE TABLE templates (
  name       TEXT    PRIMARY KEY,
  text       TEXT    NOT NULL,
  category   TEXT,                 -- the sends' default; NULL: transactional
  language   TEXT,                 -- BCP 47, for dates and times; NULL: English
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

PRAGMA user_version = 15;
)sql"},
    {16, R"sql(
-- Each modem's last balance check (store/alarms.h): the amount parsed from the
-- network's answer, as text so that it reads back as written, with the answer itself.
CREATE TABLE modem_balances (
  modem      TEXT    PRIMARY KEY,
  amount     TEXT,                 -- NULL: no amount found in the answer
  currency   TEXT    NOT NULL DEFAULT '',
  text       TEXT    NOT NULL,
  checked_at INTEGER NOT NULL
);

-- Modem alarms (low_balance, sim_expiring, offline, storage_full): raised once, then
-- cleared; the open ones are those without cleared_at, at most one of a kind a modem.
CREATE TABLE modem_alarms (
  id         INTEGER PRIMARY KEY,
  modem      TEXT    NOT NULL,
  kind       TEXT    NOT NULL,
  detail     TEXT    NOT NULL,
  raised_at  INTEGER NOT NULL,
  cleared_at INTEGER
);
CREATE UNIQUE INDEX modem_alarms_open ON modem_alarms (modem, kind) WHERE cleared_at IS NULL;

PRAGMA user_version = 16;
)sql"},
    {17, R"sql(
-- Auto-replies (store/rules.h): the rules that answer inbound texts, and each reply
-- sent automatically, linked to the inbound it answers. The replies are what the
-- cap on automatic replies per number counts, so a restart does not reset it.
CREATE TABLE rules (
  id             INTEGER PRIMARY KEY,
  name           TEXT    NOT NULL,
  match_kind     TEXT    NOT NULL CHECK (match_kind IN ('keyword','regex')),
  pattern        TEXT    NOT NULL,
  reply_template TEXT,             -- a template's name, or NULL with reply_text
  reply_variables TEXT,            -- JSON object of the template's fixed variables
  reply_text     TEXT,
  enabled        INTEGER NOT NULL DEFAULT 1,
  priority       INTEGER NOT NULL DEFAULT 100,  -- lower first
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  CHECK ((reply_template IS NULL) <> (reply_text IS NULL))
);
CREATE TABLE auto_replies (
  id         INTEGER PRIMARY KEY,
  -- Erasing or purging the inbound text takes its reply's row with it.
  inbound_id INTEGER NOT NULL REFERENCES inbound_messages (id) ON DELETE CASCADE,
  message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
  number     TEXT    NOT NULL,
  kind       TEXT    NOT NULL,  -- rule, help, optout, optin, out_of_hours
  rule_id    INTEGER REFERENCES rules (id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX auto_replies_number ON auto_replies (number, created_at);
CREATE INDEX auto_replies_inbound ON auto_replies (inbound_id);
CREATE INDEX auto_replies_message ON auto_replies (message_id);

PRAGMA user_version = 17;
)sql"},
    {18, R"sql(
-- Appointments (/api/v1/appointments): an appointment book's appointment, told once,
-- and the messages the gateway sends for it. The request as it was accepted, so a
-- second POST of the same body is a replay rather than a conflict.
CREATE TABLE appointments (
  id          INTEGER PRIMARY KEY,
  external_id TEXT    NOT NULL UNIQUE,   -- the appointment book's id
  recipient   TEXT    NOT NULL,          -- E.164
  at          INTEGER NOT NULL,          -- the appointment's time, ms since the epoch
  state       TEXT    NOT NULL CHECK (state IN ('scheduled','confirmed','declined','cancelled')),
  state_at    INTEGER NOT NULL,          -- when it reached that state
  text        TEXT,                      -- the reminders' text, placeholders and all
  template    TEXT,                      -- or the template they are written from
  variables   TEXT    NOT NULL DEFAULT '{}',  -- JSON object
  language    TEXT,                      -- BCP 47; NULL: the template's, else English
  reminders   TEXT    NOT NULL DEFAULT '[]',  -- JSON array of offsets in ms
  request     TEXT    NOT NULL,          -- the accepted body, normalised JSON
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX appointments_at ON appointments (at, id);
CREATE INDEX appointments_recipient ON appointments (recipient, id);
CREATE TABLE appointment_messages (
  message_id     INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  appointment_id INTEGER NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
  role           TEXT    NOT NULL CHECK (role IN ('confirmation','reminder','moved','cancelled')),
  offset_ms      INTEGER                 -- a reminder's offset from the appointment
);
CREATE INDEX appointment_messages_appointment ON appointment_messages (appointment_id, message_id);

PRAGMA user_version = 18;
)sql"},
    {19, R"sql(
-- Contacts and their groups (store/contacts.h): a send to a group reaches each member
-- with their own name and fields.
CREATE TABLE contacts (
  id         INTEGER PRIMARY KEY,
  number     TEXT    NOT NULL UNIQUE,  -- E.164
  name       TEXT    NOT NULL,
  language   TEXT,                     -- BCP 47; NULL: not known
  fields     TEXT    NOT NULL DEFAULT '{}',  -- a JSON object of strings
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE contact_groups (
  name        TEXT    PRIMARY KEY,
  description TEXT,
  created_at  INTEGER NOT NULL
);

CREATE TABLE contact_members (
  contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  group_name TEXT    NOT NULL REFERENCES contact_groups (name) ON DELETE CASCADE,
  PRIMARY KEY (contact_id, group_name)
) WITHOUT ROWID;
CREATE INDEX contact_members_by_group ON contact_members (group_name);

PRAGMA user_version = 19;
)sql"},
    // Where a message that came by email came from, to mail its report or reply back in
    // the same thread; gone with its message.
    {20, R"sql(
CREATE TABLE email_origins (
  message_id      INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  envelope_from   TEXT NOT NULL,
  mail_message_id TEXT,
  subject         TEXT
);

PRAGMA user_version = 20;
)sql"},
    {21, R"sql(
-- Mail out (email/outbox.h): each mail waiting for the smarthost, sent, or set aside
-- (refused for good, or too many tries) with the reason. The message is composed
-- again from these columns on each try, with the same Message-ID and date.
CREATE TABLE mail_outbox (
  id              INTEGER PRIMARY KEY,
  created_at      INTEGER NOT NULL,      -- also the mail's Date
  to_address      TEXT    NOT NULL,
  subject         TEXT    NOT NULL,
  body            TEXT    NOT NULL,      -- the text, UTF-8
  message_id      TEXT    NOT NULL,      -- without angle brackets
  in_reply_to     TEXT,
  "references"    TEXT    NOT NULL DEFAULT '[]',  -- JSON array of Message-IDs
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  state           TEXT    NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting','sent','set_aside')),
  last_error      TEXT,
  sent_at         INTEGER,
  -- The inbound text a forwarding rule mailed on: erasing the text erases the mail.
  inbound_id      INTEGER REFERENCES inbound_messages (id) ON DELETE CASCADE,
  forward_id      INTEGER
);
CREATE INDEX mail_outbox_waiting ON mail_outbox (next_attempt_at, id) WHERE state = 'waiting';
CREATE INDEX mail_outbox_inbound ON mail_outbox (inbound_id) WHERE inbound_id IS NOT NULL;

-- SMS to email rules added through the API (/api/v1/forwards); [[forward]] in the
-- configuration adds its own beside them.
CREATE TABLE forwards (
  id           INTEGER PRIMARY KEY,
  to_address   TEXT    NOT NULL,
  from_numbers TEXT    NOT NULL DEFAULT '[]',  -- JSON array of E.164 numbers; []: anyone
  subject      TEXT    NOT NULL,
  created_at   INTEGER NOT NULL
);

PRAGMA user_version = 21;
)sql"},
    {22, R"sql(
-- Mail back (email/mail_back.h): the event log is turned into mail in order. The last
-- event taken is written with the mail it made, in one transaction, so a crash
-- neither loses a mail nor sends one twice.
CREATE TABLE mail_event_cursor (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  last_event_id INTEGER NOT NULL
);
-- The message a mail reports on (its delivery, or the reply to it): the mail goes
-- with the message, by retention or the erasure of its number.
ALTER TABLE mail_outbox ADD COLUMN outbound_id INTEGER REFERENCES messages (id) ON DELETE CASCADE;
CREATE INDEX mail_outbox_outbound ON mail_outbox (outbound_id);

PRAGMA user_version = 22;
)sql"},
}};

static_assert(kMigrations.back().version == kSchemaVersion);

Result<int> schema_version(Connection& connection) {
  auto query = connection.query("PRAGMA user_version");
  if (!query.ok()) return query.error();
  auto row = query->step();
  if (!row.ok()) return row.error();
  return *row ? query->int32(0) : 0;
}

Status migrate(Connection& connection) {
  for (const Migration& migration : kMigrations) {
    // IMMEDIATE takes the write lock before reading the version, so two processes
    // opening the same file at once cannot both apply the same migration.
    if (auto begun = connection.exec("BEGIN IMMEDIATE"); !begun.ok())
      return make_error("cannot start migration: " + begun.error().message);
    auto version = schema_version(connection);
    if (!version.ok()) {
      (void)connection.exec("ROLLBACK");
      return version.error();
    }
    if (*version > kSchemaVersion) {
      (void)connection.exec("ROLLBACK");
      return make_error("database schema " + std::to_string(*version) +
                        " is newer than this smsgated (" + std::to_string(kSchemaVersion) +
                        "); upgrade smsgated");
    }
    if (*version >= migration.version) {
      (void)connection.exec("ROLLBACK");
      continue;
    }
    std::string sql(migration.sql);  // exec() wants a terminated string
    if (auto applied = connection.exec(sql.c_str()); !applied.ok()) {
      (void)connection.exec("ROLLBACK");
      return make_error("migration " + std::to_string(migration.version) +
                        " failed: " + applied.error().message);
    }
    if (auto committed = connection.exec("COMMIT"); !committed.ok()) {
      (void)connection.exec("ROLLBACK");
      return make_error("migration " + std::to_string(migration.version) +
                        " failed to commit: " + committed.error().message);
    }
  }
  return ok_status();
}

}  // namespace smsgate::store
