// SMS delivery against a real HTTP(S) server (tests/support/http_sink.py) on 127.0.0.1:
// the exact request, TLS verification, status handling without redirects, and refusals
// that happen before any request is made.
#include "cmocka.hpp"
#include "delivery/sms.hpp"
#include "delivery_support.hpp"

using namespace sspr::daemon::delivery;
using sspr::test::delivery::Certificates;
using sspr::test::delivery::Sink;
using sspr::test::delivery::TempDir;
using sspr::test::delivery::read_whole_file;

namespace {

struct World {
  TempDir tmp;
  Certificates certs;
  int sinks = 0;
};
World* world = nullptr;

const std::string kNumber = "+4915112345612";
const std::string kMessage = "48213907 is your \"ws1\" code.\nDo not share it.";
const std::string kJson = R"({"to":"+4915112345612","message":"48213907 is your \"ws1\" code.\nDo not share it."})";

std::unique_ptr<Sink> start_sink(const std::vector<std::string>& args) {
  const std::string dir = world->tmp.path + "/sink" + std::to_string(++world->sinks);
  auto sink = std::make_unique<Sink>("http_sink.py", dir, args, dir + ".log");
  if (sink->port() == 0) fail_msg("%s", sink->error().c_str());
  return sink;
}

SmsConfig http_config(const Sink& sink, const std::string& path = "/sms") {
  SmsConfig c;
  c.webhook_url = "http://127.0.0.1:" + std::to_string(sink.port()) + path;
  c.timeout_seconds = 10;
  return c;
}

struct Request {
  std::string request_line;
  std::vector<std::string> headers;
  std::string body;
};
Request read_request(const Sink& sink, const std::string& name) {
  const std::string text = read_whole_file(sink.dir() + "/" + name);
  const std::size_t split = text.find("\n\n");
  assert_true(split != std::string::npos);
  Request r;
  std::istringstream head(text.substr(0, split));
  std::getline(head, r.request_line);
  for (std::string line; std::getline(head, line);) r.headers.push_back(line);
  r.body = text.substr(split + 2);
  return r;
}

bool has_header(const Request& r, const std::string& line) {
  return std::find(r.headers.begin(), r.headers.end(), line) != r.headers.end();
}

int setup_world(void**) {
  world = new World;
  std::string error;
  if (!sspr::test::delivery::make_certificates(world->tmp.path, world->certs, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return -1;
  }
  return 0;
}
int teardown_world(void**) {
  delete world;
  return 0;
}

}  // namespace

static void test_body_building(void**) {
  SmsConfig config;
  std::string problem;
  assert_str(*build_sms_body(config, kNumber, kMessage, problem), kJson);
  config.body_template = R"({"recipient":{"msisdn":"{to}"},"text":"{message}","tag":"{{x}}"})";
  assert_str(*build_sms_body(config, kNumber, "a\\b", problem),
             R"({"recipient":{"msisdn":"+4915112345612"},"text":"a\\b","tag":"{x}"})");
  config.body_template = R"({"to":"{to}","from":"{sender}"})";
  assert_false(build_sms_body(config, kNumber, kMessage, problem).has_value());
  assert_str(problem, "body_template uses a placeholder other than {to} and {message}");
  config = SmsConfig{};
  assert_false(build_sms_body(config, "+49 151 12345612", kMessage, problem).has_value());
  assert_str(problem, "invalid phone number");
  assert_false(build_sms_body(config, kNumber, std::string(kMaxSmsBytes + 1, 'x'), problem).has_value());
  assert_str(problem, "invalid message (empty, too long or not UTF-8)");
  assert_false(build_sms_body(config, kNumber, "caf\xe9", problem).has_value());
  assert_false(build_sms_body(config, kNumber, "", problem).has_value());
}

static void test_post_over_loopback_http(void**) {
  auto sink = start_sink({});
  SmsConfig config = http_config(*sink, "/v1/send?account=ops");
  config.headers = {"Authorization: Bearer t0ken", "X-Tenant: ops"};
  const DeliveryResult r = send_sms(config, kNumber, kMessage);
  if (!r.ok) fail_msg("%s", r.error.c_str());
  const auto files = sink->stored();
  assert_int_equal(files.size(), 1);
  const Request req = read_request(*sink, files[0]);
  assert_str(req.request_line, "POST /v1/send?account=ops");
  assert_str(req.body, kJson);
  assert_true(has_header(req, "Content-Type: application/json"));
  assert_true(has_header(req, "Content-Length: " + std::to_string(kJson.size())));
  assert_true(has_header(req, "Authorization: Bearer t0ken"));
  assert_true(has_header(req, "X-Tenant: ops"));
  assert_true(has_header(req, "User-Agent: sspr"));
  assert_true(has_header(req, "Host: 127.0.0.1:" + std::to_string(sink->port())));
}

