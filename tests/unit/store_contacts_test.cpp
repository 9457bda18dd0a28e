// Contacts (store/contacts.h): numbers unique, groups made when named and counted, a
// removed group leaving its members in the book, an import that keeps what its file
// has no column for, and erasure taking the number's contact.
#include <doctest/doctest.h>

#include <string>

#include "store_test_support.h"

namespace smsgate::store {

using testing::open_store;
using testing::TempDir;

namespace {

constexpr int64_t kNow = 1'800'000'000'000;

ContactRecord contact(std::string number, std::string name, std::vector<std::string> groups = {}) {
  ContactRecord record;
  record.number = std::move(number);
  record.name = std::move(name);
  record.groups = std::move(groups);
  return record;
}

std::vector<std::string> names_of(const std::vector<ContactRecord>& contacts) {
  std::vector<std::string> names;
  for (const ContactRecord& one : contacts) names.push_back(one.name);
  return names;
}

}  // namespace

TEST_CASE("contacts: a number is one contact's; groups are made when named") {
  TempDir dir;
  auto store = open_store(dir);
  ContactRecord anna = contact("+4917000000001", "Anna", {"diabetes", "monday"});
  anna.language = "de";
  anna.fields = {{"room", "3"}};
  auto added = store->add_contact(anna, kNow);
  REQUIRE(added.ok());
  CHECK(added->id > 0);
  CHECK(added->created_at == kNow);
  CHECK(added->groups == std::vector<std::string>{"diabetes", "monday"});
  CHECK(added->fields == ContactFields{{"room", "3"}});

  auto twice = store->add_contact(contact("+4917000000001", "Anna again"), kNow);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code == ErrorCode::kNumberTaken);
  CHECK(twice.error().field == "number");

  auto budi = store->add_contact(contact("+4917000000002", "Budi", {"monday"}), kNow + 1);
  REQUIRE(budi.ok());
  auto taken = store->replace_contact(budi->id, contact("+4917000000001", "Budi"), kNow + 2);
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().code == ErrorCode::kNumberTaken);
  auto none = store->replace_contact(999, contact("+4917000000009", "X"), kNow + 2);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  auto groups = store->list_groups();
  REQUIRE(groups.ok());
  REQUIRE(groups->size() == 2);
  CHECK((*groups)[0].name == "diabetes");
  CHECK((*groups)[0].members == 1);
  CHECK((*groups)[1].name == "monday");
  CHECK((*groups)[1].members == 2);
  auto members = store->group_members("monday");
  REQUIRE(members.ok());
  REQUIRE(members->has_value());
  CHECK(names_of(**members) == std::vector<std::string>{"Anna", "Budi"});
  CHECK_FALSE(store->group_members("nobody")->has_value());

  REQUIRE(store->remove_group("monday").value());
  CHECK_FALSE(store->remove_group("monday").value());
  CHECK(store->find_contact(added->id).value()->groups == std::vector<std::string>{"diabetes"});
  CHECK(store->all_contacts()->size() == 2);
  auto made_again = store->add_group(GroupRecord{"monday", "Mondays", 0, 0}, kNow);
  REQUIRE(made_again.ok());
  CHECK_FALSE(store->add_group(GroupRecord{"monday", std::nullopt, 0, 0}, kNow).ok());
}

TEST_CASE("contacts: an import updates by number and keeps what its file does not say") {
  TempDir dir;
  auto store = open_store(dir);
  ContactRecord cara = contact("+4917000000003", "Cara", {"old"});
  cara.language = "en";
  cara.fields = {{"doctor", "Dr. Weber"}, {"room", "5"}};
  REQUIRE(store->add_contact(cara, kNow).ok());

  ContactImport update;
  update.number = "+4917000000003";
  update.name = "Cara Weber";
  update.fields = {{"room", std::nullopt}, {"floor", "2"}};  // no language or groups column
  ContactImport fresh;
  fresh.number = "+4917000000004";
  fresh.name = "Dee";
  fresh.groups = std::vector<std::string>{"new"};
  auto counts = store->import_contacts({update, fresh}, kNow + 1);
  REQUIRE(counts.ok());
  CHECK(counts->added == 1);
  CHECK(counts->updated == 1);
  auto updated = store->find_contact_by_number("+4917000000003");
  REQUIRE(updated.ok());
  REQUIRE(updated->has_value());
  CHECK((*updated)->name == "Cara Weber");
  CHECK((*updated)->language == "en");
  CHECK((*updated)->groups == std::vector<std::string>{"old"});
  CHECK((*updated)->fields == ContactFields{{"doctor", "Dr. Weber"}, {"floor", "2"}});
  CHECK((*updated)->created_at == kNow);
  CHECK((*updated)->updated_at == kNow + 1);
  CHECK(store->group_members("new").value()->size() == 1);
}

TEST_CASE("contacts: listed newest first, by group and by name or digits") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->add_contact(contact("+4917000000001", "Anna Schmidt", {"monday"}), kNow).ok());
  REQUIRE(store->add_contact(contact("+4917000000002", "Budi_1", {"monday"}), kNow).ok());
  REQUIRE(store->add_contact(contact("+4917000000003", "Cara"), kNow).ok());
  auto list = [&](ContactFilter filter) {
    auto page = store->list_contacts(filter);
    REQUIRE(page.ok());
    return names_of(page->items);
  };
  CHECK(list({}) == std::vector<std::string>{"Cara", "Budi_1", "Anna Schmidt"});
  CHECK(list({.group = "monday"}) == std::vector<std::string>{"Budi_1", "Anna Schmidt"});
  CHECK(list({.q = "SCHMIDT"}) == std::vector<std::string>{"Anna Schmidt"});
  CHECK(list({.q = "0000003"}) == std::vector<std::string>{"Cara"});
  CHECK(list({.q = "i_"}) == std::vector<std::string>{"Budi_1"});  // _ is no wildcard
  auto first = store->list_contacts({.limit = 2});
  REQUIRE(first.ok());
  REQUIRE(first->next_cursor);
  CHECK(list({.limit = 2, .cursor = *first->next_cursor}) ==
        std::vector<std::string>{"Anna Schmidt"});
}

TEST_CASE("contacts: erasing a number removes its contact and memberships") {
  TempDir dir;
  auto store = open_store(dir);
  auto anna = store->add_contact(contact("+4917000000001", "Anna", {"monday"}), kNow);
  REQUIRE(anna.ok());
  REQUIRE(store->add_contact(contact("+4917000000002", "Budi", {"monday"}), kNow).ok());
  auto erased = store->erase_number("+4917000000001", kNow + 1);
  REQUIRE(erased.ok());
  CHECK(erased->contacts == 1);
  CHECK_FALSE(store->find_contact(anna->id).value().has_value());
  CHECK(store->list_groups().value().at(0).members == 1);
  CHECK(store->erase_number("+4917000000001", kNow + 2).value().contacts == 0);
}

}  // namespace smsgate::store
