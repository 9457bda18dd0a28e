// Whatever bytes arrive as a mail, mail_to_text answers with a text or an error that
// says what is wrong: never a crash, an out-of-range read (ASan) or undefined behaviour
// (UBSan), and never text that is not UTF-8. The HTML and body cleaners get the input
// as it is too.
#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "email/mail_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  for (bool prefix : {false, true}) {
    auto mail = smsgate::email::mail_to_text(raw, {.subject_prefix = prefix});
    if (!mail.ok()) {
      if (mail.error().message.empty()) __builtin_trap();
      continue;
    }
    if (mail->text.empty() && !mail->template_name) __builtin_trap();
    if (!g_utf8_validate(mail->text.data(), static_cast<gssize>(mail->text.size()), nullptr))
      __builtin_trap();
  }
  (void)smsgate::email::html_to_text(raw);
  (void)smsgate::email::clean_body(raw);
  return 0;
}
