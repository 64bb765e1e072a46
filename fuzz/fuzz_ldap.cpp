// LDAP values and answers: ssprd/ldap/escape.cpp (escape_filter_value, escape_dn_value,
// substitute_user), ssprd/ldap/refusal.cpp (password_refusal, bind_refusal,
// operation_failure, is_unreachable) and ssprd/ldap/ppolicy_control.cpp (ppolicy_error: the
// server's password policy response control, BER bytes from the network, through libldap).
// Input (FuzzedDataProvider): the LDAP result code, a ppolicy error, the change/reset flag,
// the control's BER value, a DN/filter pattern; the rest is the value to escape.
//
// Invariants:
//  - an escaped value holds only [A-Za-z0-9_.@-] and "\xx" escapes (lower-case hex), so none of
//    the RFC 4515/4514 special characters ('*', '(', ')', '\', NUL, ',', '+', '"', '<', '>',
//    ';', '=', '#', space) stands unescaped, and it decodes back to the value;
//  - substitute_user replaces every "%u" (left to right, not overlapping) and nothing else;
//  - a known ppolicy error decides a password refusal whatever the result code; without one
//    the result code decides; an unreachable server is BackendUnavailable (unless ppolicy says
//    locked or expired, for a bind); only "invalid credentials" is a wrong password for a bind;
//  - every refusal is a row of the error table; its user text is one printable sentence.
#include "fuzz_support.hpp"

#include "errors.hpp"
#include "ldap/escape.hpp"
#include "ldap/ppolicy_control.hpp"
#include "ldap/refusal.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <ldap.h>

using namespace sspr;
using namespace sspr::ldap;
using sspr::fuzz::show;

namespace {

LDAP* handle = nullptr;  // never connected: libldap needs one to parse a control

bool safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '@' || c == '-';
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void check_escaped(std::string_view value, const std::string& escaped, const char* what) {
  std::string decoded;
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (safe(c)) {
      decoded.push_back(c);
      continue;
    }
    FUZZ_CHECK(c == '\\' && i + 2 < escaped.size() && hex(escaped[i + 1]) >= 0 && hex(escaped[i + 2]) >= 0,
               std::string(what) + " left " + show(std::string_view(&c, 1)) + " unescaped in " + show(escaped));
    decoded.push_back(static_cast<char>(hex(escaped[i + 1]) * 16 + hex(escaped[i + 2])));
    i += 2;
  }
  FUZZ_CHECK(decoded == value, std::string(what) + " does not decode back: " + show(escaped));
}

bool valid_code(ErrorCode code) {
  const auto table = error_table();
  return static_cast<std::size_t>(code) < table.size() && error_info(code).code == code;
}

void check_refusal(const Refusal& r) {
  FUZZ_CHECK(valid_code(r.code), "a refusal outside the error table");
  if (!r.user_text.empty()) {
    FUZZ_CHECK(!fuzz::has_control(r.user_text) && r.user_text.back() == '.', "user text " + show(r.user_text));
    FUZZ_CHECK(r.code != ErrorCode::Internal && r.code != ErrorCode::BackendUnavailable,
               "a service failure with a user text");
  }
}

bool known_ppolicy(int pp) {
  switch (pp) {
    case PP_passwordExpired:
    case PP_accountLocked:
    case PP_passwordModNotAllowed:
    case PP_mustSupplyOldPassword:
    case PP_insufficientPasswordQuality:
    case PP_passwordTooShort:
    case PP_passwordTooYoung:
    case PP_passwordInHistory:
    case PP_passwordTooLong:
      return true;
    default:
      return false;
  }
}

