// The udev rules (udev/*.rules) against the drivers: every line is well-formed udev
// syntax (systemd 252's udevadm has no "verify", so the checker is here), every
// family's USB ids are kept from ModemManager, and the interface each rule links under
// /dev/smsgate/ is one its driver answers AT on.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/result.h"
#include "drivers/driver.h"

namespace smsgate::drivers {
namespace {

namespace fs = std::filesystem;

// ---- a udev rules reader (udev(7), "Rules Files") ----------------------------------

struct Token {
  std::string key;
  std::string attr;  // the {…} part: ATTRS{idVendor} → "idVendor"
  std::string op;    // ==, !=, =, +=, -=, :=
  std::string value;
};

struct Rule {
  int line = 0;
  std::vector<Token> tokens;

  // The value of the first `key{attr} op "..."`, if the rule has one.
  std::optional<std::string> find(std::string_view key, std::string_view attr,
                                  std::string_view op) const {
    for (const Token& t : tokens) {
      if (t.key == key && t.attr == attr && t.op == op) return t.value;
    }
    return std::nullopt;
  }
};

enum class Allowed { kMatch, kAssign, kBoth };

struct KeySpec {
  std::string_view name;
  Allowed allowed;
  bool attr;  // takes {attribute}
};

// udev(7) of systemd 252, every key and whether it matches, assigns or both.
constexpr KeySpec kKeys[] = {
    {"ACTION", Allowed::kMatch, false},    {"DEVPATH", Allowed::kMatch, false},
    {"KERNEL", Allowed::kMatch, false},    {"KERNELS", Allowed::kMatch, false},
    {"SUBSYSTEM", Allowed::kMatch, false}, {"SUBSYSTEMS", Allowed::kMatch, false},
    {"DRIVER", Allowed::kMatch, false},    {"DRIVERS", Allowed::kMatch, false},
    {"ATTRS", Allowed::kMatch, true},      {"TAGS", Allowed::kMatch, false},
    {"TEST", Allowed::kMatch, false},      {"RESULT", Allowed::kMatch, false},
    {"CONST", Allowed::kMatch, true},      {"PROGRAM", Allowed::kMatch, false},
    {"NAME", Allowed::kBoth, false},       {"SYMLINK", Allowed::kBoth, false},
    {"ATTR", Allowed::kBoth, true},        {"SYSCTL", Allowed::kBoth, true},
    {"ENV", Allowed::kBoth, true},         {"TAG", Allowed::kBoth, false},
    {"OWNER", Allowed::kAssign, false},    {"GROUP", Allowed::kAssign, false},
    {"MODE", Allowed::kAssign, false},     {"SECLABEL", Allowed::kAssign, true},
    {"RUN", Allowed::kAssign, false},      {"IMPORT", Allowed::kAssign, false},
    {"OPTIONS", Allowed::kAssign, false},  {"LABEL", Allowed::kAssign, false},
    {"GOTO", Allowed::kAssign, false},
};

// TEST, RUN and IMPORT take an optional {…} (a mode mask, a type); the others above
// marked `attr` require one.
bool attr_optional(std::string_view key) {
  return key == "TEST" || key == "RUN" || key == "IMPORT";
}

Status check_token(const Token& t) {
  auto spec = std::find_if(std::begin(kKeys), std::end(kKeys),
                           [&](const KeySpec& k) { return k.name == t.key; });
  if (spec == std::end(kKeys)) return make_error("unknown key " + t.key);
  if (t.attr.empty() && spec->attr) return make_error(t.key + " needs {attribute}");
  if (!t.attr.empty() && !spec->attr && !attr_optional(t.key)) {
    return make_error(t.key + " takes no {attribute}");
  }
  bool match = t.op == "==" || t.op == "!=";
  if (match && spec->allowed == Allowed::kAssign) return make_error(t.key + " cannot match");
  if (!match && spec->allowed == Allowed::kMatch) return make_error(t.key + " cannot assign");
  if ((t.key == "LABEL" || t.key == "GOTO" || t.key == "IMPORT") && t.op != "=") {
    return make_error(t.key + " takes only =");
  }
  return ok_status();
}

// One logical line (continuations joined) into its comma-separated tokens.
Result<std::vector<Token>> parse_line(std::string_view line) {
  std::vector<Token> tokens;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  while (true) {
    skip_spaces();
    if (i == line.size()) break;
    if (!tokens.empty()) {
      if (line[i] != ',') return make_error("expected a comma at column " + std::to_string(i + 1));
      ++i;
      skip_spaces();
    }
    Token t;
    while (i < line.size() &&
           (std::isupper(static_cast<unsigned char>(line[i])) || line[i] == '_')) {
      t.key += line[i++];
    }
    if (t.key.empty()) return make_error("expected a key at column " + std::to_string(i + 1));
    if (i < line.size() && line[i] == '{') {
      size_t close = line.find('}', i);
      if (close == std::string_view::npos) return make_error("unclosed { after " + t.key);
      t.attr = std::string(line.substr(i + 1, close - i - 1));
      if (t.attr.empty()) return make_error("empty {} after " + t.key);
      i = close + 1;
    }
    skip_spaces();
    for (std::string_view op : {"==", "!=", "+=", "-=", ":=", "="}) {
      if (line.substr(i).starts_with(op)) {
        t.op = op;
        i += op.size();
        break;
      }
    }
    if (t.op.empty()) return make_error("expected an operator after " + t.key);
    skip_spaces();
    if (i == line.size() || line[i] != '"') return make_error("expected \" after " + t.key + t.op);
    ++i;
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      t.value += line[i++];
    }
    if (i == line.size()) return make_error("unterminated value of " + t.key);
    ++i;
    if (Status ok = check_token(t); !ok) return ok.error();
    tokens.push_back(std::move(t));
  }
  return tokens;
}

// A whole file: comments and blank lines skipped, every GOTO going to a LABEL further
// down. Errors name the line.
Result<std::vector<Rule>> parse_rules(const std::string& text) {
  std::vector<Rule> rules;
  std::istringstream in(text);
  std::string physical;
  std::string logical;
  int number = 0;
  int first = 0;
  while (std::getline(in, physical)) {
    ++number;
    if (logical.empty()) first = number;
    if (!physical.empty() && physical.back() == '\\') {
      physical.pop_back();
      logical += physical;
      continue;
    }
    logical += physical;
    std::string_view trimmed = logical;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) {
      trimmed.remove_prefix(1);
    }
    if (!trimmed.empty() && trimmed.front() != '#') {
      auto tokens = parse_line(trimmed);
      if (!tokens)
        return make_error("line " + std::to_string(first) + ": " + tokens.error().message);
      rules.push_back({first, std::move(*tokens)});
    }
    logical.clear();
  }
  if (!logical.empty())
    return make_error("line " + std::to_string(first) + ": continued past the end");
  for (size_t r = 0; r < rules.size(); ++r) {
    auto target = rules[r].find("GOTO", "", "=");
    if (!target) continue;
    bool found =
        std::any_of(rules.begin() + static_cast<long>(r) + 1, rules.end(),
                    [&](const Rule& later) { return later.find("LABEL", "", "=") == target; });
    if (!found) {
      return make_error("line " + std::to_string(rules[r].line) + ": no LABEL \"" + *target +
                        "\" after this GOTO");
    }
  }
  return rules;
}

