// AccountIndex: answers exactly as glibc's files source would (the first matching line, the same
// parser), goes to NSS for what it does not hold or when it is stale, and follows the file when
// useradd renames a new one over it. Which file NSS reads first comes from nsswitch.conf.
#include "account_index.hpp"
#include "cmocka.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

using namespace sspr::daemon;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/sspr-index-XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  return d ? d : "/tmp";
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// Replaced the way useradd does it: a new file renamed over the old one.
void replace_text(const std::string& path, const std::string& text) {
  write_text(path + "+", text);
  std::rename((path + "+").c_str(), path.c_str());
}

std::string describe(const std::optional<UserAccount>& a) {
  return a ? a->name + ":" + std::to_string(a->uid) + ":" + std::to_string(a->gid) : "none";
}

// Names no host has: NSS knows none of them, so "none" means the index did not answer.
const char* const kPasswd =
    "# a comment\n"
    "\n"
    "sspr-ann:x:5001:5001:Ann:/home/ann:/bin/bash\n"
    "this line is not a passwd entry\n"
    "sspr-bob:x:5002:5002::/home/bob:/bin/sh\n"
    "sspr-ann:x:5999:5999:a later duplicate:/:/bin/false\n"
    "sspr-twin:x:5002:6000:same uid as bob, later:/:/bin/false\n"
    "+sspr-compat:x:5003:5003::/:/bin/false\n"
    "-sspr-minus:x:5004:5004::/:/bin/false\n";

}  // namespace

static void test_nsswitch_decides_which_file(void**) {
  ::unsetenv("NSS_WRAPPER_PASSWD");
  const auto dir = temp_dir();
  const auto conf = dir + "/nsswitch.conf";
  write_text(conf, "# stock Debian 12\npasswd:         files systemd\ngroup: files systemd\n");
  assert_str(passwd_file_nss_reads_first(conf), "/etc/passwd");
  write_text(conf, "passwd: files\n");
  assert_str(passwd_file_nss_reads_first(conf), "/etc/passwd");
  // Anything else first (sssd, compat, LDAP): no index, NSS answers everything.
  write_text(conf, "passwd: sss files\n");
  assert_str(passwd_file_nss_reads_first(conf), "");
  write_text(conf, "passwd: compat\n");
  assert_str(passwd_file_nss_reads_first(conf), "");
  write_text(conf, "#passwd: files\ngroup: files\n");
  assert_str(passwd_file_nss_reads_first(conf), "");
  assert_str(passwd_file_nss_reads_first(dir + "/missing"), "");
  // Under nss_wrapper, its file is the files source.
  ::setenv("NSS_WRAPPER_PASSWD", "/tmp/wrapped-passwd", 1);
  assert_str(passwd_file_nss_reads_first(conf), "/tmp/wrapped-passwd");
  ::unsetenv("NSS_WRAPPER_PASSWD");
}

static void test_answers_as_the_files_source(void**) {
  const auto path = temp_dir() + "/passwd";
  write_text(path, kPasswd);
  AccountIndex index(path);
  assert_true(index.build_now());
  assert_str(describe(index.by_name("sspr-ann")), "sspr-ann:5001:5001");  // the first line wins
  assert_true(index.last_from_index());
  assert_str(describe(index.by_name("sspr-bob")), "sspr-bob:5002:5002");
  assert_str(describe(index.by_name("sspr-twin")), "sspr-twin:5002:6000");
  assert_str(describe(index.by_uid(5002)), "sspr-bob:5002:5002");  // the first line with the uid
  assert_str(describe(index.by_uid(5999)), "sspr-ann:5999:5999");
  assert_true(index.last_from_index());
  // Compat entries are never matched; unknown names go to NSS.
  assert_str(describe(index.by_name("+sspr-compat")), "none");
  assert_false(index.last_from_index());
  assert_str(describe(index.by_uid(5003)), "none");
  assert_str(describe(index.by_name("sspr-nobody")), "none");
  assert_false(index.last_from_index());
  // What the index does not hold, NSS still answers (root is in every host's NSS).
  assert_str(describe(index.by_name("root")), "root:0:0");
}

static void test_follows_the_file_when_it_changes(void**) {
  const auto path = temp_dir() + "/passwd";
  write_text(path, kPasswd);
  AccountIndex index(path);
  assert_true(index.build_now());
  assert_str(describe(index.by_name("sspr-bob")), "sspr-bob:5002:5002");

  // userdel sspr-bob; useradd sspr-cid: from that moment bob is gone, whatever the index held.
  replace_text(path, "sspr-ann:x:5001:5001::/:/bin/sh\nsspr-cid:x:5002:5002::/:/bin/sh\n");
  assert_str(describe(index.by_name("sspr-bob")), "none");  // stale: NSS answered
  assert_false(index.last_from_index());
  index.wait_for_build();  // the lookup started a rebuild in the background
  assert_str(describe(index.by_name("sspr-cid")), "sspr-cid:5002:5002");
  assert_true(index.last_from_index());
  assert_str(describe(index.by_uid(5002)), "sspr-cid:5002:5002");

  // Edited in place (same inode, new size): stale too.
  std::ofstream(path, std::ios::app) << "sspr-dan:x:5005:5005::/:/bin/sh\n";
  assert_str(describe(index.by_name("sspr-dan")), "none");
  index.wait_for_build();
  assert_str(describe(index.by_name("sspr-dan")), "sspr-dan:5005:5005");
  assert_true(index.last_from_index());
}

static void test_no_file_no_index(void**) {
  AccountIndex none("");
  assert_false(none.build_now());
  assert_str(describe(none.by_name("root")), "root:0:0");
  assert_false(none.last_from_index());
  // A file that cannot be read: NSS answers, and the file is not tried again until it changes.
  AccountIndex missing("/nonexistent/passwd");
  assert_false(missing.build_now());
  assert_str(describe(missing.by_uid(0)), "root:0:0");
  missing.wait_for_build();
  assert_false(missing.last_from_index());
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nsswitch_decides_which_file),
      cmocka_unit_test(test_answers_as_the_files_source),
      cmocka_unit_test(test_follows_the_file_when_it_changes),
      cmocka_unit_test(test_no_file_no_index),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