bool same(const Refusal& a, const Refusal& b) { return a.code == b.code && a.user_text == b.user_text; }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (ldap_initialize(&handle, "ldap://127.0.0.1:1") != LDAP_SUCCESS || handle == nullptr) {
    std::fprintf(stderr, "ldap_initialize failed\n");
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const int result = in.ConsumeBool() ? in.ConsumeIntegral<int>() : in.ConsumeIntegralInRange<int>(-20, 130);
  int pp = in.ConsumeIntegralInRange<int>(-2, 12);
  if (pp == 12) pp = PP_noError;
  const bool with_old = in.ConsumeBool();
  std::string ber = in.ConsumeRandomLengthString(256);
  const std::string pattern = in.ConsumeRandomLengthString(512);
  const std::string value = in.ConsumeRemainingBytesAsString();

  // Escaping.
  const std::string filter = escape_filter_value(value);
  const std::string dn = escape_dn_value(value);
  check_escaped(value, filter, "escape_filter_value");
  check_escaped(value, dn, "escape_dn_value");
  if (!dn.empty()) FUZZ_CHECK(dn.front() != '#' && dn.front() != ' ' && dn.back() != ' ', "DN value edge " + show(dn));

  // Substitution: the output is the pattern with each "%u" (left to right) replaced.
  std::string expected;
  std::size_t uses = 0;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, 2, "%u") == 0) {
      expected += filter;
      ++uses;
      i += 2;
    } else {
      expected.push_back(pattern[i++]);
    }
  }
  FUZZ_CHECK(substitute_user(pattern, filter) == expected, "substitute_user on " + show(pattern));
  if (uses == 0) FUZZ_CHECK(substitute_user(pattern, filter) == pattern, "a pattern without %u changed");

  // The server's response control, as libldap parses it.
  LDAPControl control{};
  control.ldctl_oid = const_cast<char*>(LDAP_CONTROL_PASSWORDPOLICYRESPONSE);
  control.ldctl_value.bv_val = ber.data();
  control.ldctl_value.bv_len = ber.size();
  LDAPControl* controls[] = {&control, nullptr};
  const int from_server = ppolicy_error(handle, controls);
  FUZZ_CHECK(ppolicy_error_text(from_server) != nullptr, "no text for a ppolicy error");
  FUZZ_CHECK(ppolicy_error(handle, nullptr) == PP_noError, "no controls is not PP_noError");
  check_refusal(password_refusal(result, from_server, with_old));
  check_refusal(bind_refusal(result, from_server));

  // The mapping.
  const Refusal pw = password_refusal(result, pp, with_old);
  const Refusal bind = bind_refusal(result, pp);
  const ErrorCode op = operation_failure(result);
  check_refusal(pw);
  check_refusal(bind);
  FUZZ_CHECK(valid_code(op), "an operation failure outside the error table");
  const bool unreachable = is_unreachable(result);
  FUZZ_CHECK((op == ErrorCode::BackendUnavailable) == unreachable, "operation_failure and is_unreachable disagree");

  if (known_ppolicy(pp)) {
    for (const int other : {LDAP_SUCCESS, LDAP_SERVER_DOWN, LDAP_CONSTRAINT_VIOLATION, LDAP_INVALID_CREDENTIALS})
      FUZZ_CHECK(same(password_refusal(other, pp, with_old), pw), "the result code overrode a ppolicy error");
    FUZZ_CHECK(pw.code != ErrorCode::BackendUnavailable && pw.code != ErrorCode::Internal,
               "a ppolicy refusal became a service failure");
  } else {
    FUZZ_CHECK(same(password_refusal(result, PP_noError, with_old), pw), "an unknown ppolicy error changed the answer");
    if (unreachable) FUZZ_CHECK(pw.code == ErrorCode::BackendUnavailable, "an unreachable server is not unavailable");
  }

  if (pp == PP_accountLocked) {
    FUZZ_CHECK(bind.code == ErrorCode::AccountLocked, "a locked account's bind");
  } else if (pp == PP_passwordExpired) {
    FUZZ_CHECK(bind.code == ErrorCode::PasswordExpired, "an expired password's bind");
  } else {
    FUZZ_CHECK(same(bind_refusal(result, PP_noError), bind), "an irrelevant ppolicy error changed a bind's answer");
    if (unreachable) FUZZ_CHECK(bind.code == ErrorCode::BackendUnavailable, "an unreachable server's bind");
    FUZZ_CHECK((bind.code == ErrorCode::BadCode) == (result == LDAP_INVALID_CREDENTIALS),
               "a wrong password is told by the result code alone");
  }
  return 0;
}
