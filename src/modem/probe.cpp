#include "modem/probe.h"

#include <thread>

#include "common/clock.h"

namespace smsgate::modem {
namespace {

using at::Reply;
using std::chrono::milliseconds;

// A modem that is up answers AT at once; booting ones ignore it for seconds.
constexpr milliseconds kWakeAttempt(1000);

at::CommandShape prefixed(std::string_view prefix) {
  at::CommandShape shape;
  shape.response_prefixes[0] = prefix;
  return shape;
}

// The first information line of an OK reply, or nullopt.
std::optional<std::string> first_line(const Reply& reply) {
  if (!reply.ok() || reply.response.lines.empty()) return std::nullopt;
  return reply.response.lines.front();
}

std::string joined(const Reply& reply) {
  if (!reply.answered()) return reply.describe();
  std::string text;
  for (const std::string& line : reply.response.lines) {
    if (!text.empty()) text += " | ";
    text += line;
  }
  if (!reply.ok()) text += (text.empty() ? "" : " | ") + reply.describe();
  return text;
}

}  // namespace

Reply wake(at::AtChannel& channel, milliseconds timeout, const std::function<bool()>& cancelled) {
  auto deadline = MonotonicClock::now() + timeout;
  Reply reply;
  do {
    reply = channel.run("AT", kWakeAttempt);
    if (reply.status == Reply::Status::kPortGone) return reply;
    if (reply.ok()) break;
    if (reply.answered()) std::this_thread::sleep_for(milliseconds(100));
  } while (MonotonicClock::now() < deadline && !(cancelled && cancelled()));
  if (!reply.ok()) return reply;
  // Echo off: fewer bytes, and the parser need not match echoes (V.250 clause 6.2.4).
  // Numeric +CME/+CMS errors, which classify() understands (TS 27.007 clause 9.1).
  // A modem that refuses either still works (the parser takes echoes, and a plain
  // ERROR is classified too); only silence means it is not there.
  for (std::string_view command : {"ATE0", "AT+CMEE=1"}) {
    Reply setting = channel.run(command, kCommandTimeout);
    if (!setting.answered()) return setting;
  }
  return reply;
}

Result<Identity> read_identity(at::AtChannel& channel) {
  Identity identity;
  struct Field {
    std::string_view command;
    std::string_view prefix;
    std::string Identity::*member;
  };
  static constexpr Field kFields[] = {
      {"AT+CGMI", "+CGMI:", &Identity::manufacturer},
      {"AT+CGMM", "+CGMM:", &Identity::model},
      {"AT+CGMR", "+CGMR:", &Identity::revision},
      {"AT+CGSN", "+CGSN:", &Identity::imei},
  };
  for (const Field& field : kFields) {
    Reply reply = channel.run(field.command, kCommandTimeout, prefixed(field.prefix));
    if (!reply.answered()) {
      return make_error(std::string(field.command) + ": " + reply.describe());
    }
    auto line = first_line(reply);
    if (!line) continue;
    Result<std::string> value =
        field.member == &Identity::imei ? parse_imei(*line) : parse_identity_line(*line);
    if (value) identity.*(field.member) = *value;
  }
  return identity;
}

void read_sim_identity(at::AtChannel& channel, const drivers::Driver& driver, Identity& identity) {
  Reply imsi = channel.run("AT+CIMI", kCommandTimeout, prefixed("+CIMI:"));
  if (auto line = first_line(imsi)) {
    if (auto value = parse_identity_line(*line)) identity.imsi = *value;
  }
  // The family's own command first; firmware without it may still read EF_ICCID
  // through the standard AT+CRSM.
  for (const drivers::Driver* source : {&driver, &drivers::generic_driver()}) {
    if (source->iccid_command.empty()) continue;
    Reply iccid =
        channel.run(source->iccid_command, kCommandTimeout, prefixed(source->iccid_prefix));
    if (!iccid.ok()) continue;
    if (auto value = parse_iccid(iccid.response.lines, source->iccid_prefix)) {
      identity.iccid = *value;
      return;
    }
  }
}

std::string read_sim_state(at::AtChannel& channel) {
  Reply reply = channel.run("AT+CPIN?", kCommandTimeout);
  if (auto line = first_line(reply)) {
    if (auto state = parse_cpin(*line)) return std::string(sim_state_name(*state));
    return *line;
  }
  return reply.describe();
}

std::optional<Reply> read_health(at::AtChannel& channel, Health& health) {
  Reply csq = channel.run("AT+CSQ", kCommandTimeout, prefixed("+CSQ:"));
  if (!csq.answered()) return csq;
  if (auto line = first_line(csq)) {
    if (auto signal = parse_csq(*line)) {
      health.rssi = signal->known() ? std::optional<int>(signal->rssi) : std::nullopt;
      health.dbm = signal->dbm();
    }
  }
  Reply creg = channel.run("AT+CREG?", kCommandTimeout);
  if (!creg.answered()) return creg;
  if (auto line = first_line(creg)) {
    if (auto registration = parse_creg(*line)) health.registration = registration->status;
  }
  Reply cops = channel.run("AT+COPS?", kCommandTimeout);
  if (!cops.answered()) return cops;
  if (auto line = first_line(cops)) {
    if (auto op = parse_cops(*line)) health.operator_name = op->name;
  }
  Reply cpms = channel.run("AT+CPMS?", kCommandTimeout, prefixed("+CPMS:"));
  if (!cpms.answered()) return cpms;
  if (auto line = first_line(cpms)) {
    // <mem3>, where new messages go; a modem that lists fewer storages uses its last.
    if (auto usage = parse_cpms(*line); usage && !usage->empty()) {
      health.message_storage = usage->size() >= 3 ? (*usage)[2] : usage->back();
    }
  }
  return std::nullopt;
}

Result<ProbeReport> probe(at::AtChannel& channel, milliseconds timeout) {
  ProbeReport report;
  report.port = channel.port_name();
  Reply woken = wake(channel, timeout);
  if (!woken.ok())
    return make_error(channel.port_name() + ": no modem answers AT (" + woken.describe() + ")");
  Result<Identity> identity = read_identity(channel);
  if (!identity) return make_error(channel.port_name() + ": " + identity.error().message);
  report.identity = *identity;
  const drivers::Driver& driver = drivers::driver_for(identity->manufacturer, identity->model);
  report.family = std::string(driver.family);
  report.sim_state = read_sim_state(channel);
  read_sim_identity(channel, driver, report.identity);
  (void)read_health(channel, report.health);
  report.pdu_mode = channel.run("AT+CMGF=0", kCommandTimeout).ok();
  report.sms_storage = joined(channel.run("AT+CPMS?", kCommandTimeout));
  report.new_message_indications = joined(channel.run("AT+CNMI=?", kCommandTimeout));
  report.sms_service = joined(channel.run("AT+CSMS?", kCommandTimeout));
  report.smsc = joined(channel.run("AT+CSCA?", kCommandTimeout));
  return report;
}

}  // namespace smsgate::modem
