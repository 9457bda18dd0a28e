// Templates: the message templates by name (/api/v1/templates), their text checked by
// policy::parse_template before it gets here. Implemented in store/templates.cpp.
//
// Thread safety: every method may be called from any thread at the same time.
// put_template and remove_template are writes: they return once their group commit is
// fsync'd (store/engine.h). find_template and list_templates are reads from one
// snapshot that never wait for the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/engine.h"

namespace smsgate::store {

struct TemplateRecord {
  std::string name;
  std::string text;
  std::optional<std::string> category;  // the sends' default; none: transactional
  std::optional<std::string> language;  // BCP 47; none: English
  int64_t created_at = 0;
  int64_t updated_at = 0;
  friend bool operator==(const TemplateRecord&, const TemplateRecord&) = default;
};

class Templates {
 public:
  explicit Templates(Engine& engine) : engine_(engine) {}

  // Adds the template or replaces the one of that name (created_at kept). With
  // `only_new`, an existing name is refused (kNameTaken) and nothing changes. The
  // record as stored, and whether it was new.
  Result<std::pair<TemplateRecord, bool>> put_template(TemplateRecord record, int64_t now,
                                                       bool only_new);
  Result<std::optional<TemplateRecord>> find_template(const std::string& name);
  // By name.
  Result<std::vector<TemplateRecord>> list_templates();
  // False: no template of that name.
  Result<bool> remove_template(const std::string& name);

 private:
  Engine& engine_;
};

}  // namespace smsgate::store
