// The database's life beside a running gateway: a backup taken while messages are
// being submitted and sent is a consistent snapshot of one commit; the retention chore
// deletes what is past [retention] and leaves what is not.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <atomic>
#include <map>
#include <thread>

#include "integration/gateway_harness.h"
#include "store/backup.h"
#include "store/sqlite.h"

namespace smsgate::testing {
namespace {

using store::MessageStatus;

// How far along a message is; a later commit never moves one back.
int progress(const std::string& status) {
  if (status == "queued" || status == "scheduled") return 0;
  if (status == "sending") return 1;
  if (status == "sent") return 2;
  return 3;  // delivered, failed, expired, cancelled
}

std::map<int64_t, std::string> statuses_in(const std::string& path) {
  auto db = store::Connection::open(path, /*create=*/false);
  REQUIRE(db.ok());
  auto query = db->query("SELECT id, status FROM messages");
  REQUIRE(query.ok());
  std::map<int64_t, std::string> statuses;
  for (;;) {
    auto row = query->step();
    REQUIRE(row.ok());
    if (!*row) break;
    statuses[query->int64(0)] = query->text(1);
  }
  return statuses;
}

}  // namespace

TEST_CASE("backup: taken while messages are submitted and sent, it is one commit's snapshot") {
  std::vector<sim::SimConfig> modems(2);
  for (auto& m : modems) m.cmgs_latency = 5ms;
  Gateway gateway(modems);
  std::atomic<bool> submitting{true};
  std::atomic<int> submitted{0};
  std::thread submitter([&] {
    for (int i = 0; submitting.load() && i < 400; ++i) {
      gateway.submit("+49170" + std::to_string(2000000 + i), "Reminder #" + std::to_string(i));
      submitted.fetch_add(1);
    }
  });
  REQUIRE(gateway.wait_until([&] { return submitted.load() >= 40; }));
  REQUIRE(gateway.wait_until([&] { return gateway.sent().size() >= 10; }));

  int before = submitted.load();
  std::string backup = (std::filesystem::path(gateway.db_path()).parent_path() / "b.db").string();
  auto report = store::backup_database(gateway.db_path(), backup);
  int after = submitted.load();
  submitting = false;
  submitter.join();
  REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));

  struct stat status {};
  REQUIRE(::stat(backup.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  {
    auto db = store::Connection::open(backup, /*create=*/false);
    REQUIRE(db.ok());
    auto check = db->query("PRAGMA integrity_check");
    REQUIRE(check.ok());
    REQUIRE(*check->step());
    CHECK(check->text(0) == "ok");
  }
  auto in_backup = statuses_in(backup);
  CHECK(static_cast<int64_t>(in_backup.size()) == report->messages);
  // Every submission that returned before the backup began is in it; none begun after
  // it ended can be (one may have been on its way in while it ran).
  CHECK(static_cast<int>(in_backup.size()) >= before);
  CHECK(static_cast<int>(in_backup.size()) <= after + 1);
  // Some sent and some still waiting: it was taken in the middle of the work.
  int sent_in_backup = 0;
  for (const auto& [id, state] : in_backup) sent_in_backup += progress(state) >= 2;
  CHECK(sent_in_backup > 0);

  auto live = statuses_in(gateway.db_path());
  for (const auto& entry : in_backup) {
    int64_t id = entry.first;
    const std::string& state = entry.second;
    auto found = live.find(id);
    REQUIRE_MESSAGE(found != live.end(), "message " << id << " is in the backup only");
    CHECK_MESSAGE(progress(found->second) >= progress(state),
                  "message " << id << ": " << state << " in the backup, " << found->second
                             << " now");
  }
}

TEST_CASE("retention: the dispatcher's chore deletes final messages past the window only") {
  ManualClock clock(1'800'000'000'000);
  auto options = Gateway::fast_options();
  options.messages_retention_ms = 30LL * 24 * 3600 * 1000;
  options.inbound_retention_ms = std::nullopt;
  Gateway gateway({sim::SimConfig{}}, options, &clock);
  int64_t old = gateway.submit("+4917012345678", "Your appointment is tomorrow");
  // As old, but not final: never deleted.
  int64_t held = gateway.submit("+4917012345670", "See you next month",
                                [&](auto& r) { r.send_at = clock.now() + 40LL * 24 * 3600 * 1000; });
  REQUIRE(gateway.wait_status(old, MessageStatus::kSent));
  clock.advance(29LL * 24 * 3600 * 1000);
  int64_t recent = gateway.submit("+4917012345679", "Your order has shipped");
  REQUIRE(gateway.wait_status(recent, MessageStatus::kSent));
  // Past the chore's next run (10 minutes) and the old message's 30 days.
  clock.advance(2LL * 24 * 3600 * 1000);
  REQUIRE(gateway.wait_until([&] {
    auto detail = gateway.store().get_message(old);
    return detail.ok() && !detail->has_value();
  }));
  CHECK(gateway.message(recent).message.status == MessageStatus::kSent);
  CHECK(gateway.message(held).message.status == MessageStatus::kScheduled);
  auto deleted = gateway.store().deleted_totals();
  REQUIRE(deleted.ok());
  CHECK(deleted->messages == std::map<MessageStatus, int64_t>{{MessageStatus::kSent, 1}});
}

}  // namespace smsgate::testing
