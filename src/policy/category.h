// What a message is for, as the API's `category` names it, and the rules that follow
// from it alone: which categories quiet hours hold, which an opt-out blocks, and the
// priority a category gets by default. The names are spelt here and nowhere else.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace smsgate::policy {

enum class Category { kOtp, kTransactional, kReminder, kFeedback, kMarketing };
inline constexpr Category kAllCategories[] = {Category::kOtp, Category::kTransactional,
                                              Category::kReminder, Category::kFeedback,
                                              Category::kMarketing};
// "otp", "transactional", ...; empty for a value outside the enum.
std::string_view category_name(Category category);
std::optional<Category> parse_category(std::string_view name);
// "otp, transactional, reminder, feedback or marketing", for error messages.
std::string_view category_choices();

// Quiet hours hold these; one-time passwords and transactional messages (an order
// shipped, a booking confirmed) are wanted at once, whatever the hour.
bool held_by_quiet_hours(Category category);
// Opt-outs block every category but OTP (DESIGN.md "Guarantees"): a person who texted
// STOP still signs in to the patient portal.
bool blocked_by_optout(Category category);
// The priority a category gets when the request names none: OTP outranks everything.
int default_priority(Category category);
// Whether a reply to it is expected unless the request says: feedback asks for one.
bool expects_reply_by_default(Category category);

}  // namespace smsgate::policy
