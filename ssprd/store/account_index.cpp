#include "account_index.hpp"

#include "handle.hpp"
#include "log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <pwd.h>
#include <sstream>

namespace sspr::daemon {

struct AccountIndex::Table {
  using Identity = FileIdentity;
  struct Row {
    std::uint32_t name = 0;  // offset into names
    uid_t uid = 0;
    gid_t gid = 0;
  };
  FileIdentity identity;
  std::string names;                 // NUL-terminated names, back to back
  std::vector<Row> rows;             // in file order
  std::vector<std::uint32_t> by_name;  // row numbers sorted by name, then file order
  std::vector<std::uint32_t> by_uid;   // row numbers sorted by uid, then file order

  std::string_view name_of(std::uint32_t row) const { return names.c_str() + rows[row].name; }
  UserAccount account(std::uint32_t row) const {
    return UserAccount(std::string(name_of(row)), rows[row].uid, rows[row].gid);
  }
};

namespace {

using Table = AccountIndex::Table;

struct FileCloser {
  void operator()(FILE* f) const noexcept { std::fclose(f); }
};

// The first word after "passwd:" in nsswitch.conf, or "" if there is no such line.
std::string first_passwd_source(const std::string& nsswitch_conf) {
  std::ifstream in(nsswitch_conf);
  std::string line;
  while (std::getline(in, line)) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string database, source;
    if (!(words >> database) || database != "passwd:") continue;
    words >> source;
    return source;
  }
  return {};
}

}  // namespace

std::string passwd_file_nss_reads_first(const std::string& nsswitch_conf) {
  if (const char* wrapped = std::getenv("NSS_WRAPPER_PASSWD"); wrapped != nullptr && *wrapped != '\0') return wrapped;
  return first_passwd_source(nsswitch_conf) == "files" ? "/etc/passwd" : "";
}

namespace {

// Reads `path` with glibc's own passwd parser (the one nss_files uses). Null if the file
// cannot be read whole: NSS then answers.
std::shared_ptr<Table> read_table(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "re"));
  if (!file) return nullptr;
  auto table = std::make_shared<Table>();
  struct stat st {};
  if (::fstat(fileno(file.get()), &st) < 0) return nullptr;
  table->identity = Table::Identity::of(st);
  std::vector<char> buffer(16384);
  struct passwd pw {};
  struct passwd* entry = nullptr;
  int r;
  while ((r = ::fgetpwent_r(file.get(), &pw, buffer.data(), buffer.size(), &entry)) == 0 ||
         (r == ERANGE && buffer.size() < (1u << 20))) {
    if (r == ERANGE) {  // one very long line: read it again with room for it
      buffer.resize(buffer.size() * 4);
      continue;
    }
    // nss_files never matches compat entries ("+name", "-name") by name or uid.
    if (pw.pw_name == nullptr || pw.pw_name[0] == '\0' || pw.pw_name[0] == '+' || pw.pw_name[0] == '-') continue;
    if (table->names.size() > std::numeric_limits<std::uint32_t>::max() / 2 ||
        table->rows.size() >= std::numeric_limits<std::uint32_t>::max() / 2)
      return nullptr;
    table->rows.push_back({static_cast<std::uint32_t>(table->names.size()), pw.pw_uid, pw.pw_gid});
    table->names.append(pw.pw_name);
    table->names.push_back('\0');
  }
  if (r != ENOENT) return nullptr;  // not the end of the file: a read error or an absurd line

  const auto n = static_cast<std::uint32_t>(table->rows.size());
  table->by_name.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) table->by_name[i] = i;
  table->by_uid = table->by_name;
  const Table& t = *table;
  std::stable_sort(table->by_name.begin(), table->by_name.end(),
                   [&t](std::uint32_t a, std::uint32_t b) { return t.name_of(a) < t.name_of(b); });
  std::stable_sort(table->by_uid.begin(), table->by_uid.end(),
                   [&t](std::uint32_t a, std::uint32_t b) { return t.rows[a].uid < t.rows[b].uid; });
  return table;
}

}  // namespace

AccountIndex::AccountIndex(std::string passwd_file) : passwd_file_(std::move(passwd_file)) {}

AccountIndex::~AccountIndex() { wait_for_build(); }

bool AccountIndex::build_now() {
  if (passwd_file_.empty()) return false;
  auto table = read_table(passwd_file_);
  std::lock_guard lock(mutex_);
  if (table) attempted_ = table->identity;
  table_ = std::move(table);
  return table_ != nullptr;
}

void AccountIndex::wait_for_build() {
  std::thread builder;
  {
    std::lock_guard lock(mutex_);
    builder = std::move(builder_);
  }
  if (builder.joinable()) builder.join();
}

void AccountIndex::start_rebuild_locked(const FileIdentity& seen) {
  if (builder_.joinable()) builder_.join();  // the previous build has finished
  building_ = true;
  attempted_ = seen;
  builder_ = std::thread([this] {
    auto table = read_table(passwd_file_);
    if (!table) log_warning("cannot index %s; account lookups go through NSS", passwd_file_.c_str());
    std::lock_guard lock(mutex_);
    table_ = std::move(table);
    building_ = false;
  });
}

std::shared_ptr<const Table> AccountIndex::current_table() {
  if (passwd_file_.empty()) return nullptr;
  struct stat st {};
  if (::stat(passwd_file_.c_str(), &st) < 0) return nullptr;
  const auto now = FileIdentity::of(st);
  std::lock_guard lock(mutex_);
  if (table_ && table_->identity == now) return table_;
  // Absent or stale: build again, unless a build is under way or already tried this very file
  // (one that cannot be indexed is not read again until it changes).
  if (!building_ && !(attempted_ && *attempted_ == now)) start_rebuild_locked(now);
  return nullptr;
}

std::optional<UserAccount> AccountIndex::by_name(std::string_view name) {
  if (const auto table = current_table()) {
    const auto it = std::lower_bound(table->by_name.begin(), table->by_name.end(), name,
                                     [&table](std::uint32_t row, std::string_view key) { return table->name_of(row) < key; });
    if (it != table->by_name.end() && table->name_of(*it) == name) {
      last_from_index_ = true;
      return table->account(*it);
    }
  }
  last_from_index_ = false;
  return lookup_user_by_name(name);
}

std::optional<UserAccount> AccountIndex::by_uid(uid_t uid) {
  if (const auto table = current_table()) {
    const auto it = std::lower_bound(table->by_uid.begin(), table->by_uid.end(), uid,
                                     [&table](std::uint32_t row, uid_t key) { return table->rows[row].uid < key; });
    if (it != table->by_uid.end() && table->rows[*it].uid == uid) {
      last_from_index_ = true;
      return table->account(*it);
    }
  }
  last_from_index_ = false;
  return lookup_user_by_uid(uid);
}

}  // namespace sspr::daemon
