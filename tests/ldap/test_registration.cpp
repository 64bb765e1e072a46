// The registration record in the directory: the service account writes and reads it byte
// for byte; users can neither read nor write it, not even their own (the shipped ACL); mail
// and mobile are read for pre-population.
#include "ldap_test_support.hpp"

#include "ldap/directory.hpp"

using namespace sspr;
using namespace sspr::ldap;
using namespace ldap_test;

namespace {

const std::string kRecord = R"({"version":1,"methods":[{"type":"email","address":"lena@example.test"}],)"
                            "\n"
                            R"("note":"caf\u00e9 \u00fc \ud83d\ude00","name":"Léna"})";

std::string service() { return std::string(SlapdInstance::kServiceDn); }
std::string service_password() { return std::string(SlapdInstance::kServicePassword); }

}  // namespace

static void test_round_trip(void**) {
  SlapdInstance slapd;
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  auto none = read_registration(settings, "lena", diag);
  expect_ok(none, diag);
  assert_false(none->has_value());

  expect_ok(write_registration(settings, "lena", kRecord, std::nullopt, diag), diag);
  auto read = read_registration(settings, "lena", diag);
  expect_ok(read, diag);
  assert_true(read->has_value());
  assert_true(**read == kRecord);

  // Replaced, not added to.
  expect_ok(write_registration(settings, "lena", R"({"version":2})", std::string(kRecord), diag), diag);
  read = read_registration(settings, "lena", diag);
  expect_ok(read, diag);
  assert_str(**read, R"({"version":2})");

  // The largest allowed record, and one byte more.
  const std::string largest(kMaxRecordBytes, 'x');
  expect_ok(write_registration(settings, "mark", largest, std::nullopt, diag), diag);
  read = read_registration(settings, "mark", diag);
  expect_ok(read, diag);
  assert_true(**read == largest);
  expect_code(write_registration(settings, "mark", largest + "x", std::nullopt, diag), ErrorCode::InvalidArgument, diag);
  assert_str(diag.log_text, "registration record of 65537 bytes: must be 1 to 65536");
  expect_code(write_registration(settings, "mark", "", std::nullopt, diag), ErrorCode::InvalidArgument, diag);

  // The same through a DN template.
  LdapSettings by_template = settings;
  by_template.dn_template = "uid=%u,ou=people,dc=example,dc=org";
  expect_ok(write_registration(by_template, "nora", kRecord, std::nullopt, diag), diag);
  read = read_registration(by_template, "nora", diag);
  expect_ok(read, diag);
  assert_true(**read == kRecord);
  expect_code(read_registration(by_template, "nobody", diag), ErrorCode::NoSuchUser, diag);
  expect_code(write_registration(by_template, "nobody", kRecord, std::nullopt, diag), ErrorCode::NoSuchUser, diag);
}

// Issue 11, item 13: a write that does not find the record it read changes nothing.
static void test_a_write_must_find_the_record_it_read(void**) {
  SlapdInstance slapd;
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  const std::string first = R"({"version":2,"n":1})", second = R"({"version":2,"n":2})";
  expect_ok(write_registration(settings, "lena", first, std::nullopt, diag), diag);
  // Another host read "nothing" before the first write, or an older record: both refused.
  expect_code(write_registration(settings, "lena", second, std::nullopt, diag), ErrorCode::RecordChanged, diag);
  expect_code(write_registration(settings, "lena", second, std::string(R"({"version":2,"n":0})"), diag),
              ErrorCode::RecordChanged, diag);
  auto read = read_registration(settings, "lena", diag);
  expect_ok(read, diag);
  assert_true(**read == first);
  // With the record as read, the write goes through.
  expect_ok(write_registration(settings, "lena", second, first, diag), diag);
  read = read_registration(settings, "lena", diag);
  expect_ok(read, diag);
  assert_true(**read == second);
}