// ---- the shipped files --------------------------------------------------------------

fs::path udev_dir() { return fs::path(SMSGATE_TEST_DATA) / ".." / "udev"; }

std::vector<Rule> shipped_rules() {
  std::vector<Rule> all;
  for (const auto& entry : fs::directory_iterator(udev_dir())) {
    if (entry.path().extension() != ".rules") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    auto rules = parse_rules(text.str());
    INFO(entry.path().filename().string());
    REQUIRE_MESSAGE(rules.ok(), (rules.ok() ? std::string() : rules.error().message));
    all.insert(all.end(), rules->begin(), rules->end());
  }
  return all;
}

std::string hex4(uint16_t id) {
  char text[5];
  std::snprintf(text, sizeof text, "%04x", id);
  return text;
}

bool sets_ignore(const Rule& rule) { return rule.find("ENV", "ID_MM_DEVICE_IGNORE", "=") == "1"; }
bool sets_link(const Rule& rule) { return rule.find("ENV", ".SMSGATE_LINK", "=") == "1"; }

// The rule is for exactly this id: its vendor, and its product when the id names one
// (a rule for a whole vendor must not narrow it to some products).
bool names(const Rule& rule, const UsbId& id) {
  if (rule.find("ATTRS", "idVendor", "==") != hex4(id.vendor)) return false;
  auto product = rule.find("ATTRS", "idProduct", "==");
  return id.product == 0 ? !product.has_value() : product == hex4(id.product);
}

