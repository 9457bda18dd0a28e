#include "email/recipient.h"

#include "common/strings.h"
#include "policy/phone.h"

namespace smsgate::email {

Result<std::string> recipient_number(std::string_view address, std::string_view domain,
                                     std::string_view default_region) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || domain.empty() ||
      to_lower(address.substr(at + 1)) != to_lower(domain))
    return Error{"relaying denied: only mail to <number>@" + std::string(domain) + " is taken",
                 ErrorCode::kForbidden};
  auto number = policy::normalize_number(address.substr(0, at), default_region);
  if (!number) return Error{number.error().message, ErrorCode::kInvalidNumber};
  return number;
}

}  // namespace smsgate::email
