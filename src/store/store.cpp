// The Store: one Engine, offered through every view.
#include "store/store.h"

#include <utility>

namespace smsgate::store {

Result<std::unique_ptr<Store>> Store::open(const std::string& path, StoreOptions options) {
  auto engine = Engine::open(path, options);
  if (!engine.ok()) return engine.error();
  return std::make_unique<Store>(std::move(*engine));
}

Store::Store(std::unique_ptr<Engine> engine)
    : Outbound(*engine),
      Inbound(*engine),
      Modems(*engine),
      Webhooks(*engine),
      Credentials(*engine),
      engine_(std::move(engine)) {}

}  // namespace smsgate::store