// The driver whose usb_ids take in what the rule names (its vendor, and its product
// when it matches one).
const Driver* owner(const Rule& rule) {
  auto vendor = rule.find("ATTRS", "idVendor", "==");
  if (!vendor) return nullptr;
  auto product = rule.find("ATTRS", "idProduct", "==");
  for (const Driver* d : known_drivers()) {
    for (const UsbId& id : d->usb_ids) {
      if (hex4(id.vendor) != *vendor) continue;
      if (id.product == 0 || (product && *product == hex4(id.product))) return d;
    }
  }
  return nullptr;
}

TEST_CASE("udev rules reader: accepts udev's syntax and names what is wrong") {
  auto good = parse_rules(
      "# comment\n\n"
      "ACTION==\"remove\", GOTO=\"end\"\n"
      "ATTRS{idVendor}==\"12d1\", \\\n  ENV{ID_MM_DEVICE_IGNORE}=\"1\", SYMLINK+=\"a/$env{X}\"\n"
      "TEST!=\"/x\", RUN+=\"/bin/true -v \\\"q\\\"\"\n"
      "LABEL=\"end\"\n");
  REQUIRE(good.ok());
  REQUIRE(good->size() == 4);
  CHECK((*good)[1].line == 4);
  CHECK((*good)[1].find("ENV", "ID_MM_DEVICE_IGNORE", "=") == "1");
  CHECK((*good)[2].find("RUN", "", "+=") == "/bin/true -v \"q\"");

  struct Bad {
    const char* text;
    const char* error;
  };
  const Bad bad[] = {
      {"FOO==\"x\"\n", "line 1: unknown key FOO"},
      {"ATTRS{idVendor}=\"12d1\"\n", "line 1: ATTRS cannot assign"},
      {"GROUP==\"dialout\"\n", "line 1: GROUP cannot match"},
      {"ATTRS==\"x\"\n", "line 1: ATTRS needs {attribute}"},
      {"KERNEL{x}==\"x\"\n", "line 1: KERNEL takes no {attribute}"},
      {"KERNEL==\"a\" MODE=\"0660\"\n", "line 1: expected a comma at column 13"},
      {"KERNEL==a\n", "line 1: expected \" after KERNEL=="},
      {"\nKERNEL==\"a\n", "line 2: unterminated value of KERNEL"},
      {"KERNEL~\"a\"\n", "line 1: expected an operator after KERNEL"},
      {"GOTO=\"nowhere\"\n", "line 1: no LABEL \"nowhere\" after this GOTO"},
      {"KERNEL==\"a\", \\\n", "line 1: continued past the end"},
  };
  for (const Bad& b : bad) {
    auto parsed = parse_rules(b.text);
    INFO(b.text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message == b.error);
  }
}

