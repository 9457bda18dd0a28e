// Contacts and groups (contacts.h).
#include "store/contacts.h"

#include <nlohmann/json.hpp>

#include "store/internal.h"

namespace smsgate::store {

using detail::read_first;
using detail::read_rows;

namespace {

// The columns contact_from() reads; a contact's groups come as one JSON array.
#define SMSGATE_CONTACT_COLUMNS                                                          \
  "c.id, c.number, c.name, c.language, c.fields, "                                       \
  "(SELECT json_group_array(group_name) FROM (SELECT group_name FROM contact_members m " \
  "WHERE m.contact_id = c.id ORDER BY group_name)), c.created_at, c.updated_at"

ContactRecord contact_from(const Query& row) {
  ContactRecord contact;
  contact.id = row.int64(0);
  contact.number = row.text(1);
  contact.name = row.text(2);
  contact.language = row.optional_text(3);
  // Both columns are written by this file only, as JSON of these shapes.
  auto fields = nlohmann::json::parse(row.text(4), nullptr, false);
  if (fields.is_object())
    for (const auto& [name, value] : fields.items())
      if (value.is_string()) contact.fields.emplace(name, value.get<std::string>());
  auto groups = nlohmann::json::parse(row.text(5), nullptr, false);
  if (groups.is_array())
    for (const auto& group : groups)
      if (group.is_string()) contact.groups.push_back(group.get<std::string>());
  contact.created_at = row.int64(6);
  contact.updated_at = row.int64(7);
  return contact;
}

Result<std::optional<ContactRecord>> one_contact(Query& q) { return read_first(q, contact_from); }

Result<std::optional<ContactRecord>> contact_by_id(Connection& db, int64_t id) {
  auto q = db.query("SELECT " SMSGATE_CONTACT_COLUMNS " FROM contacts c WHERE c.id = ?1");
  if (!q.ok()) return q.error();
  q->bind(id);
  return one_contact(*q);
}

Result<std::optional<ContactRecord>> contact_by_number(Connection& db, const std::string& number) {
  auto q = db.query("SELECT " SMSGATE_CONTACT_COLUMNS " FROM contacts c WHERE c.number = ?1");
  if (!q.ok()) return q.error();
  q->bind(number);
  return one_contact(*q);
}

std::string fields_json(const ContactFields& fields) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : fields) object[name] = value;
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Error number_taken(const std::string& number) {
  return Error{"number: there is already a contact with the number " + number,
               ErrorCode::kNumberTaken, "number"};
}

// The contact's groups become `groups`, each made when it does not exist yet.
Status set_groups(Connection& db, int64_t contact_id, const std::vector<std::string>& groups,
                  int64_t now) {
  auto cleared = db.query("DELETE FROM contact_members WHERE contact_id = ?1");
  if (!cleared.ok()) return cleared.error();
  if (Status s = cleared->bind(contact_id).run(); !s.ok()) return s;
  for (const std::string& group : groups) {
    auto made = db.query(
        "INSERT INTO contact_groups (name, created_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    if (!made.ok()) return made.error();
    if (Status s = made->bind_all(group, now).run(); !s.ok()) return s;
    auto member = db.query(
        "INSERT INTO contact_members (contact_id, group_name) VALUES (?1, ?2) "
        "ON CONFLICT DO NOTHING");
    if (!member.ok()) return member.error();
    if (Status s = member->bind_all(contact_id, group).run(); !s.ok()) return s;
  }
  return ok_status();
}

// Writes `record` as contact `id` (0: a new one), its number checked against others'.
Result<int64_t> write_contact(Connection& db, int64_t id, const ContactRecord& record,
                              int64_t now) {
  auto owner = db.query("SELECT id FROM contacts WHERE number = ?1");
  if (!owner.ok()) return owner.error();
  auto found = owner->bind(record.number).step();
  if (!found.ok()) return found.error();
  if (*found && owner->int64(0) != id) return number_taken(record.number);
  if (id == 0) {
    auto q = db.query(
        "INSERT INTO contacts (number, name, language, fields, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
    if (!q.ok()) return q.error();
    if (Status s = q->bind_all(record.number, record.name, record.language,
                               fields_json(record.fields), now)
                       .run();
        !s.ok())
      return s.error();
    id = db.last_insert_rowid();
  } else {
    auto q = db.query(
        "UPDATE contacts SET number = ?2, name = ?3, language = ?4, fields = ?5, updated_at = ?6 "
        "WHERE id = ?1");
    if (!q.ok()) return q.error();
    if (Status s = q->bind_all(id, record.number, record.name, record.language,
                               fields_json(record.fields), now)
                       .run();
        !s.ok())
      return s.error();
  }
  if (Status s = set_groups(db, id, record.groups, now); !s.ok()) return s.error();
  return id;
}

}  // namespace

Result<ContactRecord> Contacts::add_contact(ContactRecord record, int64_t now) {
  std::optional<ContactRecord> stored;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto id = write_contact(db, 0, record, now);
    if (!id) return id.error();
    auto read = contact_by_id(db, *id);
    if (!read) return read.error();
    stored = std::move(*read);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  if (!stored) return make_error("contacts: the contact just added is not there");
  return std::move(*stored);
}

Result<std::optional<ContactRecord>> Contacts::replace_contact(int64_t id, ContactRecord record,
                                                               int64_t now) {
  std::optional<ContactRecord> stored;
  Status written = engine_.write([&](Connection& db) -> Status {
    stored.reset();
    auto existing = contact_by_id(db, id);
    if (!existing) return existing.error();
    if (!*existing) return ok_status();
    auto written_id = write_contact(db, id, record, now);
    if (!written_id) return written_id.error();
    auto read = contact_by_id(db, id);
    if (!read) return read.error();
    stored = std::move(*read);
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return stored;
}

Result<bool> Contacts::remove_contact(int64_t id) {
  // Its memberships go with it (ON DELETE CASCADE).
  return detail::change_rows(engine_, "DELETE FROM contacts WHERE id = ?1", id);
}

Result<ImportCounts> Contacts::import_contacts(const std::vector<ContactImport>& rows,
                                               int64_t now) {
  ImportCounts counts;
  Status written = engine_.write([&](Connection& db) -> Status {
    counts = {};
    for (const ContactImport& row : rows) {
      auto existing = contact_by_number(db, row.number);
      if (!existing) return existing.error();
      ContactRecord record;
      int64_t id = 0;
      if (*existing) {
        record = std::move(**existing);
        id = record.id;
        ++counts.updated;
      } else {
        record.number = row.number;
        ++counts.added;
      }
      record.name = row.name;
      if (row.language) record.language = *row.language;
      if (row.groups) record.groups = *row.groups;
      for (const auto& [name, value] : row.fields) {
        if (value)
          record.fields[name] = *value;
        else
          record.fields.erase(name);
      }
      if (auto s = write_contact(db, id, record, now); !s) return s.error();
    }
    return ok_status();
  });
  if (!written.ok()) return written.error();
  return counts;
}

Result<std::optional<ContactRecord>> Contacts::find_contact(int64_t id) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  return contact_by_id(**db, id);
}

Result<std::optional<ContactRecord>> Contacts::find_contact_by_number(const std::string& number) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  return contact_by_number(**db, number);
}

namespace {

// `text` for a LIKE pattern that matches it anywhere, its own % and _ taken literally.
std::string like_anywhere(std::string_view text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

}  // namespace

Result<Page<ContactRecord>> Contacts::list_contacts(const ContactFilter& filter) {
  auto before = detail::page_start('c', filter.cursor, filter.limit);
  if (!before) return before.error();
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  std::optional<std::string> name_pattern;
  std::optional<std::string> number_pattern;
  if (!filter.q.empty()) {
    name_pattern = like_anywhere(filter.q);
    // Leading zeros are a national trunk prefix or an international one (00): the
    // stored E.164 number has neither.
    std::string digits = detail::digits_of(filter.q);
    digits.erase(0, digits.find_first_not_of('0'));
    if (!digits.empty()) number_pattern = like_anywhere(digits);
  }
  auto q = (*db)->query(
      "SELECT " SMSGATE_CONTACT_COLUMNS
      " FROM contacts c WHERE c.id < ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM "
      "contact_members m WHERE m.contact_id = c.id AND m.group_name = ?2)) AND "
      "(?3 IS NULL OR c.name LIKE ?3 ESCAPE '\\' OR (?4 IS NOT NULL AND c.number LIKE ?4 ESCAPE "
      "'\\')) ORDER BY c.id DESC LIMIT ?5");
  if (!q.ok()) return q.error();
  q->bind_all(*before, filter.group, name_pattern, number_pattern, filter.limit + 1);
  auto rows = read_rows(*q, contact_from);
  if (!rows) return rows.error();
  return detail::make_page(std::move(*rows), filter.limit, 'c',
                           [](const ContactRecord& contact) { return contact.id; });
}

Result<std::vector<ContactRecord>> Contacts::all_contacts() {
  return detail::read_all(
      engine_, "SELECT " SMSGATE_CONTACT_COLUMNS " FROM contacts c ORDER BY c.id", contact_from);
}

Result<std::optional<std::vector<ContactRecord>>> Contacts::group_members(
    const std::string& group) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  auto snapshot = detail::ReadSnapshot::begin(**db);
  if (!snapshot.ok()) return snapshot.error();
  auto exists = (*db)->query("SELECT count(*) FROM contact_groups WHERE name = ?1");
  if (!exists.ok()) return exists.error();
  auto row = exists->bind(group).step();
  if (!row.ok()) return row.error();
  if (exists->int64(0) == 0) return std::optional<std::vector<ContactRecord>>();
  auto q = (*db)->query("SELECT " SMSGATE_CONTACT_COLUMNS
                        " FROM contacts c JOIN contact_members g ON g.contact_id = c.id "
                        "WHERE g.group_name = ?1 ORDER BY c.id");
  if (!q.ok()) return q.error();
  q->bind(group);
  auto rows = read_rows(*q, contact_from);
  if (!rows) return rows.error();
  return std::optional<std::vector<ContactRecord>>(std::move(*rows));
}

Result<GroupRecord> Contacts::add_group(GroupRecord record, int64_t now) {
  Status written = engine_.write([&](Connection& db) -> Status {
    auto q = db.query(
        "INSERT INTO contact_groups (name, description, created_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT DO NOTHING");
    if (!q.ok()) return q.error();
    if (Status s = q->bind_all(record.name, record.description, now).run(); !s.ok()) return s;
    if (db.changes() == 0)
      return Error{"name: there is already a group called \"" + record.name + "\"",
                   ErrorCode::kNameTaken, "name"};
    return ok_status();
  });
  if (!written.ok()) return written.error();
  record.created_at = now;
  record.members = 0;
  return record;
}

Result<std::vector<GroupRecord>> Contacts::list_groups() {
  return detail::read_all(
      engine_,
      "SELECT g.name, g.description, g.created_at, (SELECT count(*) FROM contact_members m "
      "WHERE m.group_name = g.name) FROM contact_groups g ORDER BY g.name",
      [](const Query& row) {
        return GroupRecord{row.text(0), row.optional_text(1), row.int64(2), row.int64(3)};
      });
}

Result<bool> Contacts::remove_group(const std::string& name) {
  return detail::change_rows(engine_, "DELETE FROM contact_groups WHERE name = ?1", name);
}

}  // namespace smsgate::store
