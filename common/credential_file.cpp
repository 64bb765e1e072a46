#include "credential_file.hpp"

#include "handle.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr {

std::optional<Secret> read_credential_file(const std::string& path, std::string& problem) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (!fd) return problem = std::string("cannot be opened: ") + std::strerror(errno), std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode)) return problem = "is not a regular file", std::nullopt;
  if (st.st_uid != ::geteuid() || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return problem = "must be owned by root and have no group or other permissions (chmod 0600)", std::nullopt;

  std::array<char, kMaxCredentialBytes + 1> buffer{};
  std::size_t got = 0;
  while (got < buffer.size()) {
    const ssize_t n = ::read(fd.get(), buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  std::string_view text(buffer.data(), got);
  std::optional<Secret> result;
  if (got > kMaxCredentialBytes) {
    problem = "is too large for a password";
  } else {
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty() || text.find('\0') != std::string_view::npos)
      problem = "is empty or contains a NUL byte";
    else
      result.emplace(text);
  }
  secure_wipe(buffer.data(), buffer.size());
  return result;
}

}  // namespace sspr
