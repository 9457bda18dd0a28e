// Contacts: the people the gateway texts by name (/api/v1/contacts), each with one
// number in E.164 (unique), a name, a language, free fields (string values by name),
// and the groups they are in (/api/v1/groups), so that one send reaches a group with
// each member's own words. Numbers, names, fields and group names are checked by the
// caller (http/api_contacts.cpp); the store keeps them as given. Implemented in
// store/contacts.cpp.
//
// A contact's groups are created when they are named and do not exist yet; removing a
// group takes nobody out of the book, only out of the group. Erasing a number
// (Retention::erase_number) removes its contact too.
//
// Thread safety: every method may be called from any thread at the same time.
// add_contact, replace_contact, remove_contact, import_contacts, add_group and
// remove_group are writes: they return once their group commit is fsync'd
// (store/engine.h). The others are reads from one snapshot that never wait for the
// writer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/engine.h"
#include "store/types.h"

namespace smsgate::store {

using ContactFields = std::map<std::string, std::string, std::less<>>;

struct ContactRecord {
  int64_t id = 0;
  std::string number;  // E.164
  std::string name;
  std::optional<std::string> language;  // BCP 47
  ContactFields fields;
  std::vector<std::string> groups;  // by name, sorted
  int64_t created_at = 0;
  int64_t updated_at = 0;
  friend bool operator==(const ContactRecord&, const ContactRecord&) = default;
};

struct GroupRecord {
  std::string name;
  std::optional<std::string> description;
  int64_t created_at = 0;
  int64_t members = 0;  // as read; ignored when adding
  friend bool operator==(const GroupRecord&, const GroupRecord&) = default;
};

struct ContactFilter {
  std::optional<std::string> group;  // members of this group only
  // Names containing it (ASCII letters in any case), or numbers containing its digits
  // (leading zeros left out: 0170 1234567 finds +491701234567).
  std::string q;
  int limit = 50;
  std::string cursor;  // "" for the first page
};

// One row of an import: what it says about the contact with `number`. What is not
// given is kept when the number has a contact already, and left empty when not.
struct ContactImport {
  std::string number;
  std::string name;
  std::optional<std::optional<std::string>> language;        // given: set (none clears it)
  std::optional<std::vector<std::string>> groups;            // given: the groups, replaced
  std::map<std::string, std::optional<std::string>> fields;  // none: that field removed
};

struct ImportCounts {
  int64_t added = 0;
  int64_t updated = 0;
};

class Contacts {
 public:
  explicit Contacts(Engine& engine) : engine_(engine) {}

  // Write. The contact as stored (id and times set). kNumberTaken when another contact
  // has the number; nothing changes then.
  Result<ContactRecord> add_contact(ContactRecord record, int64_t now);
  // Write: the contact `id` becomes `record` (created_at kept); none when there is no
  // such contact. kNumberTaken as above.
  Result<std::optional<ContactRecord>> replace_contact(int64_t id, ContactRecord record,
                                                       int64_t now);
  // Write. False: no contact `id`.
  Result<bool> remove_contact(int64_t id);
  // Write: every row in one transaction, in order; a later row of the same number
  // updates what an earlier one wrote.
  Result<ImportCounts> import_contacts(const std::vector<ContactImport>& rows, int64_t now);

  Result<std::optional<ContactRecord>> find_contact(int64_t id);
  Result<std::optional<ContactRecord>> find_contact_by_number(const std::string& number);
  // Newest first, keyset-paged.
  Result<Page<ContactRecord>> list_contacts(const ContactFilter& filter);
  // Every contact, oldest first (the CSV export).
  Result<std::vector<ContactRecord>> all_contacts();
  // The members of a group, oldest first; none when there is no such group.
  Result<std::optional<std::vector<ContactRecord>>> group_members(const std::string& group);

  // Write. kNameTaken when the group exists.
  Result<GroupRecord> add_group(GroupRecord record, int64_t now);
  // By name, with their member counts.
  Result<std::vector<GroupRecord>> list_groups();
  // Write. False: no such group.
  Result<bool> remove_group(const std::string& name);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store