static void test_post_over_verified_https(void**) {
  auto sink = start_sink({"--cert", world->certs.cert, "--key", world->certs.key});
  SmsConfig config;
  config.webhook_url = "https://127.0.0.1:" + std::to_string(sink->port()) + "/sms";
  config.ca_file = world->certs.other_ca;
  const DeliveryResult bad = send_sms(config, kNumber, kMessage);
  assert_false(bad.ok);
  if (bad.error.find("SSL certificate problem") == std::string::npos) fail_msg("error: %s", bad.error.c_str());
  assert_int_equal(sink->stored().size(), 0);
  config.ca_file = world->certs.ca;
  const DeliveryResult good = send_sms(config, kNumber, kMessage);
  if (!good.ok) fail_msg("%s", good.error.c_str());
  const auto files = sink->stored();
  assert_int_equal(files.size(), 1);
  const Request req = read_request(*sink, files[0]);
  assert_str(req.request_line, "POST /sms");
  assert_str(req.body, kJson);
}

static void test_http_error_status_fails(void**) {
  auto sink = start_sink({"--status", "500"});
  const DeliveryResult r = send_sms(http_config(*sink), kNumber, kMessage);
  assert_false(r.ok);
  assert_str(r.error, "HTTP 500");
  assert_int_equal(sink->stored().size(), 1);
}

static void test_redirect_not_followed(void**) {
  auto sink = start_sink({"--status", "302"});
  const DeliveryResult r = send_sms(http_config(*sink), kNumber, kMessage);
  assert_false(r.ok);
  assert_str(r.error, "HTTP 302");
  const auto files = sink->stored();
  assert_int_equal(files.size(), 1);  // /redirected was never requested
  assert_str(read_request(*sink, files[0]).request_line, "POST /sms");
}

static void test_refusals_make_no_request(void**) {
  auto sink = start_sink({});
  SmsConfig config = http_config(*sink);
  struct Case {
    std::string number;
    std::vector<std::string> headers;
    const char* error;
  };
  const Case cases[] = {
      {"+49 151 12345612", {}, "invalid phone number"},
      {"015112345612", {}, "invalid phone number"},
      {"+4915112345612\",\"to\":\"+1900", {}, "invalid phone number"},
      {kNumber, {"X-Ok: 1", "X-Bad: a\r\nInjected: b"}, "webhook header contains a control character"},
      {kNumber, {"X-Bad: a\nInjected: b"}, "webhook header contains a control character"},
      {kNumber, {"X-Bad\r\n: a"}, "webhook header is not \"Name: value\""},
      {kNumber, {"NoColon"}, "webhook header is not \"Name: value\""},
      {kNumber, {"Content-Length: 5"}, "webhook header Content-Length may not be set"},
      {kNumber, {"host: evil.example"}, "webhook header host may not be set"},
      {kNumber, {"Transfer-Encoding: chunked"}, "webhook header Transfer-Encoding may not be set"},
  };
  for (const auto& c : cases) {
    config.headers = c.headers;
    const DeliveryResult r = send_sms(config, c.number, kMessage);
    assert_false(r.ok);
    assert_str(r.error, c.error);
  }
  // The sink is sequential: had any refused case sent a request, it would be stored first.
  config.headers = {};
  assert_true(send_sms(config, kNumber, kMessage).ok);
  const auto files = sink->stored();
  assert_int_equal(files.size(), 1);
  assert_str(read_request(*sink, files[0]).body, kJson);
}

static void test_url_policy(void**) {
  const char* refused[] = {
      "http://example.com/sms",          "http://127.0.0.1.evil.example/sms", "http://localhost.evil.example/",
      "http://10.0.0.1/sms",             "ftp://127.0.0.1/sms",               "file:///etc/passwd",
      "smtp://127.0.0.1/",               "not a url",                         "",
  };
  for (const char* url : refused) {
    SmsConfig config;
    config.webhook_url = url;
    const DeliveryResult r = send_sms(config, kNumber, kMessage);
    assert_false(r.ok);
    if (r.error != "webhook_url must be https:// (http:// only to 127.0.0.1, [::1] or localhost)")
      fail_msg("%s: %s", url, r.error.c_str());
  }
  SmsConfig config;
  config.webhook_url = "https://user:pw@sms.example.com/send";
  assert_str(send_sms(config, kNumber, kMessage).error, "webhook_url must not contain credentials (use a header)");
  config.webhook_url = "http://user@127.0.0.1:1/send";
  assert_str(send_sms(config, kNumber, kMessage).error, "webhook_url must not contain credentials (use a header)");
  config.webhook_url = "https://sms.example.com/send";
  config.timeout_seconds = 121;
  assert_str(send_sms(config, kNumber, kMessage).error, "timeout_seconds must be 1-120");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_body_building),
      cmocka_unit_test(test_post_over_loopback_http),
      cmocka_unit_test(test_post_over_verified_https),
      cmocka_unit_test(test_http_error_status_fails),
      cmocka_unit_test(test_redirect_not_followed),
      cmocka_unit_test(test_refusals_make_no_request),
      cmocka_unit_test(test_url_policy),
  };
  return cmocka_run_group_tests(tests, setup_world, teardown_world);
}
