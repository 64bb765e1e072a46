// Helpers shared by the libFuzzer targets in fuzz/ (docs/fuzzing.md).
//
// An invariant is checked with FUZZ_CHECK(condition, what): when it fails, the message goes to
// stderr and the process aborts, which libFuzzer reports as a crash and saves the input.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace sspr::fuzz {

[[noreturn]] inline void invariant_broken(const char* file, int line, const char* condition, const std::string& what) {
  std::fprintf(stderr, "\n%s:%d: invariant broken: %s\n  %s\n", file, line, condition, what.c_str());
  std::fflush(stderr);
  std::abort();
}

#define FUZZ_CHECK(condition, what)                                                            \
  do {                                                                                         \
    if (!(condition)) ::sspr::fuzz::invariant_broken(__FILE__, __LINE__, #condition, (what)); \
  } while (0)

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first line (without its '\n') and the rest; no '\n': all of it is the first line.
inline std::pair<std::string_view, std::string_view> split_first_line(std::string_view text) {
  const auto eol = text.find('\n');
  if (eol == std::string_view::npos) return {text, {}};
  return {text.substr(0, eol), text.substr(eol + 1)};
}

inline bool has_control(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Printable text for a failure message (the input itself is in libFuzzer's crash file).
inline std::string show(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s.substr(0, 300)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  if (s.size() > 300) out += "...";
  return out + "\"";
}

// Strict UTF-8 after RFC 3629 / Unicode table 3-7 (well-formed byte sequences), written by
// ranges rather than by decoding, as a second opinion on the project's validators.
inline bool reference_utf8(std::string_view s) {
  std::size_t i = 0;
  const auto in = [&](std::size_t k, unsigned lo, unsigned hi) {
    if (k >= s.size()) return false;
    const auto c = static_cast<unsigned char>(s[k]);
    return c >= lo && c <= hi;
  };
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= 0x7f) {
      i += 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      if (!in(i + 1, 0x80, 0xbf)) return false;
      i += 2;
    } else if (c == 0xe0) {
      if (!in(i + 1, 0xa0, 0xbf) || !in(i + 2, 0x80, 0xbf)) return false;
      i += 3;
    } else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
      if (!in(i + 1, 0x80, 0xbf) || !in(i + 2, 0x80, 0xbf)) return false;
      i += 3;
    } else if (c == 0xed) {
      if (!in(i + 1, 0x80, 0x9f) || !in(i + 2, 0x80, 0xbf)) return false;
      i += 3;
    } else if (c == 0xf0) {
      if (!in(i + 1, 0x90, 0xbf) || !in(i + 2, 0x80, 0xbf) || !in(i + 3, 0x80, 0xbf)) return false;
      i += 4;
    } else if (c >= 0xf1 && c <= 0xf3) {
      if (!in(i + 1, 0x80, 0xbf) || !in(i + 2, 0x80, 0xbf) || !in(i + 3, 0x80, 0xbf)) return false;
      i += 4;
    } else if (c == 0xf4) {
      if (!in(i + 1, 0x80, 0x8f) || !in(i + 2, 0x80, 0xbf) || !in(i + 3, 0x80, 0xbf)) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

// A private directory for targets whose parser only reads files: made once under $TMPDIR
// (scripts/fuzz.sh points it at its own temp directory) and removed, with what is in it, at
// exit. Nothing is ever written outside it.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp != nullptr && *tmp == '/' ? tmp : "/tmp") + "/sspr-fuzz.XXXXXX";
    if (::mkdtemp(path_.data()) == nullptr) {
      std::fprintf(stderr, "cannot create a scratch directory %s: %s\n", path_.c_str(), std::strerror(errno));
      std::abort();
    }
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    if (DIR* d = ::opendir(path_.c_str())) {
      while (const dirent* e = ::readdir(d)) {
        const std::string_view name = e->d_name;
        if (name != "." && name != "..") ::unlink((path_ + "/" + e->d_name).c_str());
      }
      ::closedir(d);
    }
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Replaces `name` with `content` (mode 0600), no fsync: it only has to be readable back.
  void write(std::string_view name, std::string_view content) const {
    const std::string p = file(name);
    ::unlink(p.c_str());
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::fprintf(stderr, "cannot create %s: %s\n", p.c_str(), std::strerror(errno));
      std::abort();
    }
    for (std::size_t done = 0; done < content.size();) {
      const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::fprintf(stderr, "cannot write %s: %s\n", p.c_str(), std::strerror(errno));
        std::abort();
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  }

  std::string read(std::string_view name) const {
    std::string out;
    const int fd = ::open(file(name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
  }

  // The names in the directory other than those given.
  template <class... Names>
  std::string others(Names... keep) const {
    std::string found;
    if (DIR* d = ::opendir(path_.c_str())) {
      while (const dirent* e = ::readdir(d)) {
        const std::string_view name = e->d_name;
        if (name == "." || name == ".." || ((name == keep) || ...)) continue;
        found += std::string(name) + " ";
      }
      ::closedir(d);
    }
    return found;
  }

 private:
  std::string path_;
};

}  // namespace sspr::fuzz
