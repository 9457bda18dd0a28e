// The HTTP server against slow and hostile clients, over real sockets on loopback, with
// short deadlines so that a few seconds show what 10 s and 30 s do in the daemon:
// headers and bodies have deadlines however the bytes trickle in (a body that stops
// coming is answered 408 before its connection closes), a request that may not call
// its route is answered before its body is read, and one address cannot hold more
// than its share of connections.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/server.h"
#include "integration/raw_http.h"

namespace smsgate::testing {
namespace {

using namespace std::chrono_literals;

struct TestServer {
  std::atomic<int> handled{0};
  std::unique_ptr<http::Server> server;

  explicit TestServer(http::ServerOptions options) {
    options.listen = "127.0.0.1:0";
    options.threads = 8;
    http::Router router;
    router.add("POST", "/echo", http::Access::api_key(auth::Scope::kSend),
               [this](const http::Request& request) {
                 ++handled;
                 return http::Response{200, "text/plain", std::to_string(request.body.size()), {}};
               });
    router.add("GET", "/hello", http::Access::anyone(), [this](const http::Request&) {
      ++handled;
      return http::Response{200, "text/plain", "hello", {}};
    });
    // Stands for the API's key check: only "Bearer good" may call a key route.
    http::Authorizer authorizer = [](const http::Request& request,
                                     const http::Access& access) -> std::optional<http::Response> {
      if (access.kind == http::Access::Kind::kPublic) return std::nullopt;
      if (request.header("authorization") == "Bearer good") return std::nullopt;
      return http::error_response(ErrorCode::kUnauthorized, "a valid API key is required");
    };
    auto started = http::Server::start(options, std::move(router), {}, std::move(authorizer));
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    server = std::move(*started);
  }
  int port() const { return server->port(); }
};

http::ServerOptions short_deadlines() {
  http::ServerOptions options;
  options.header_timeout = 500ms;
  options.body_timeout = 1500ms;
  return options;
}

std::string declared_megabyte(std::string_view authorization) {
  return "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(authorization) +
         "Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n";
}

TEST_CASE("slow clients: a body dripped a byte at a time is cut off at its deadline") {
  TestServer test(short_deadlines());
  RawConnection client("127.0.0.1", test.port());
  REQUIRE(client.connected());
  auto headers_sent = MonotonicClock::now();
  REQUIRE(client.send(declared_megabyte("Authorization: Bearer good\r\n")));
  // A byte every 200 ms: each of CivetWeb's waits for data (500 ms here) sees one, so
  // only the whole body's deadline can end it.
  bool cut = false;
  while (!cut && MonotonicClock::now() - headers_sent < 10s) {
    std::this_thread::sleep_for(200ms);
    cut = !client.send("x") || client.closed_within(1ms);
  }
  auto elapsed = MonotonicClock::now() - headers_sent;
  CHECK(cut);
  CHECK(elapsed >= 1500ms);  // not before its deadline
  CHECK(elapsed < 5s);       // 1.5 s, with room for a loaded machine
  CHECK(test.handled == 0);
  // The server goes on serving.
  RawConnection next("127.0.0.1", test.port());
  REQUIRE(next.send(http_request("GET", "/hello")));
  CHECK(next.read_answer(5s).status == 200);
}

TEST_CASE(
    "slow clients: a body that stops coming is answered 408 request_timeout at its deadline") {
  TestServer test(short_deadlines());
  RawConnection client("127.0.0.1", test.port());
  REQUIRE(client.connected());
  auto headers_sent = MonotonicClock::now();
  // The headers and a tenth of the declared body, then nothing.
  std::string request =
      http_request("POST", "/echo", std::string(100, 'x'), "Authorization: Bearer good\r\n");
  REQUIRE(client.send(request.substr(0, request.size() - 90)));
  auto answer = client.read_answer(10s);
  auto elapsed = MonotonicClock::now() - headers_sent;
  CHECK(answer.status == 408);
  CHECK(answer.header("content-type") == "application/json");
  auto body =
      nlohmann::json::parse(answer.raw.substr(answer.raw.find("\r\n\r\n") + 4), nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body["error"]["code"] == "request_timeout");
  CHECK(body["error"]["message"] == "the body did not arrive within 1500 ms of the headers");
  CHECK(elapsed >= 1500ms);  // not before its deadline
  CHECK(elapsed < 5s);       // 1.5 s, with room for a loaded machine
  CHECK(test.handled == 0);
  // And the connection is closed after it: the rest of the body is never read.
  CHECK(client.closed_within(3s));
}

TEST_CASE("slow clients: headers dripped a byte at a time are cut off at their deadline") {
  TestServer test(short_deadlines());
  RawConnection client("127.0.0.1", test.port());
  REQUIRE(client.connected());
  auto opened = MonotonicClock::now();
  REQUIRE(client.send("GET /hello HTTP/1.1\r\n"));
  bool cut = false;
  while (!cut && MonotonicClock::now() - opened < 10s) {
    std::this_thread::sleep_for(100ms);
    cut = !client.send("X-Slow: a\r\n") || client.closed_within(1ms);
  }
  CHECK(cut);
  CHECK(MonotonicClock::now() - opened < 4s);  // 0.5 s, with room for a loaded machine
  CHECK(test.handled == 0);
}

TEST_CASE("slow clients: a body complete in time is served, and the connection kept") {
  TestServer test(short_deadlines());
  RawConnection client("127.0.0.1", test.port());
  REQUIRE(client.connected());
  std::string body(100, 'x');
  std::string request = http_request("POST", "/echo", body, "Authorization: Bearer good\r\n");
  // In three pieces, 200 ms apart: slow, but within the body's deadline.
  size_t third = request.size() / 3;
  REQUIRE(client.send(request.substr(0, request.size() - 2 * third)));
  std::this_thread::sleep_for(200ms);
  REQUIRE(client.send(request.substr(request.size() - 2 * third, third)));
  std::this_thread::sleep_for(200ms);
  REQUIRE(client.send(request.substr(request.size() - third)));
  auto answer = client.read_answer(5s);
  CHECK(answer.status == 200);
  CHECK(answer.raw.ends_with("\r\n\r\n100"));
  REQUIRE(client.send(http_request("GET", "/hello")));
  CHECK(client.read_answer(5s).status == 200);
  CHECK(test.handled == 2);
}

TEST_CASE("slow clients: a request that may not call its route is answered before its body") {
  http::ServerOptions options;  // the daemon's deadlines: 10 s, 30 s
  TestServer test(options);
  for (std::string_view authorization : {"", "Authorization: Bearer wrong\r\n"}) {
    CAPTURE(authorization);
    RawConnection client("127.0.0.1", test.port());
    REQUIRE(client.connected());
    REQUIRE(client.send(declared_megabyte(authorization)));
    // Not a byte of the body is sent: the answer cannot have waited for it.
    auto answer = client.read_answer(5s);
    CHECK(answer.status == 401);
    CHECK(answer.header("connection") == "close");
    CHECK(client.closed_within(5s));  // the body is not read after the answer either
  }
  CHECK(test.handled == 0);
}

TEST_CASE("slow clients: one address may hold only its share of connections") {
  http::ServerOptions options;
  options.max_connections_per_client = 3;
  TestServer test(options);
  // Three kept-alive connections from 127.0.0.1, each answered once: all counted.
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConnection>("127.0.0.1", test.port()));
    REQUIRE(held.back()->send(http_request("GET", "/hello")));
    REQUIRE(held.back()->read_answer(5s).status == 200);
  }
  // A fourth is closed before its request is read, without an answer.
  RawConnection fourth("127.0.0.1", test.port());
  if (fourth.connected()) {
    fourth.send(http_request("GET", "/hello"));
    auto refused = fourth.read_answer(5s);
    CHECK(refused.status == 0);
    CHECK(refused.closed);
  }
  // Another address is served meanwhile.
  RawConnection other("127.0.0.2", test.port());
  REQUIRE(other.send(http_request("GET", "/hello")));
  CHECK(other.read_answer(5s).status == 200);
  // Once one of the three closes, 127.0.0.1 may connect again.
  held.pop_back();
  bool served = false;
  for (auto until = MonotonicClock::now() + 5s; !served && MonotonicClock::now() < until;) {
    RawConnection again("127.0.0.1", test.port());
    served = again.send(http_request("GET", "/hello")) && again.read_answer(5s).status == 200;
    if (!served) std::this_thread::sleep_for(50ms);
  }
  CHECK(served);
  CHECK(test.handled == 5);
}

}  // namespace
}  // namespace smsgate::testing
