// /api/v1/contacts and /api/v1/groups: the people a clinic texts by name, and the
// groups a send reaches at once (store/contacts.h). Anyone who may send reads them;
// changing them needs the contacts scope. A CSV file comes in through
// /contacts/import and goes out through /contacts/export in the same columns, so a
// spreadsheet can be the book's source.
#include <map>
#include <set>

#include "http/api.h"
#include "http/json_input.h"
#include "http/message_request.h"
#include "pdu/utf.h"
#include "policy/csv.h"
#include "policy/message_template.h"
#include "policy/phone.h"
#include "store/event_json.h"

namespace smsgate::http {

namespace {

constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxFields = 50;
constexpr size_t kMaxFieldNameBytes = 64;
constexpr size_t kMaxFieldBytes = kMaxVariableBytes;  // a field is a template variable
constexpr size_t kMaxGroups = 50;
constexpr size_t kMaxGroupNameBytes = 64;
constexpr size_t kMaxDescriptionBytes = 500;
constexpr std::string_view kGroupNameRule =
    "must be 1 to 64 lower-case letters, digits, - and _, starting with a letter or digit";

bool valid_group_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxGroupNameBytes) return false;
  if (name[0] == '-' || name[0] == '_') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

// The contact's own values are template variables too: a field may not take their names.
bool reserved_field(std::string_view name) {
  return name == "name" || name == "number" || name == "language";
}

// Why a field's name is refused; empty when it is fine.
std::string field_name_fault(std::string_view name) {
  if (name.size() > kMaxFieldNameBytes || !policy::valid_variable_name(name))
    return "a field's name is up to 64 letters, digits and _, starting with a letter";
  if (reserved_field(name)) return "is the contact's own; it is not a field";
  return {};
}

// Why a field's value is refused; empty when it is fine.
std::string field_value_fault(std::string_view value) {
  if (value.empty()) return "is empty (leave the field out instead)";
  if (value.size() > kMaxFieldBytes)
    return "is longer than " + std::to_string(kMaxFieldBytes) + " bytes";
  return {};
}

Result<std::string> normalized_number(ApiContext& context, std::string_view number,
                                      const std::string& field) {
  auto normalized = policy::normalize_number(number, context.intake.defaults().default_region);
  if (!normalized) return invalid(field, normalized.error().message, ErrorCode::kInvalidNumber);
  return std::move(*normalized);
}

nlohmann::json contact_json(const store::ContactRecord& contact) {
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [name, value] : contact.fields) fields[name] = value;
  nlohmann::json body = {{"id", contact.id},
                         {"number", contact.number},
                         {"name", contact.name},
                         {"fields", std::move(fields)},
                         {"groups", contact.groups},
                         {"created_at", store::iso8601_utc(contact.created_at)},
                         {"updated_at", store::iso8601_utc(contact.updated_at)}};
  body["language"] = contact.language ? nlohmann::json(*contact.language) : nlohmann::json();
  return body;
}

nlohmann::json group_json(const store::GroupRecord& group) {
  nlohmann::json body = {{"name", group.name},
                         {"members", group.members},
                         {"created_at", store::iso8601_utc(group.created_at)}};
  body["description"] = group.description ? nlohmann::json(*group.description) : nlohmann::json();
  return body;
}

