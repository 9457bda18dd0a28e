// [email]'s mail-out keys and [[forward]]: read, and every mistake refused with where
// it is. (The rest of the file: config_file_test.cpp.)
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.h"
#include "config_test_support.h"

namespace smsgate::config {
namespace {

using testing::parsed;
using testing::refusal;

constexpr std::string_view kSmarthost =
    "[email]\nsmarthost = \"smtp://mail.klinik.example:587\"\nfrom = \"SMS "
    "<sms@klinik.example>\"\n";

TEST_CASE("config: mail out is off by default") {
  const Config defaults;
  CHECK_FALSE(defaults.email.smarthost.has_value());
  CHECK(defaults.email.mail_max_attempts == 10);
  CHECK(defaults.email.smarthost_timeout == std::chrono::seconds(30));
  CHECK(defaults.forward.empty());
}

TEST_CASE("config: the smarthost, its login and the forwarding rules are read") {
  const Config config = parsed(R"(
[sending]
default_region = "ID"

[email]
smarthost = "smtps://mail.klinik.example:465"
smarthost_user = "gateway"
smarthost_password = "s3cret"
from = "SMS gateway <sms@klinik.example>"
mail_max_attempts = 4
smarthost_timeout_seconds = 12

[[forward]]
to = "frontdesk@klinik.example"

[[forward]]
to = "Dr. Sari <sari@klinik.example>"
from_numbers = ["0812-1234-567", "+6281299990000"]
subject = "Text from {number} on {modem}"
)");
  CHECK(config.email.smarthost == "smtps://mail.klinik.example:465");
  CHECK(config.email.smarthost_user == "gateway");
  CHECK(config.email.smarthost_password == "s3cret");
  CHECK(config.email.from == "SMS gateway <sms@klinik.example>");
  CHECK(config.email.mail_max_attempts == 4);
  CHECK(config.email.smarthost_timeout == std::chrono::seconds(12));
  REQUIRE(config.forward.size() == 2);
  CHECK(config.forward[0] == ForwardConfig{"frontdesk@klinik.example", {}, "SMS from {number}"});
  CHECK(config.forward[1] == ForwardConfig{"Dr. Sari <sari@klinik.example>",
                                           {"+628121234567", "+6281299990000"},
                                           "Text from {number} on {modem}"});
}

TEST_CASE("config: a bad smarthost is refused with where it is") {
  CHECK(refusal("[email]\nfrom = \"a@b.example\"\nsmarthost = \"mail.example:587\"\n") ==
        "test.toml:3:13: [email] smarthost 'mail.example:587' is not an smtp:// or smtps:// URL "
        "(expected smtp://HOST:587 for STARTTLS or smtps://HOST:465 for TLS)");
  CHECK(refusal("[email]\nfrom = \"a@b.example\"\nsmarthost = \"smtp://u:p@mail.example\"\n") ==
        "test.toml:3:13: [email] smarthost: the user and password go in smarthost_user and "
        "smarthost_password, not in the URL");
  CHECK(refusal("[email]\nfrom = \"a@b.example\"\nsmarthost = \"smtp://:25\"\n") ==
        "test.toml:3:13: [email] smarthost 'smtp://:25' has no host (expected smtp://HOST:587 "
        "for STARTTLS or smtps://HOST:465 for TLS)");
  CHECK(refusal("[email]\nsmarthost = \"smtp://mail.example\"\n") ==
        "test.toml:2:13: [email] smarthost needs [email] from: the address mail from the "
        "gateway comes from");
  CHECK(refusal("[email]\nfrom = \"gateway\"\n") ==
        "test.toml:2:8: [email] from 'gateway' is not an email address such as "
        "\"frontdesk@klinik.example\"");
  CHECK(refusal("[email]\nsmarthost_user = \"gateway\"\n") ==
        "test.toml:2:18: [email] smarthost_user needs smarthost_password too");
  CHECK(refusal("[email]\nmail_max_attempts = 0\n") ==
        "test.toml:2:21: [email] mail_max_attempts must be between 1 and 100, not 0");
}

// A directory of its own for the files a test writes; removed with what it holds.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "config_test_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = (path / name).string();
    std::ofstream(file) << text;
    return file;
  }
  std::filesystem::path path;
};

