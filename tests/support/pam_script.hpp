// A scripted user for PAM conversations under libpamtest: each step expects a prompt and
// gives an answer, which may be computed from what was shown so far (a code from the screen,
// say). Everything shown is kept in a transcript for exact assertions.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sspr::test {

struct Step {
  std::string prompt;  // exact text expected
  std::function<std::string(const std::string& transcript)> answer;
  // When set, the prompt is any text this accepts, and `answer` gets the prompt instead of the
  // transcript (for prompts the test cannot know in advance, such as a random question).
  std::function<bool(const std::string& prompt)> accepts = nullptr;
};

struct Script {
  std::vector<Step> steps;
  std::size_t next = 0;
  bool interactive = true;  // false: every prompt fails, as sshd without keyboard-interactive
  std::string transcript;   // info lines, "ERROR: " error lines, prompts with their answers
  std::string problem;      // a prompt the script did not expect
};

Step say(std::string prompt, std::string answer);
// A prompt that is one of `answers`' keys, answered with its value.
Step answer_one_of(std::map<std::string, std::string> answers);

// While alive, the real uid is an unprivileged one (the effective uid stays root), as in the
// setuid-root passwd a user runs: pam_sspr leaves root's own password changes (passwd OTHER,
// chpasswd) to pam_unix and tells them apart by the real uid, as pam_unix does.
class UserRealUid {
 public:
  UserRealUid();
  ~UserRealUid();
  UserRealUid(const UserRealUid&) = delete;
  UserRealUid& operator=(const UserRealUid&) = delete;
};

// Runs one PAM operation (a libpamtest op, e.g. PAMTEST_ACCOUNT) with the script as the
// conversation (PAMTEST_CHAUTHTOK under UserRealUid); returns the operation's PAM code (-1 if libpamtest failed to run it).
int run_scripted(int pamtest_op, const char* service, const char* user, Script& script);
// A login: authentication, then the account phase, on one PAM handle (what the first leaves,
// PAM_AUTHTOK, the second sees). The code of the first that fails, or the account phase's.
int run_login_scripted(const char* service, const char* user, Script& script);

}  // namespace sspr::test
