#include "policy/category.h"

#include <array>
#include <utility>

namespace smsgate::policy {
namespace {

constexpr std::array<std::pair<Category, std::string_view>, 5> kCategoryNames{{
    {Category::kOtp, "otp"},
    {Category::kTransactional, "transactional"},
    {Category::kReminder, "reminder"},
    {Category::kFeedback, "feedback"},
    {Category::kMarketing, "marketing"},
}};

}  // namespace

std::string_view category_name(Category category) {
  for (const auto& [value, name] : kCategoryNames) {
    if (value == category) return name;
  }
  return {};
}

std::optional<Category> parse_category(std::string_view name) {
  for (const auto& [value, known] : kCategoryNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string_view category_choices() {
  return "otp, transactional, reminder, feedback or marketing";
}

bool held_by_quiet_hours(Category category) {
  return category == Category::kReminder || category == Category::kFeedback ||
         category == Category::kMarketing;
}

bool blocked_by_optout(Category category) { return category != Category::kOtp; }

int default_priority(Category category) {
  switch (category) {
    case Category::kOtp:
      return 100;
    case Category::kTransactional:
      return 50;
    case Category::kReminder:
    case Category::kFeedback:
      return 20;
    case Category::kMarketing:
      return 0;
  }
  return 0;
}

bool expects_reply_by_default(Category category) { return category == Category::kFeedback; }

}  // namespace smsgate::policy
