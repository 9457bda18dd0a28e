// Which phone number a mail's recipient address names: <number>@<[email] domain>, the
// domain in any case, the number as people write it ("+491701234567", "01701234567")
// normalised to E.164 with [sending] default_region (policy/phone.h). The SMTP session
// and the pipe mode both read recipients here.
//
// Thread safety: a pure function.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace smsgate::email {

// The number in E.164. Errors: another domain or no domain (code kForbidden: relaying
// denied), a local part that is no valid number (kInvalidNumber, with the reason).
Result<std::string> recipient_number(std::string_view address, std::string_view domain,
                                     std::string_view default_region);

}  // namespace smsgate::email