TEST_CASE("udev rules: ModemManager is kept off every family's USB ids") {
  std::vector<Rule> rules = shipped_rules();
  for (const Driver* d : known_drivers()) {
    for (const UsbId& id : d->usb_ids) {
      INFO(d->family, " ", hex4(id.vendor), ":", hex4(id.product));
      CHECK(std::any_of(rules.begin(), rules.end(),
                        [&](const Rule& r) { return sets_ignore(r) && names(r, id); }));
    }
  }
  // And nothing else: a rule for a device no driver claims would keep ModemManager off
  // something smsgated does not drive.
  for (const Rule& r : rules) {
    if (!sets_ignore(r)) continue;
    INFO("line ", r.line);
    CHECK(owner(r) != nullptr);
  }
}

TEST_CASE("udev rules: the makers people buy modems from are all there") {
  // Huawei, ZTE, SIMCom, Quectel, Sierra, Telit, u-blox, Fibocom, Longcheer.
  const uint16_t vendors[] = {0x12d1, 0x19d2, 0x1e0e, 0x2c7c, 0x1199,
                              0x1bc7, 0x1546, 0x2cb7, 0x1c9e};
  for (uint16_t vendor : vendors) {
    INFO(hex4(vendor));
    CHECK(std::any_of(known_drivers().begin(), known_drivers().end(), [&](const Driver* d) {
      return std::any_of(d->usb_ids.begin(), d->usb_ids.end(),
                         [&](const UsbId& id) { return id.vendor == vendor && id.product == 0; });
    }));
  }
  // A family that knows its AT interfaces is a USB family and says which ids it has.
  for (const Driver* d : known_drivers()) {
    INFO(d->family);
    if (!d->at_interfaces.empty()) CHECK_FALSE(d->usb_ids.empty());
  }
}

TEST_CASE("udev rules: each family's link is on an interface its driver answers AT on") {
  std::vector<Rule> rules = shipped_rules();
  std::vector<const Rule*> links;
  for (const Rule& r : rules) {
    if (sets_link(r)) links.push_back(&r);
  }
  REQUIRE_FALSE(links.empty());
  for (const Rule* r : links) {
    INFO("line ", r->line);
    const Driver* d = owner(*r);
    REQUIRE(d != nullptr);
    auto interface = r->find("ENV", "ID_USB_INTERFACE_NUM", "==");
    REQUIRE(interface.has_value());
    if (d->at_interfaces.empty()) {
      CHECK(*interface == "?*");  // every tty: discovery keeps the modem once, by IMEI
      continue;
    }
    REQUIRE(interface->size() == 2);  // udev writes bInterfaceNumber as two hex digits
    int number = std::stoi(*interface, nullptr, 16);
    CHECK(std::find(d->at_interfaces.begin(), d->at_interfaces.end(), number) !=
          d->at_interfaces.end());
    // The rule for the vendor's models at large links the one its driver puts first;
    // only rules for named products may pick another.
    if (!r->find("ATTRS", "idProduct", "==")) CHECK(number == d->at_interfaces.front());
  }
  for (const Driver* d : known_drivers()) {
    for (const UsbId& id : d->usb_ids) {
      INFO(d->family, " ", hex4(id.vendor), ":", hex4(id.product));
      CHECK(std::any_of(links.begin(), links.end(), [&](const Rule* r) { return names(*r, id); }));
    }
  }

  // One link per tty, named after the device (serial or path) and its interface, so
  // that "/dev/smsgate/*" finds it.
  std::vector<std::string> symlinks;
  for (const Rule& r : rules) {
    if (auto link = r.find("SYMLINK", "", "+=")) symlinks.push_back(*link);
  }
  REQUIRE(symlinks.size() == 1);
  CHECK(symlinks[0] == "smsgate/$env{.SMSGATE_NAME}-if$env{ID_USB_INTERFACE_NUM}");
}

TEST_CASE("udev rules: the ports are the dialout group's") {
  std::vector<Rule> rules = shipped_rules();
  int groups = 0;
  for (const Rule& r : rules) {
    if (auto group = r.find("GROUP", "", "=")) {
      ++groups;
      CHECK(*group == "dialout");
      CHECK(r.find("MODE", "", "=") == "0660");
    }
  }
  CHECK(groups >= 2);  // the ttys and the USB device node
}

}  // namespace
}  // namespace smsgate::drivers
