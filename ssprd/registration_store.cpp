#include "registration_store.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon {
namespace {

constexpr std::size_t kMaxRecordSize = 256 * 1024;
constexpr std::array<std::string_view, 5> kMethodTypes{"totp", "email", "sms", "questions", "recovery_codes"};

LoadedRecord corrupt(std::string problem) { return {RecordState::corrupt, {}, std::move(problem)}; }

}  // namespace

LoadedRecord parse_registration_record(std::string_view text, std::string_view expected_user) {
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return corrupt("not a JSON object");
  const auto version = json.find("version");
  if (version == json.end() || !version->is_number_unsigned() || version->get<unsigned>() != 1)
    return corrupt("unsupported or missing version");
  const auto user = json.find("user");
  if (user == json.end() || !user->is_string() || user->get<std::string>() != expected_user)
    return corrupt("record does not belong to this user");
  const auto methods = json.find("methods");
  if (methods == json.end() || !methods->is_array()) return corrupt("missing methods list");

  LoadedRecord loaded{RecordState::present, {}, {}};
  for (const auto& method : *methods) {
    if (!method.is_object()) return corrupt("method entry is not an object");
    const auto type = method.find("type");
    const auto confirmed = method.find("confirmed");
    if (type == method.end() || !type->is_string()) return corrupt("method without a type");
    const auto type_name = type->get<std::string>();
    if (std::find(kMethodTypes.begin(), kMethodTypes.end(), type_name) == kMethodTypes.end())
      return corrupt("unknown method type");
    if (confirmed == method.end() || !confirmed->is_boolean()) return corrupt("method without a confirmed flag");
    if (!confirmed->get<bool>()) continue;
    auto& list = loaded.record.confirmed_methods;
    if (std::find(list.begin(), list.end(), type_name) != list.end()) return corrupt("method listed twice");
    list.push_back(type_name);
  }
  return loaded;
}

LoadedRecord RegistrationStore::load(const std::string& user) const {
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
  return parse_registration_record(text, user);
}

}  // namespace sspr::daemon