// {number, name, language?, fields?, groups?}, checked; the number in E.164.
Result<store::ContactRecord> read_contact(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return body.error();
  Fields fields(*body);
  store::ContactRecord record;
  auto number = fields.required_string("number", 64);
  if (!number) return number.error();
  auto normalized = normalized_number(context, *number, "number");
  if (!normalized) return normalized.error();
  record.number = std::move(*normalized);
  auto name = fields.required_string("name", kMaxNameBytes);
  if (!name) return name.error();
  if (name->empty()) return invalid("name", "is empty");
  if (!pdu::utf8_to_code_points(*name)) return invalid("name", "is not UTF-8");
  record.name = std::move(*name);
  auto language = read_template_language(fields);
  if (!language) return language.error();
  record.language = std::move(*language);
  auto given_fields = fields.object("fields");
  if (!given_fields) return given_fields.error();
  if (*given_fields) {
    if ((*given_fields)->size() > kMaxFields)
      return invalid("fields", "at most " + std::to_string(kMaxFields) + " fields");
    for (const auto& [field_name, value] : (*given_fields)->items()) {
      std::string field = "fields." + field_name;
      if (std::string fault = field_name_fault(field_name); !fault.empty())
        return invalid(field, fault);
      if (!value.is_string()) return invalid(field, "must be a string");
      const auto& text = value.get_ref<const std::string&>();
      if (std::string fault = field_value_fault(text); !fault.empty()) return invalid(field, fault);
      record.fields.emplace(field_name, text);
    }
  }
  auto groups = fields.array("groups", kMaxGroups);
  if (!groups) return groups.error();
  if (*groups) {
    std::set<std::string> named;
    for (size_t i = 0; i < (*groups)->size(); ++i) {
      const nlohmann::json& group = (**groups)[i];
      std::string field = "groups[" + std::to_string(i) + "]";
      if (!group.is_string() || !valid_group_name(group.get<std::string>()))
        return invalid(field, std::string(kGroupNameRule));
      named.insert(group.get<std::string>());
    }
    record.groups.assign(named.begin(), named.end());
  }
  if (Status done = fields.finish(); !done) return done.error();
  return record;
}

Response list_contacts(ApiContext& context, const Request& request) {
  auto paging = page_params(request);
  if (!paging) return error_from(paging.error());
  store::ContactFilter filter;
  filter.limit = paging->limit;
  filter.cursor = paging->cursor;
  if (auto group = query_param(request, "group")) filter.group = std::string(*group);
  if (auto q = query_param(request, "q")) {
    if (q->size() > 100) return error_from(invalid("q", "is longer than 100 bytes"));
    filter.q = std::string(*q);
  }
  auto page = context.store.list_contacts(filter);
  if (!page) return error_from(page.error());
  return page_response(*page, contact_json);
}

std::optional<int64_t> contact_id(const Request& request) { return id_param(request); }

Response get_contact(ApiContext& context, const Request& request) {
  auto id = contact_id(request);
  if (!id) return not_found("contact", request.params.at(0));
  auto found = context.store.find_contact(*id);
  if (!found) return server_error(found.error());
  if (!*found) return not_found("contact", request.params.at(0));
  return json_response(200, contact_json(**found));
}

Response add_contact(ApiContext& context, const Request& request) {
  auto record = read_contact(context, request);
  if (!record) return error_from(record.error());
  auto stored = context.store.add_contact(std::move(*record), context.clock.now());
  if (!stored) return error_from(stored.error());
  return json_response(201, contact_json(*stored));
}

Response put_contact(ApiContext& context, const Request& request) {
  auto id = contact_id(request);
  if (!id) return not_found("contact", request.params.at(0));
  auto record = read_contact(context, request);
  if (!record) return error_from(record.error());
  auto stored = context.store.replace_contact(*id, std::move(*record), context.clock.now());
  if (!stored) return error_from(stored.error());
  if (!*stored) return not_found("contact", request.params.at(0));
  return json_response(200, contact_json(**stored));
}

Response remove_contact(ApiContext& context, const Request& request) {
  auto id = contact_id(request);
  if (!id) return not_found("contact", request.params.at(0));
  return removal_response(context.store.remove_contact(*id), "contact", request.params.at(0));
}

// --- CSV ------------------------------------------------------------------------------

// The columns of an import, by what they say.
struct ImportColumns {
  size_t number = 0;
  size_t name = 0;
  std::optional<size_t> language;
  std::optional<size_t> groups;
  std::vector<std::pair<size_t, std::string>> fields;  // column, field name
  size_t count = 0;
};

