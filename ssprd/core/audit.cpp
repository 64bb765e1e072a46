#include "audit.hpp"

#include "log.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>
#include <vector>

namespace sspr::daemon {

const char* to_string(AuditEvent event) noexcept {
  switch (event) {
    case AuditEvent::method_registered: return "method_registered";
    case AuditEvent::method_removed: return "method_removed";
    case AuditEvent::registration_complete: return "registration_complete";
    case AuditEvent::registration_skipped: return "registration_skipped";
    case AuditEvent::reconfirmed: return "reconfirmed";
    case AuditEvent::step_up_passed: return "step_up_passed";
    case AuditEvent::step_up_failed: return "step_up_failed";
    case AuditEvent::enrollment_failed: return "enrollment_failed";
    case AuditEvent::reset_started: return "reset_started";
    case AuditEvent::reset_step_passed: return "reset_step_passed";
    case AuditEvent::reset_step_failed: return "reset_step_failed";
    case AuditEvent::reset_blocked: return "reset_blocked";
    case AuditEvent::reset_done: return "reset_done";
    case AuditEvent::reset_failed: return "reset_failed";
    case AuditEvent::change_done: return "change_done";
    case AuditEvent::change_failed: return "change_failed";
    case AuditEvent::reset_unlocked: return "reset_unlocked";
    case AuditEvent::record_removed: return "record_removed";
    case AuditEvent::attempts_suppressed: return "attempts_suppressed";
  }
  return "unknown";
}

const char* message_id(AuditEvent event) noexcept {
  switch (event) {
    case AuditEvent::method_registered: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a101";
    case AuditEvent::method_removed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a102";
    case AuditEvent::registration_complete: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a103";
    case AuditEvent::registration_skipped: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a104";
    case AuditEvent::reconfirmed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a105";
    case AuditEvent::step_up_passed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a106";
    case AuditEvent::step_up_failed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a107";
    case AuditEvent::enrollment_failed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a108";
    case AuditEvent::reset_started: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a109";
    case AuditEvent::reset_step_passed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a10a";
    case AuditEvent::reset_step_failed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a10b";
    case AuditEvent::reset_blocked: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a10c";
    case AuditEvent::reset_done: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a10d";
    case AuditEvent::reset_failed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a10e";
    case AuditEvent::change_done: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a10f";
    case AuditEvent::change_failed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a110";
    case AuditEvent::reset_unlocked: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a111";
    case AuditEvent::record_removed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a112";
    case AuditEvent::attempts_suppressed: return "5c1b7c7a3f2e4d0b9a61e2f0c3d4a113";
  }
  return "00000000000000000000000000000000";
}

std::unique_ptr<AuditLog> AuditLog::open(const std::string& path, std::string& problem) {
  if (path.empty()) return std::unique_ptr<AuditLog>(new AuditLog(UniqueFd()));
  const auto slash = path.rfind('/');
  const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) {
    problem = dir + ": cannot create: " + std::strerror(errno);
    return nullptr;
  }
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  struct stat st {};
  if (!dir_fd || ::fstat(dir_fd.get(), &st) < 0 || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) {
    problem = dir + " must be a directory owned by root and not writable by others";
    return nullptr;
  }
  const std::string name = path.substr(slash + 1);
  UniqueFd fd(::openat(dir_fd.get(), name.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd || ::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 077) != 0) {
    problem = path + ": cannot open for appending, or not a root-only (0600) regular file";
    return nullptr;
  }
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(fd)));
}

void AuditLog::record(AuditEvent event, std::string_view user, std::initializer_list<AuditField> fields) noexcept {
  try {
    nlohmann::json line = {{"time", static_cast<long long>(std::time(nullptr))},
                           {"event", to_string(event)},
                           {"user", std::string(user)}};
    for (const auto& [key, value] : fields) line[std::string(key)] = value;

    // Journal: one field per item, upper-cased with the SSPR_ prefix.
    std::vector<std::string> items = {
        std::string("MESSAGE=sspr: ") + to_string(event) + " for " + escape_untrusted(user),
        std::string("MESSAGE_ID=") + message_id(event), "PRIORITY=5", std::string("SSPR_EVENT=") + to_string(event),
        "SSPR_USER=" + std::string(user)};
    for (const auto& [key, value] : fields) {
      std::string name = "SSPR_";
      for (char c : key) name.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
      items.push_back(name + "=" + value);
    }
    std::vector<iovec> iov;
    for (auto& item : items) iov.push_back({item.data(), item.size()});
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));

    if (file_) {
      // One write() per line: O_APPEND keeps concurrent lines whole.
      const std::string text = line.dump() + "\n";
      if (::write(file_.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        log_error("audit log write failed: %s", std::strerror(errno));
    }
  } catch (...) {
    log_error("audit event %s for %s could not be recorded", to_string(event), escape_untrusted(user).c_str());
  }
}

}  // namespace sspr::daemon
