// Templates (templates.h): message templates by name.
#include "store/templates.h"

#include "store/internal.h"

namespace smsgate::store {

using detail::read_first;

namespace {

TemplateRecord template_from(const Query& row) {
  return TemplateRecord{row.text(0),          row.text(1),  row.optional_text(2),
                        row.optional_text(3), row.int64(4), row.int64(5)};
}

Result<std::optional<TemplateRecord>> template_named(Connection& db, const std::string& name) {
  auto q = db.query(
      "SELECT name, text, category, language, created_at, updated_at FROM templates "
      "WHERE name = ?1");
  if (!q.ok()) return q.error();
  q->bind_all(name);
  return read_first(*q, template_from);
}

}  // namespace

Result<std::pair<TemplateRecord, bool>> Templates::put_template(TemplateRecord record, int64_t now,
                                                                bool only_new) {
  if (record.name.empty()) return make_error("name: empty");
  bool created = false;
  Status written = engine_.write([&](Connection& db) -> Status {
    auto existing = template_named(db, record.name);
    if (!existing.ok()) return existing.error();
    if (*existing && only_new)
      return Error{"name: there is already a template called \"" + record.name + "\"",
                   ErrorCode::kNameTaken, "name"};
    created = !*existing;
    record.created_at = created ? now : (*existing)->created_at;
    record.updated_at = now;
    auto q = db.query(
        "INSERT INTO templates (name, text, category, language, created_at, updated_at) "
        "VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT (name) DO UPDATE SET text = excluded.text, "
        "category = excluded.category, language = excluded.language, "
        "updated_at = excluded.updated_at");
    if (!q.ok()) return q.error();
    return q
        ->bind_all(record.name, record.text, record.category, record.language, record.created_at,
                   record.updated_at)
        .run();
  });
  if (!written.ok()) return written.error();
  return std::pair{std::move(record), created};
}

Result<std::optional<TemplateRecord>> Templates::find_template(const std::string& name) {
  auto db = engine_.read();
  if (!db.ok()) return db.error();
  return template_named(**db, name);
}

Result<std::vector<TemplateRecord>> Templates::list_templates() {
  return detail::read_all(
      engine_,
      "SELECT name, text, category, language, created_at, updated_at FROM templates "
      "ORDER BY name",
      template_from);
}

Result<bool> Templates::remove_template(const std::string& name) {
  return detail::change_rows(engine_, "DELETE FROM templates WHERE name = ?1", name);
}

}  // namespace smsgate::store
