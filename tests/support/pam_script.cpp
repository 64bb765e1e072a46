#include "pam_script.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <unistd.h>
#include <security/pam_appl.h>
extern "C" {
#include <libpamtest.h>
}

namespace sspr::test {
namespace {

int script_conv(int n, const pam_message** msgs, pam_response** resp, void* data) {
  auto* script = static_cast<Script*>(data);
  auto* replies = static_cast<pam_response*>(calloc(static_cast<std::size_t>(n), sizeof(pam_response)));
  for (int i = 0; i < n; ++i) {
    const std::string text = msgs[i]->msg ? msgs[i]->msg : "";
    switch (msgs[i]->msg_style) {
      case PAM_TEXT_INFO:
        script->transcript += text + "\n";
        break;
      case PAM_ERROR_MSG:
        script->transcript += "ERROR: " + text + "\n";
        break;
      default: {
        if (!script->interactive) {
          free(replies);
          return PAM_CONV_ERR;
        }
        const Step* step = script->next < script->steps.size() ? &script->steps[script->next] : nullptr;
        if (step == nullptr || (step->accepts ? !step->accepts(text) : step->prompt != text)) {
          script->problem = "unexpected prompt [" + text + "] at step " + std::to_string(script->next);
          free(replies);
          return PAM_CONV_ERR;
        }
        ++script->next;
        const auto answer = step->answer(step->accepts ? text : script->transcript);
        script->transcript += text + answer + "\n";
        replies[i].resp = strdup(answer.c_str());
      }
    }
  }
  *resp = replies;
  return PAM_SUCCESS;
}

}  // namespace

Step say(std::string prompt, std::string answer) {
  return {std::move(prompt), [answer](const std::string&) { return answer; }};
}

Step answer_one_of(std::map<std::string, std::string> answers) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(answers));
  return {"(one of several)", [shared](const std::string& prompt) { return shared->at(prompt); },
          [shared](const std::string& prompt) { return shared->count(prompt) == 1; }};
}

namespace {
constexpr uid_t kNobody = 65534;
}

UserRealUid::UserRealUid() {
  if (setresuid(kNobody, static_cast<uid_t>(-1), static_cast<uid_t>(-1)) != 0) std::abort();
}

UserRealUid::~UserRealUid() {
  if (setresuid(0, static_cast<uid_t>(-1), static_cast<uid_t>(-1)) != 0) std::abort();
}

int run_scripted(int pamtest_op, const char* service, const char* user, Script& script) {
  pam_testcase tests[] = {{static_cast<pamtest_ops>(pamtest_op), PAM_SUCCESS, 0, 0, {nullptr}}};
  std::optional<UserRealUid> as_user;
  if (pamtest_op == PAMTEST_CHAUTHTOK) as_user.emplace();
  const auto rc = _pamtest_conv(service, user, script_conv, &script, tests, 1, nullptr);
  if (!script.problem.empty())
    std::fprintf(stderr, "%s\ntranscript:\n%s\n", script.problem.c_str(), script.transcript.c_str());
  return (rc == PAMTEST_ERR_OK || rc == PAMTEST_ERR_CASE) ? tests[0].op_rv : -1;
}

int run_login_scripted(const char* service, const char* user, Script& script) {
  pam_testcase tests[] = {{PAMTEST_AUTHENTICATE, PAM_SUCCESS, 0, 0, {nullptr}},
                          {PAMTEST_ACCOUNT, PAM_SUCCESS, 0, 0, {nullptr}}};
  const auto rc = _pamtest_conv(service, user, script_conv, &script, tests, 2, nullptr);
  if (!script.problem.empty())
    std::fprintf(stderr, "%s\ntranscript:\n%s\n", script.problem.c_str(), script.transcript.c_str());
  if (rc != PAMTEST_ERR_OK && rc != PAMTEST_ERR_CASE) return -1;
  return tests[0].op_rv != PAM_SUCCESS ? tests[0].op_rv : tests[1].op_rv;
}

}  // namespace sspr::test
