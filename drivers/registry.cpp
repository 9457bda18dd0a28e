// Which driver a modem gets: the first family whose manufacturer (and, when listed,
// model) substrings match its AT+CGMI / AT+CGMM answers, else the generic driver. And
// what a port may say unasked before that choice: every family's lines.
#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "drivers/driver.h"
#include "drivers/families.h"

namespace smsgate::drivers {
namespace {

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != haystack.end();
}

bool matches_any(std::string_view text, std::span<const std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return contains_ignoring_case(text, n); });
}

struct UnsolicitedLines {
  std::vector<std::string_view> prefixes;
  std::vector<std::string_view> words;
};

// Families share some lines (SIMCom's and Quectel's boot chatter): each is kept once.
void add_unique(std::vector<std::string_view>& to, std::span<const std::string_view> lines) {
  to.insert(to.end(), lines.begin(), lines.end());
  std::sort(to.begin(), to.end());
  to.erase(std::unique(to.begin(), to.end()), to.end());
}

UnsolicitedLines collect_unsolicited() {
  UnsolicitedLines all;
  for (const Driver* d : known_drivers()) {
    add_unique(all.prefixes, d->unsolicited.prefixes);
    add_unique(all.words, d->unsolicited.words);
  }
  return all;
}

}  // namespace

std::span<const Driver* const> known_drivers() {
  // Order matters: the first match wins, so a family restricted to some models comes
  // before the catch-all driver of the same maker (SIMCom LTE before SIMCom 2G).
  static const std::array drivers = {
      &huawei_driver(), &simcom_driver(), &simcom_2g_driver(), &quectel_driver(),
      &sierra_driver(), &telit_driver(),  &zte_driver(),       &generic_driver(),
  };
  return drivers;
}

const Driver& driver_for(std::string_view manufacturer, std::string_view model) {
  for (const Driver* d : known_drivers()) {
    if (d->manufacturers.empty() || !matches_any(manufacturer, d->manufacturers)) continue;
    if (!d->models.empty() && !matches_any(model, d->models)) continue;
    return *d;
  }
  return generic_driver();
}

at::UnsolicitedSet all_unsolicited() {
  // Never destroyed: a worker thread may still be reading a port while the process exits.
  static const UnsolicitedLines& all = *new UnsolicitedLines(collect_unsolicited());
  return {all.prefixes, all.words};
}

}  // namespace smsgate::drivers
