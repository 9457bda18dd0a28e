// The doctor's judgments (daemon/doctor.h): made-up findings in, verdicts and fixes out.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/timex.h>

#include "daemon/doctor.h"

namespace smsgate::daemon {
namespace {

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

modem::ProbeReport ready_modem() {
  modem::ProbeReport report;
  report.port = "/dev/smsgate/a";
  report.identity.manufacturer = "smsgate";
  report.identity.model = "sim";
  report.identity.imei = "490154203237518";
  report.sim_state = "READY";
  report.health.rssi = 20;
  report.health.dbm = -73;
  report.health.registration = modem::RegistrationStatus::kHome;
  report.health.operator_name = "SimNet";
  report.health.message_storage = modem::StorageUsage{"SM", 3, 30};
  return report;
}

const Finding& find(const std::vector<Finding>& findings, std::string_view check) {
  for (const Finding& f : findings) {
    if (f.check == check) return f;
  }
  FAIL("no " << check << " finding");
  return findings.front();
}

}  // namespace

TEST_CASE("doctor: permissions by owner, group and others, as the kernel decides") {
  Account smsgate{"smsgate", 120, {120, 20}};  // 20: dialout
  CHECK(may_access({0, 20, S_IFCHR | 0660}, smsgate, 6));
  CHECK_FALSE(may_access({0, 0, S_IFCHR | 0660}, smsgate, 6));
  CHECK(may_access({0, 0, S_IFCHR | 0666}, smsgate, 6));
  // The owner's bits decide for the owner, even when the group's would allow more.
  CHECK_FALSE(may_access({120, 20, 0460}, smsgate, 6));
  CHECK(may_access({120, 120, 0700}, smsgate, 7));
  CHECK_FALSE(may_access({120, 120, 0600}, smsgate, 7));
  CHECK(may_access({5, 5, 0}, Account{"root", 0, {0}}, 7));
}

TEST_CASE("doctor: disk space is judged against 100 MB or 5 %, whichever is more") {
  constexpr uint64_t kGB = 1'000'000'000;
  CHECK(judge_disk("/var/lib/smsgate", 41 * kGB, 100 * kGB).verdict == Verdict::kOk);
  CHECK(has(judge_disk("/var/lib/smsgate", 41 * kGB, 100 * kGB).detail, "41 GB free"));
  CHECK(judge_disk("/d", 4 * kGB, 100 * kGB).verdict == Verdict::kWarning);
  CHECK(judge_disk("/d", 90'000'000, kGB).verdict == Verdict::kWarning);
  CHECK(judge_disk("/d", 200'000'000, kGB).verdict == Verdict::kOk);
  Finding full = judge_disk("/d", 0, kGB);
  CHECK(full.verdict == Verdict::kFailed);
  CHECK(has(full.detail, "503"));
  CHECK_FALSE(full.fix.empty());
  CHECK(human_bytes(999) == "999 bytes");
  CHECK(human_bytes(1'500'000) == "1.5 MB");
  CHECK(human_bytes(730'000'000) == "730 MB");
}

TEST_CASE("doctor: a port held by another process fails and names it; ModemManager gets its fix") {
  std::vector<Holder> mm = {{812, "ModemManager", Holder::Kind::kOther}};
  auto finding = judge_holders("/dev/smsgate/x-if2", mm, std::nullopt);
  REQUIRE(finding);
  CHECK(finding->verdict == Verdict::kFailed);
  CHECK(finding->detail == "held by ModemManager (pid 812)");
  CHECK(has(finding->fix, "systemctl disable --now ModemManager"));

  auto other = judge_holders("/dev/ttyUSB2", {{77, "minicom", Holder::Kind::kOther}}, std::nullopt);
  REQUIRE(other);
  CHECK(other->verdict == Verdict::kFailed);
  CHECK(has(other->fix, "kill 77"));
  CHECK(has(other->fix, "enabled = false"));
}

TEST_CASE("doctor: the simulator's own end is nobody; the running gateway reports its modems") {
  CHECK_FALSE(judge_holders("/p", {}, std::nullopt));
  CHECK_FALSE(judge_holders("/p", {{5, "smsgated", Holder::Kind::kSimulator}}, std::nullopt));

  std::vector<Holder> gateway = {{9, "smsgated", Holder::Kind::kGateway}};
  auto all_ready = judge_holders("/p", gateway, GatewayModems{2, 2});
  REQUIRE(all_ready);
  CHECK(all_ready->verdict == Verdict::kOk);
  CHECK(has(all_ready->detail, "in use by smsgated (pid 9)"));
  CHECK(has(all_ready->detail, "2 of 2 modems ready"));
  CHECK(judge_holders("/p", gateway, GatewayModems{1, 2})->verdict == Verdict::kWarning);
  CHECK(judge_holders("/p", gateway, std::nullopt)->verdict == Verdict::kWarning);
  // Another program beside the gateway garbles its commands.
  gateway.push_back({10, "cat", Holder::Kind::kOther});
  CHECK(judge_holders("/p", gateway, GatewayModems{2, 2})->verdict == Verdict::kFailed);
}

TEST_CASE("doctor: a ready modem passes every check") {
  auto findings = judge_modem(ready_modem(), false);
  REQUIRE(findings.size() == 5);
  for (const Finding& f : findings) {
    CAPTURE(f.check);
    CHECK(f.verdict == Verdict::kOk);
    CHECK(f.subject == "/dev/smsgate/a");
  }
  CHECK(has(find(findings, "modem").detail, "IMEI 490154203237518"));
  CHECK(has(find(findings, "network").detail, "SimNet"));
  CHECK(has(find(findings, "signal").detail, "-73 dBm"));
  CHECK(has(find(findings, "storage").detail, "3 of 30"));
}

TEST_CASE("doctor: a SIM that wants its PIN fails unless the config has one") {
  auto report = ready_modem();
  report.sim_state = "SIM PIN";
  auto findings = judge_modem(report, false);
  CHECK(findings.size() == 2);  // a locked SIM hides the network and the storage
  CHECK(find(findings, "sim").verdict == Verdict::kFailed);
  CHECK(has(find(findings, "sim").fix, "pin = "));
  CHECK(has(find(findings, "sim").fix, "/dev/smsgate/a"));
  CHECK(find(judge_modem(report, true), "sim").verdict == Verdict::kOk);
  report.sim_state = "SIM PUK";
  CHECK(has(find(judge_modem(report, true), "sim").fix, "PUK"));
}

TEST_CASE("doctor: no network, no signal and a full store each say what to do") {
  auto report = ready_modem();
  report.health.registration = modem::RegistrationStatus::kSearching;
  report.health.rssi.reset();
  report.health.dbm.reset();
  report.health.message_storage = modem::StorageUsage{"SM", 30, 30};
  auto findings = judge_modem(report, false);
  CHECK(find(findings, "network").verdict == Verdict::kFailed);
  CHECK(has(find(findings, "network").fix, "coverage"));
  CHECK(find(findings, "signal").verdict == Verdict::kFailed);
  CHECK(has(find(findings, "signal").fix, "antenna"));
  const Finding& storage = find(findings, "storage");
  CHECK(storage.verdict == Verdict::kWarning);
  CHECK(has(storage.detail, "full: 30 of 30"));
  CHECK(has(storage.fix, "deletes them"));

  report.health.rssi = 3;
  report.health.dbm = -107;
  CHECK(find(judge_modem(report, false), "signal").verdict == Verdict::kWarning);
  report.health.registration = modem::RegistrationStatus::kDenied;
  CHECK(has(find(judge_modem(report, false), "network").detail, "refused"));
  report.health.registration = modem::RegistrationStatus::kRoaming;
  CHECK(find(judge_modem(report, false), "network").verdict == Verdict::kOk);
}

TEST_CASE("doctor: an unsynchronised clock is a warning with the fix") {
  CHECK(judge_clock(TIME_OK, 0).verdict == Verdict::kOk);
  CHECK(judge_clock(TIME_ERROR, STA_UNSYNC).verdict == Verdict::kWarning);
  CHECK(judge_clock(TIME_OK, STA_UNSYNC).verdict == Verdict::kWarning);
  CHECK(has(judge_clock(TIME_ERROR, STA_UNSYNC).fix, "timesyncd"));
}

TEST_CASE("doctor: the health URL asks wildcard listeners on loopback, over TLS when set") {
  config::HttpConfig http;
  CHECK(health_url(http) == "http://127.0.0.1:8080/api/v1/health");
  http.listen = "0.0.0.0:9000";
  CHECK(health_url(http) == "http://127.0.0.1:9000/api/v1/health");
  http.listen = "[::]:443";
  http.tls_certificate = "/etc/smsgate/tls/cert.pem";
  CHECK(health_url(http) == "https://[::1]:443/api/v1/health");
  http.listen = "192.168.1.5:8080";
  CHECK(health_url(http) == "https://192.168.1.5:8080/api/v1/health");
}

TEST_CASE("doctor: the API: healthy, unhealthy, not running, or running but silent") {
  ApiProbe probe;
  probe.url = "http://127.0.0.1:8080/api/v1/health";
  probe.http_status = 200;
  probe.body = R"({"status":"ok","store":"ok","modems":{"ready":2,"total":2}})";
  CHECK(judge_api(probe, 42).verdict == Verdict::kOk);
  CHECK(has(judge_api(probe, 42).detail, "2 of 2 modems ready"));
  CHECK(parse_health_modems(probe.body)->ready == 2);
  CHECK_FALSE(parse_health_modems("<html>"));

  probe.http_status = 503;
  probe.body =
      R"({"status":"unavailable","store":"unavailable: disk full","modems":{"ready":2,"total":2}})";
  CHECK(judge_api(probe, 42).verdict == Verdict::kFailed);
  CHECK(has(judge_api(probe, 42).fix, "database"));

  probe.http_status = 200;
  probe.body = "<html>hello</html>";
  CHECK(judge_api(probe, std::nullopt).verdict == Verdict::kFailed);

  probe.http_status = 0;
  probe.body.clear();
  probe.error = "Connection refused";
  Finding stopped = judge_api(probe, std::nullopt);
  CHECK(stopped.verdict == Verdict::kWarning);
  CHECK(has(stopped.detail, "not running"));
  CHECK(stopped.fix == "systemctl start smsgated");
  Finding silent = judge_api(probe, 1234);
  CHECK(silent.verdict == Verdict::kFailed);
  CHECK(has(silent.detail, "pid 1234"));
}

TEST_CASE("doctor: plain HTTP beyond loopback is a warning; loopback or TLS is fine") {
  config::HttpConfig http;
  CHECK(judge_tls(http).verdict == Verdict::kOk);
  http.listen = "0.0.0.0:8080";
  Finding clear = judge_tls(http);
  CHECK(clear.verdict == Verdict::kWarning);
  CHECK(has(clear.fix, "tls_certificate and tls_key"));
  http.tls_certificate = "/c.pem";
  http.tls_key = "/k.pem";
  CHECK(judge_tls(http).verdict == Verdict::kOk);
}

TEST_CASE("doctor: only a failure fails the run") {
  std::vector<Finding> findings = {{"a", "x", Verdict::kOk, "", ""},
                                   {"b", "y", Verdict::kWarning, "", ""}};
  CHECK(nothing_failed(findings));
  findings.push_back({"c", "z", Verdict::kFailed, "", ""});
  CHECK_FALSE(nothing_failed(findings));
}

}  // namespace smsgate::daemon