std::string with_ca_file(const std::string& path) {
  return std::string(kSmarthost) + "smarthost_ca_file = \"" + path + "\"\n";
}

TEST_CASE("config: smarthost_ca_file is read at start and must hold a PEM certificate") {
  CHECK(Config{}.email.smarthost_ca_file.empty());
  const TempDir dir;
  const std::string ca = dir.write(
      "ca.pem", "Klinik CA\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  CHECK(parsed(with_ca_file(ca)).email.smarthost_ca_file == ca);

  const std::string missing = (dir.path / "missing.pem").string();
  CHECK(refusal(with_ca_file(missing)) == "test.toml:4:21: [email] smarthost_ca_file '" + missing +
                                              "': cannot open: No such file or directory");
  CHECK(refusal(with_ca_file(dir.path.string())) == "test.toml:4:21: [email] smarthost_ca_file '" +
                                                        dir.path.string() +
                                                        "': cannot read: Is a directory");
  const std::string key = dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n");
  CHECK(refusal(with_ca_file(key)) ==
        "test.toml:4:21: [email] smarthost_ca_file '" + key +
            "' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  CHECK(refusal(with_ca_file("")) ==
        "test.toml:4:21: [email] smarthost_ca_file is empty (leave it out for the system's CA "
        "certificates)");
}

TEST_CASE("config: [[forward]] needs a smarthost, an address, known numbers and placeholders") {
  CHECK(refusal("[[forward]]\nto = \"frontdesk@klinik.example\"\n") ==
        "test.toml:1:1: [[forward]] needs [email] smarthost: without it no mail is sent");
  CHECK(refusal(std::string(kSmarthost) + "[[forward]]\nsubject = \"x\"\n") ==
        "test.toml:4:1: [[forward]] needs to (the address texts are mailed to)");
  CHECK(refusal(std::string(kSmarthost) + "[[forward]]\nto = \"frontdesk\"\n") ==
        "test.toml:5:6: [[forward]] to 'frontdesk' is not an email address such as "
        "\"frontdesk@klinik.example\"");
  const std::string numbers =
      std::string(kSmarthost) + "[[forward]]\nto = \"a@b.example\"\nfrom_numbers = [\"12\"]\n";
  CHECK(refusal(numbers).starts_with("test.toml:6:17: [[forward]] from_numbers: '12': "));
  CHECK(refusal(std::string(kSmarthost) +
                "[[forward]]\nto = \"a@b.example\"\nsubject = \"SMS {name}\"\n") ==
        "test.toml:6:11: [[forward]] subject has the unknown placeholder {name} (known: "
        "{number}, {modem})");
  CHECK(refusal(std::string(kSmarthost) + "[forward]\nto = \"a@b.example\"\n") ==
        "test.toml:4:1: forward must be written [[forward]], one table per entry");
}

TEST_CASE("config: what is mailed back, and to whom") {
  const Config defaults = parsed(kSmarthost);
  CHECK(defaults.email.report_delivered);
  CHECK(defaults.email.report_failed);
  CHECK(defaults.email.report_replies);
  CHECK_FALSE(defaults.email.reports_to.has_value());

  const Config chosen = parsed(std::string(kSmarthost) +
                               "reports = [\"failed\", \"replies\"]\n"
                               "reports_to = \"Front desk <desk@klinik.example>\"\n");
  CHECK_FALSE(chosen.email.report_delivered);
  CHECK(chosen.email.report_failed);
  CHECK(chosen.email.report_replies);
  CHECK(chosen.email.reports_to == "Front desk <desk@klinik.example>");
  const Config none = parsed(std::string(kSmarthost) + "reports = []\n");
  CHECK_FALSE(none.email.report_delivered);
  CHECK_FALSE(none.email.report_failed);
  CHECK_FALSE(none.email.report_replies);

  CHECK(refusal(std::string(kSmarthost) + "reports = [\"delivered\", \"weekly\"]\n") ==
        "test.toml:4:25: [email] reports 'weekly' is not one of 'delivered', 'failed', "
        "'replies'");
  CHECK(refusal(std::string(kSmarthost) + "reports_to = \"desk\"\n") ==
        "test.toml:4:14: [email] reports_to 'desk' is not an email address such as "
        "\"frontdesk@klinik.example\"");
}

}  // namespace
}  // namespace smsgate::config
