#include "registration_store.hpp"

#include "atomic_file.hpp"
#include "directory_listing.hpp"
#include "log.hpp"
#include "user_name.hpp"

#include <cerrno>
#include <cstring>
#include <string_view>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon {
namespace {

constexpr std::size_t kMaxRecordSize = 256 * 1024;

LoadedRecord corrupt(std::string problem) { return {RecordState::corrupt, {}, std::move(problem), {}}; }

}  // namespace

Task<LoadedRecord> LocalRegistrationStore::load(std::string user) const { co_return read(user); }

Task<Result<Done>> LocalRegistrationStore::save(std::string user, RegistrationRecord record, StoredVersion) const {
  if (const int r = write(user, record); r < 0) {
    log_error("cannot save the registration record of %s: %s", user.c_str(), std::strerror(-r));
    co_return ErrorCode::Internal;
  }
  co_return Done{};
}

LoadedRecord LocalRegistrationStore::read(const std::string& user) const {
  const std::string file = user + ".json";
  UniqueFd fd(::openat(dir_.get(), file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    if (errno == ENOENT) return {};
    return corrupt(std::string("cannot open record: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return corrupt(std::string("cannot stat record: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return corrupt("record is not a regular file");
  if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) return corrupt("record has unsafe owner or mode");
  if (static_cast<std::size_t>(st.st_size) > kMaxRecordSize) return corrupt("record is too large");

  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return corrupt("short read of record");
    done += static_cast<std::size_t>(n);
  }
  std::string problem;
  auto record = parse_record(text, user, problem);
  if (!record) return corrupt(problem);
  return {RecordState::present, std::move(*record), {}, {}};
}

int LocalRegistrationStore::write(const std::string& user, const RegistrationRecord& record) const {
  return write_file_atomically(dir_.get(), user + ".json", serialize_record(record, user), 0600);
}

std::vector<std::string> LocalRegistrationStore::users() const {
  std::vector<std::string> out;
  constexpr std::string_view kSuffix = ".json";
  for (const auto& file : regular_files_in(dir_.get())) {
    const std::string_view name(file);
    if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) continue;
    const auto user = name.substr(0, name.size() - kSuffix.size());
    if (valid_user_name(user)) out.emplace_back(user);
  }
  return out;
}

std::size_t LocalRegistrationStore::remove_interrupted_writes(std::time_t started_before) const {
  const int removed = sspr::daemon::remove_interrupted_writes(dir_.get(), started_before);
  return removed > 0 ? static_cast<std::size_t>(removed) : 0;
}

int LocalRegistrationStore::remove(const std::string& user) const {
  if (!valid_user_name(user)) return -EINVAL;
  if (::unlinkat(dir_.get(), (user + ".json").c_str(), 0) < 0) return -errno;
  return ::fsync(dir_.get()) < 0 ? -errno : 0;
}

}  // namespace sspr::daemon