Result<ImportColumns> import_columns(const std::vector<std::string>& header) {
  ImportColumns columns;
  columns.count = header.size();
  std::optional<size_t> number;
  std::optional<size_t> name;
  std::set<std::string> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& column = header[i];
    std::string where = "column " + std::to_string(i + 1) + " \"" + column + "\"";
    if (!seen.insert(column).second) return invalid("csv", where + " comes twice in the header");
    if (column == "number") {
      number = i;
    } else if (column == "name") {
      name = i;
    } else if (column == "language") {
      columns.language = i;
    } else if (column == "groups") {
      columns.groups = i;
    } else if (std::string fault = field_name_fault(column); !fault.empty()) {
      return invalid("csv", where +
                                ": not number, name, language or groups, and no field's name (up "
                                "to 64 letters, digits and _, starting with a letter)");
    } else {
      columns.fields.emplace_back(i, column);
    }
  }
  if (!number)
    return Error{"csv: the header row has no \"number\" column", ErrorCode::kMissingField, "csv"};
  if (!name)
    return Error{"csv: the header row has no \"name\" column", ErrorCode::kMissingField, "csv"};
  columns.number = *number;
  columns.name = *name;
  return columns;
}

// One row of the file as a contact to take in, or why it is refused.
Result<store::ContactImport> import_row(ApiContext& context, const ImportColumns& columns,
                                        const std::vector<std::string>& cells) {
  if (cells.size() != columns.count)
    return make_error("it has " + std::to_string(cells.size()) + " cells, the header has " +
                      std::to_string(columns.count));
  store::ContactImport row;
  const std::string& number = cells[columns.number];
  if (number.empty()) return make_error("number: missing");
  auto normalized = normalized_number(context, number, "number");
  if (!normalized) return make_error(normalized.error().message);
  row.number = std::move(*normalized);
  row.name = cells[columns.name];
  if (row.name.empty()) return make_error("name: missing");
  if (row.name.size() > kMaxNameBytes)
    return make_error("name: is longer than " + std::to_string(kMaxNameBytes) + " bytes");
  if (columns.language) {
    const std::string& language = cells[*columns.language];
    if (!language.empty() && !policy::valid_template_language(language))
      return make_error("language: \"" + language + "\" is no language tag ICU knows");
    row.language = language.empty() ? std::nullopt : std::optional<std::string>(language);
  }
  if (columns.groups) {
    std::set<std::string> named;
    std::string_view list = cells[*columns.groups];
    while (!list.empty()) {
      size_t end = list.find(';');
      std::string_view group = list.substr(0, end);
      list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
      while (!group.empty() && group.front() == ' ') group.remove_prefix(1);
      while (!group.empty() && group.back() == ' ') group.remove_suffix(1);
      if (group.empty()) continue;
      if (!valid_group_name(group))
        return make_error("groups: \"" + std::string(group) + "\" " + std::string(kGroupNameRule));
      named.emplace(group);
    }
    if (named.size() > kMaxGroups)
      return make_error("groups: at most " + std::to_string(kMaxGroups) + " groups");
    row.groups = std::vector<std::string>(named.begin(), named.end());
  }
  for (const auto& [column, field] : columns.fields) {
    const std::string& value = cells[column];
    if (value.empty()) {
      row.fields.emplace(field, std::nullopt);
      continue;
    }
    if (std::string fault = field_value_fault(value); !fault.empty())
      return make_error(field + ": " + fault);
    row.fields.emplace(field, value);
  }
  return row;
}

Response import_contacts(ApiContext& context, const Request& request) {
  if (!is_csv(request))
    return error_response(ErrorCode::kUnsupportedMediaType,
                          "the body must be text/csv, a header row first");
  if (!pdu::utf8_to_code_points(request.body))
    return error_from(invalid("csv", "the file is not UTF-8 (save it as CSV UTF-8)"));
  auto records = policy::parse_csv(request.body);
  if (!records) return error_from(records.error());
  if (records->empty())
    return error_from(invalid("csv", "the file is empty; it needs a header row"));
  auto columns = import_columns(records->front().cells);
  if (!columns) return error_from(columns.error());

  std::vector<store::ContactImport> rows;
  nlohmann::json refused = nlohmann::json::array();
  std::map<std::string, size_t> row_of_number;
  // Rows as a spreadsheet numbers them: the header is row 1, and a cell over several
  // lines stays in its one row.
  for (size_t i = 1; i < records->size(); ++i) {
    size_t row_number = i + 1;
    auto row = import_row(context, *columns, (*records)[i].cells);
    if (row) {
      auto [earlier, first] = row_of_number.emplace(row->number, row_number);
      if (!first)
        row = make_error("number: " + row->number + " is in row " +
                         std::to_string(earlier->second) + " already");
    }
    if (!row) {
      refused.push_back({{"row", row_number}, {"reason", row.error().message}});
      continue;
    }
    rows.push_back(std::move(*row));
  }
  auto counts = context.store.import_contacts(rows, context.clock.now());
  if (!counts) return error_from(counts.error());
  return json_response(200, {{"taken", counts->added + counts->updated},
                             {"updated", counts->updated},
                             {"refused", std::move(refused)}});
}

