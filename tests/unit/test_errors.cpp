// The error table is total (a row per code, every field filled) and unique (no name or errno
// of sspr's own used twice), and its lookups round-trip.
#include "cmocka.hpp"
#include "errors.hpp"

#include <set>
#include <security/_pam_types.h>
#include <string_view>

using namespace sspr;

static void test_every_code_has_a_complete_row(void**) {
  const auto table = error_table();
  assert_int_equal(table.size(), static_cast<std::size_t>(ErrorCode::Disconnected) + 1);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& row = table[i];
    assert_int_equal(static_cast<std::size_t>(row.code), i);
    assert_ptr_equal(&error_info(row.code), &row);
    const std::string_view prefix = row.origin == ErrorOrigin::sspr ? "io.sspr.reset1.Error." : "org.freedesktop.DBus.Error.";
    assert_true(row.bus_name.starts_with(prefix));
    assert_true(row.bus_name.size() > prefix.size());
    assert_true(row.errno_value > 0);
    assert_true(row.pam_code > PAM_SUCCESS && row.pam_code < _PAM_RETURN_VALUES);
    assert_false(row.message.empty());
    assert_true(row.message.ends_with("."));  // whole sentences, shown to users as they are
  }
}

static void test_names_and_own_errnos_are_unique(void**) {
  std::set<std::string_view> names;
  std::set<int> own_errnos;
  for (const auto& row : error_table()) {
    assert_true(names.insert(row.bus_name).second);
    if (row.origin == ErrorOrigin::sspr) assert_true(own_errnos.insert(row.errno_value).second);
  }
}

static void test_lookups_round_trip(void**) {
  for (const auto& row : error_table()) {
    assert_ptr_equal(error_by_bus_name(row.bus_name), &row);
  }
  assert_null(error_by_bus_name("io.sspr.reset1.Error.NoSuchThing"));
  assert_null(error_by_bus_name(""));
}

static void test_known_rows(void**) {
  const auto& required = error_info(ErrorCode::RegistrationRequired);
  assert_str(required.bus_name, "io.sspr.reset1.Error.RegistrationRequired");
  assert_int_equal(required.pam_code, PAM_PERM_DENIED);
  const auto& denied = error_info(ErrorCode::AccessDenied);
  assert_str(denied.bus_name, "org.freedesktop.DBus.Error.AccessDenied");
  assert_int_equal(denied.errno_value, EACCES);
  // Only transport failures count as "ssprd unavailable" (the fail-open path at login).
  for (const auto& row : error_table()) {
    const bool transport = row.code == ErrorCode::ServiceUnknown || row.code == ErrorCode::NameHasNoOwner ||
                           row.code == ErrorCode::NoReply || row.code == ErrorCode::Timeout ||
                           row.code == ErrorCode::Disconnected;
    assert_int_equal(row.service_unavailable, transport);
  }
}

// What an error means for a conversation is in the table, and consistent with the rest of it.
static void test_meanings(void**) {
  for (const auto& row : error_table()) {
    // Being unreachable is always a failure; a password another may replace is always a retry
    // and always says why; a failure's text is the table's own, never a reply's.
    if (row.service_unavailable) assert_int_equal(static_cast<int>(row.consequence), static_cast<int>(Consequence::failure));
    if (row.another_password_may_pass) {
      assert_int_equal(static_cast<int>(row.consequence), static_cast<int>(Consequence::retry));
      assert_true(row.user_text);
    }
    if (row.consequence == Consequence::failure) assert_false(row.user_text);
  }
  // A block ends the reset with ssprd's words for how long; a wrong code does not end it; an
  // ended session refuses; ssprd's own failure, a damaged record and an unreachable directory
  // are service errors (logged as such), not refusals.
  assert_int_equal(static_cast<int>(error_info(ErrorCode::RateLimited).consequence), static_cast<int>(Consequence::refusal));
  assert_true(error_info(ErrorCode::RateLimited).user_text);
  assert_int_equal(static_cast<int>(error_info(ErrorCode::BadCode).consequence), static_cast<int>(Consequence::retry));
  assert_int_equal(static_cast<int>(error_info(ErrorCode::TooManyAttempts).consequence),
                   static_cast<int>(Consequence::retry));
  assert_int_equal(static_cast<int>(error_info(ErrorCode::NoSuchSession).consequence),
                   static_cast<int>(Consequence::refusal));
  for (const auto code : {ErrorCode::Internal, ErrorCode::CorruptRecord, ErrorCode::BackendUnavailable,
                          ErrorCode::AuthtokLockBusy, ErrorCode::AccessDenied})
    assert_int_equal(static_cast<int>(error_info(code).consequence), static_cast<int>(Consequence::failure));
  std::set<ErrorCode> may_pass;
  for (const auto& row : error_table())
    if (row.another_password_may_pass) may_pass.insert(row.code);
  assert_true(may_pass == std::set<ErrorCode>({ErrorCode::LowPasswordQuality, ErrorCode::PasswordReused}));
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_code_has_a_complete_row),
      cmocka_unit_test(test_names_and_own_errnos_are_unique),
      cmocka_unit_test(test_lookups_round_trip),
      cmocka_unit_test(test_known_rows),
      cmocka_unit_test(test_meanings),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
