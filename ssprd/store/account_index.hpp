// Local accounts answered in constant time whatever their number. glibc's "files" source scans
// /etc/passwd line by line at every getpwnam(): 34 ms per lookup with a million accounts, on
// ssprd's event loop. This index holds what ssprd needs of each line (name, uid, gid), sorted
// for binary search, and answers exactly as the files source would (the first matching line,
// parsed by glibc's own fgetpwent_r).
//
// It is used only where it cannot disagree with NSS: when nsswitch.conf lists "files" first for
// passwd (Debian's stock "files systemd"), and only for names and uids it holds; anything else
// goes to NSS as before (the next sources: systemd, sssd, LDAP). When the file changes (useradd
// renames a new one over it, or edits it in place), the index is stale from that moment: NSS
// answers until a rebuild on a background thread has read the new file (about 0.15 s for a
// million lines).
#pragma once

#include "accounts.hpp"

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sspr::daemon {

// The passwd file NSS reads first, or "" when the files source is not first for passwd (then
// every lookup goes to NSS). nss_wrapper (the tests' NSS) replaces the files source with the
// file NSS_WRAPPER_PASSWD names: followed, so that the index answers as NSS does there too.
std::string passwd_file_nss_reads_first(const std::string& nsswitch_conf = "/etc/nsswitch.conf");

class AccountIndex {
 public:
  // `passwd_file` empty: no index, NSS answers everything.
  explicit AccountIndex(std::string passwd_file);
  ~AccountIndex();
  AccountIndex(const AccountIndex&) = delete;
  AccountIndex& operator=(const AccountIndex&) = delete;

  // From the index when it is current and holds the account; otherwise from NSS.
  std::optional<UserAccount> by_name(std::string_view name);
  std::optional<UserAccount> by_uid(uid_t uid);

  // Starts building the index in the background if it is absent or stale (ssprd: after READY).
  void refresh() { current_table(); }
  // Builds the index now, on this thread (tests; the daemon lets the first lookup start it in
  // the background). True if an index is in place and current.
  bool build_now();
  // Waits for a background build to finish, if one runs (tests).
  void wait_for_build();
  // Whether the last lookup was answered by the index (tests).
  bool last_from_index() const noexcept { return last_from_index_.load(); }

  struct Table;

 private:
  // Which file, as it was: useradd renames a new one over it (another inode), an edit in place
  // changes the size or the time.
  struct FileIdentity {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    struct timespec mtime {};
    static FileIdentity of(const struct stat& st) noexcept { return {st.st_dev, st.st_ino, st.st_size, st.st_mtim}; }
    bool operator==(const FileIdentity& o) const noexcept {
      return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
             mtime.tv_nsec == o.mtime.tv_nsec;
    }
  };
  std::shared_ptr<const Table> current_table();  // null when stale or absent; may start a rebuild
  void start_rebuild_locked(const FileIdentity& seen);

  const std::string passwd_file_;
  std::mutex mutex_;
  // Guarded by mutex_:
  std::shared_ptr<const Table> table_;
  std::thread builder_;
  bool building_ = false;
  std::optional<FileIdentity> attempted_;  // the file as it was when the last build started
  std::atomic<bool> last_from_index_{false};
};

}  // namespace sspr::daemon