Response export_contacts(ApiContext& context, const Request&) {
  auto contacts = context.store.all_contacts();
  if (!contacts) return server_error(contacts.error());
  std::set<std::string> field_names;
  for (const store::ContactRecord& contact : *contacts)
    for (const auto& [name, value] : contact.fields) field_names.insert(name);
  std::vector<std::string> header = {"number", "name", "language", "groups"};
  header.insert(header.end(), field_names.begin(), field_names.end());
  std::string csv = policy::csv_record(header);
  for (const store::ContactRecord& contact : *contacts) {
    std::string groups;
    for (const std::string& group : contact.groups) groups += (groups.empty() ? "" : ";") + group;
    std::vector<std::string> cells = {contact.number, contact.name, contact.language.value_or(""),
                                      groups};
    for (const std::string& name : field_names) {
      auto found = contact.fields.find(name);
      cells.push_back(found == contact.fields.end() ? "" : found->second);
    }
    csv += policy::csv_record(cells);
  }
  Response response{200, "text/csv; charset=utf-8", std::move(csv), {}};
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"contacts.csv\"");
  return response;
}

// --- Groups ---------------------------------------------------------------------------

Response list_groups(ApiContext& context, const Request&) {
  return list_response(context.store.list_groups(), group_json);
}

Response add_group(ApiContext& context, const Request& request) {
  auto body = parse_object(request.body);
  if (!body) return error_from(body.error());
  Fields fields(*body);
  auto name = fields.required_string("name", kMaxGroupNameBytes);
  if (!name) return error_from(name.error());
  if (!valid_group_name(*name)) return error_from(invalid("name", std::string(kGroupNameRule)));
  auto description = fields.string("description", kMaxDescriptionBytes);
  if (!description) return error_from(description.error());
  if (Status done = fields.finish(); !done) return error_from(done.error());
  auto added =
      context.store.add_group(store::GroupRecord{*name, *description, 0, 0}, context.clock.now());
  if (!added) return error_from(added.error());
  return json_response(201, group_json(*added));
}

Response remove_group(ApiContext& context, const Request& request) {
  return removal_response(context.store.remove_group(request.params.at(0)), "group",
                          request.params.at(0));
}

}  // namespace

void add_contact_routes(Router& router, ApiContext& context) {
  static constexpr ApiRoute kRoutes[] = {
      {"GET", "/api/v1/contacts", Scope::kSend, list_contacts},
      {"POST", "/api/v1/contacts", Scope::kContacts, add_contact, action::kContactAdd},
      // Before /contacts/{id}, which would take "import" and "export" for ids.
      {"POST", "/api/v1/contacts/import", Scope::kContacts, import_contacts,
       action::kContactImport},
      {"GET", "/api/v1/contacts/export", Scope::kSend, export_contacts},
      {"GET", "/api/v1/contacts/{id}", Scope::kSend, get_contact},
      {"PUT", "/api/v1/contacts/{id}", Scope::kContacts, put_contact, action::kContactPut},
      {"DELETE", "/api/v1/contacts/{id}", Scope::kContacts, remove_contact, action::kContactRemove},
      {"GET", "/api/v1/groups", Scope::kSend, list_groups},
      {"POST", "/api/v1/groups", Scope::kContacts, add_group, action::kGroupAdd},
      {"DELETE", "/api/v1/groups/{name}", Scope::kContacts, remove_group, action::kGroupRemove},
  };
  add_routes(router, context, kRoutes);
}

}  // namespace smsgate::http
