// The names of the statuses in types.h, as the schema's CHECKs and the API spell them.
#include "store/types.h"

#include <array>

namespace smsgate::store {

namespace {

constexpr std::array<std::string_view, kMessageStatusCount> kMessageStatusNames = {
    "queued", "scheduled", "sending", "sent", "delivered", "failed", "expired", "cancelled"};
constexpr std::array<std::string_view, 5> kPartStatusNames = {"queued", "submitting", "sent",
                                                              "delivered", "failed"};

}  // namespace

std::string_view message_status_name(MessageStatus status) {
  return kMessageStatusNames[static_cast<size_t>(status)];
}

std::optional<MessageStatus> parse_message_status(std::string_view name) {
  for (size_t i = 0; i < kMessageStatusNames.size(); ++i)
    if (kMessageStatusNames[i] == name) return static_cast<MessageStatus>(i);
  return std::nullopt;
}

bool is_final(MessageStatus status) {
  return status != MessageStatus::kQueued && status != MessageStatus::kScheduled &&
         status != MessageStatus::kSending;
}

std::string_view part_status_name(PartStatus status) {
  return kPartStatusNames[static_cast<size_t>(status)];
}

std::optional<PartStatus> parse_part_status(std::string_view name) {
  for (size_t i = 0; i < kPartStatusNames.size(); ++i)
    if (kPartStatusNames[i] == name) return static_cast<PartStatus>(i);
  return std::nullopt;
}

}  // namespace smsgate::store
