// What a reset shows for a name that cannot be reset (issue 11, item 5): a plausible
// registration derived from the name with the host's key — the same every time, different for
// other names and other keys, only methods the configuration offers, addresses masked as real
// ones are, as many different questions as a registration has.
#include <regex>  // before cmocka.hpp, whose fail() macro breaks it

#include "cmocka.hpp"
#include "decoys.hpp"
#include "policy.hpp"
#include "question_pool.hpp"
#include "verifier.hpp"

#include <set>

using namespace sspr;
using namespace sspr::daemon;

namespace {

Config everything_offered() {
  auto config = Config::defaults();
  config.mail_from = "sspr@example.com";
  config.method_sms = true;
  config.sms_webhook_url = "https://sms.example.com/send";
  return config;
}

}  // namespace

static void test_a_name_shows_the_same_every_time_and_others_differ(void**) {
  const auto config = everything_offered();
  const Verifier verifier(Secret(std::string(32, 'k'))), other_host(Secret(std::string(32, 'q')));
  const auto offered = offered_methods(config);
  const auto pool = question_pool(config).size();
  const auto profile = [&](const Verifier& v, const std::string& name) {
    return decoy_profile(v.decoy_digest(name), offered, config, pool);
  };
  const auto a = profile(verifier, "nosuchuser"), b = profile(verifier, "nosuchuser");
  assert_true(a.methods == b.methods && a.masked == b.masked && a.questions == b.questions);
  // Over many names: every offered method appears, and profiles vary (not one fixed shape).
  std::set<std::vector<MethodType>> shapes;
  std::set<MethodType> seen;
  int differs_on_another_host = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string name = "name" + std::to_string(i);
    const auto p = profile(verifier, name);
    assert_false(p.methods.empty());
    shapes.insert(p.methods);
    seen.insert(p.methods.begin(), p.methods.end());
    if (profile(other_host, name).methods != p.methods) ++differs_on_another_host;
  }
  assert_true(shapes.size() > 10);
  assert_int_equal(seen.size(), offered.size());
  assert_true(differs_on_another_host > 100);
}

static void test_only_offered_methods_masked_as_real_ones(void**) {
  auto config = everything_offered();
  const Verifier verifier(Secret(std::string(32, 'k')));
  const auto pool = question_pool(config).size();
  const std::regex email(R"([a-z]\*\*\*@[a-z]\*\*\*\.[a-z]+)"), phone(R"(\+49 \*\*\* \*\*\*[0-9]{2})");
  for (int i = 0; i < 200; ++i) {
    const auto p = decoy_profile(verifier.decoy_digest("u" + std::to_string(i)), offered_methods(config), config, pool);
    for (auto t : p.methods) {
      if (t == MethodType::email) assert_true(std::regex_match(p.masked.at(t), email));
      if (t == MethodType::sms) assert_true(std::regex_match(p.masked.at(t), phone));
    }
    const bool questions = std::find(p.methods.begin(), p.methods.end(), MethodType::questions) != p.methods.end();
    assert_int_equal(p.questions.size(), questions ? config.questions_count : 0);
    assert_int_equal(std::set<std::size_t>(p.questions.begin(), p.questions.end()).size(), p.questions.size());
    for (auto q : p.questions) assert_true(q < pool);
  }
  // Without e-mail and SMS configured, no decoy shows them.
  config = Config::defaults();
  for (int i = 0; i < 100; ++i)
    for (auto t : decoy_profile(verifier.decoy_digest("v" + std::to_string(i)), offered_methods(config), config, pool).methods)
      assert_true(t != MethodType::email && t != MethodType::sms);
}

static void test_twins_are_few_and_no_user_name(void**) {
  const Verifier verifier(Secret(std::string(32, 'k')));
  std::set<std::string> twins;
  for (int i = 0; i < 5000; ++i) twins.insert(decoy_twin(verifier.decoy_digest("n" + std::to_string(i))));
  assert_true(twins.size() <= 64);
  for (const auto& t : twins) assert_true(t.rfind("#decoy-", 0) == 0);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_name_shows_the_same_every_time_and_others_differ),
      cmocka_unit_test(test_only_offered_methods_masked_as_real_ones),
      cmocka_unit_test(test_twins_are_few_and_no_user_name),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