static void test_users_cannot_read_or_write_records(void**) {
  SlapdInstance slapd;
  Diagnostic diag;
  expect_ok(write_registration(settings_for(slapd), "lena", kRecord, std::nullopt, diag), diag);
  const std::string lena = dn_of("lena"), mark = dn_of("mark");

  // The probe can read it at all: as the service account.
  assert_int_equal(slapd.read_as(service(), service_password(), lena, "ssprEnrollment").size(), 1);
  // Not the user herself, not another user.
  assert_true(slapd.read_as(lena, password_of("lena"), lena, "ssprEnrollment").empty());
  assert_true(slapd.read_as(mark, password_of("mark"), lena, "ssprEnrollment").empty());
  // The site's own rules still hold for everything else: she reads her mail.
  assert_int_equal(slapd.read_as(lena, password_of("lena"), lena, "mail").size(), 1);

  assert_int_equal(slapd.replace_as(lena, password_of("lena"), lena, "ssprEnrollment", "{}"), LDAP_INSUFFICIENT_ACCESS);
  assert_int_equal(slapd.replace_as(mark, password_of("mark"), lena, "ssprEnrollment", "{}"),
                   LDAP_INSUFFICIENT_ACCESS);
  assert_int_equal(slapd.replace_as(mark, password_of("mark"), mark, "ssprEnrollment", "{}"),
                   LDAP_INSUFFICIENT_ACCESS);
  auto read = read_registration(settings_for(slapd), "lena", diag);
  expect_ok(read, diag);
  assert_true(**read == kRecord);
  assert_true(slapd.read_as(service(), service_password(), mark, "ssprEnrollment").empty());
}

static void test_entry_without_the_object_class(void**) {
  SlapdInstance slapd;
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  expect_code(write_registration(settings, "otto", kRecord, std::nullopt, diag), ErrorCode::Internal, diag);
  assert_str(diag.log_text, slapd.ldap_uri() + ": write ssprEnrollment of " + dn_of("otto") +
                                ": Object class violation (attribute 'ssprEnrollment' not allowed); does the entry "
                                "have the object class ssprUser (conf/ldap/README.md)?");
  auto read = read_registration(settings, "otto", diag);
  expect_ok(read, diag);
  assert_false(read->has_value());
}

static void test_several_values_are_a_corrupt_record(void**) {
  SlapdInstance slapd;
  // A misconfigured attribute name pointing at a multi-valued attribute.
  LdapSettings settings = settings_for(slapd);
  settings.registration_attribute = "objectClass";
  Diagnostic diag;
  expect_code(read_registration(settings, "lena", diag), ErrorCode::CorruptRecord, diag);
  expect_contains(diag.log_text, ": objectClass has several values");
}

static void test_contacts(void**) {
  SlapdInstance slapd;
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  auto contacts = read_contacts(settings, "lena", diag);
  expect_ok(contacts, diag);
  assert_int_equal(contacts->mail.size(), 1);
  assert_str(contacts->mail[0], "lena@example.test");
  assert_int_equal(contacts->mobile.size(), 1);
  assert_str(contacts->mobile[0], "+4915100000001");

  // Other attribute names, one of them absent from the entry.
  LdapSettings other = settings;
  other.mail_attribute = "cn";
  other.mobile_attribute = "telephoneNumber";
  contacts = read_contacts(other, "mark", diag);
  expect_ok(contacts, diag);
  assert_int_equal(contacts->mail.size(), 1);
  assert_str(contacts->mail[0], "mark");
  assert_true(contacts->mobile.empty());

  expect_code(read_contacts(settings, "nobody", diag), ErrorCode::NoSuchUser, diag);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_a_write_must_find_the_record_it_read),
      cmocka_unit_test(test_users_cannot_read_or_write_records),
      cmocka_unit_test(test_entry_without_the_object_class),
      cmocka_unit_test(test_several_values_are_a_corrupt_record),
      cmocka_unit_test(test_contacts),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
