#include "backend/shadow_edit.hpp"

#include "backend/password_hash.hpp"

#include "user_name.hpp"

#include <array>

namespace sspr::daemon::backend {
namespace {

constexpr std::size_t kFields = 9;

// What glibc's shadow parser accepts for a numeric field, less leading blanks and '+'.
bool numeric_or_empty(std::string_view field) noexcept {
  if (!field.empty() && field.front() == '-')
    field.remove_prefix(1);
  else if (field.empty())
    return true;
  if (field.empty() || field.size() > 18) return false;
  for (const char c : field)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string entry_of(std::string_view user, std::size_t line) {
  return "the entry of '" + std::string(user) + "' (line " + std::to_string(line) + ")";
}

}  // namespace

Result<Done> check_entry_request(std::string_view user, std::string_view new_hash, std::int64_t today_days,
                                 std::string& problem) {
  if (!valid_user_name(user)) {
    problem = "invalid user name";
    return ErrorCode::InvalidUserName;
  }
  if (new_hash.empty() || new_hash.size() > kMaxHashLength) {
    problem = "new hash is empty or too long";
    return ErrorCode::InvalidArgument;
  }
  for (const char c : new_hash) {
    if (c <= ' ' || c > '~' || c == ':') {
      problem = "new hash contains ':', a space or a control byte";
      return ErrorCode::InvalidArgument;
    }
  }
  if (today_days < 0) {
    problem = "negative day of last change";
    return ErrorCode::InvalidArgument;
  }
  return Done{};
}

Result<std::string> replace_shadow_entry(std::string_view content, std::string_view user, std::string_view new_hash,
                                         std::int64_t today_days, std::string& problem) {
  if (const auto checked = check_entry_request(user, new_hash, today_days, problem); !checked) return checked.error();

  // Find the line(s) whose first field is the user; remember where the first one is.
  std::string_view target;
  std::size_t target_offset = 0, target_line = 0, line_number = 0;
  for (std::size_t pos = 0; pos < content.size();) {
    ++line_number;
    const std::size_t eol = content.find('\n', pos);
    const std::size_t end = eol == std::string_view::npos ? content.size() : eol;
    const std::string_view line = content.substr(pos, end - pos);
    if (line.substr(0, line.find(':')) == user) {
      if (target_line != 0) {
        problem = "user '" + std::string(user) + "' has more than one entry (lines " + std::to_string(target_line) +
                  " and " + std::to_string(line_number) + ")";
        return ErrorCode::Internal;
      }
      target = line;
      target_offset = pos;
      target_line = line_number;
    }
    pos = end + 1;
  }
  if (target_line == 0) {
    problem = "user '" + std::string(user) + "' has no entry";
    return ErrorCode::NoSuchUser;
  }

  std::array<std::string_view, kFields> fields;
  std::size_t count = 0;
  for (std::size_t pos = 0;; ++count) {
    const std::size_t colon = target.find(':', pos);
    if (count < kFields) fields[count] = target.substr(pos, colon == std::string_view::npos ? colon : colon - pos);
    if (colon == std::string_view::npos) break;
    pos = colon + 1;
  }
  ++count;
  if (count != kFields) {
    problem = entry_of(user, target_line) + " has " + std::to_string(count) + " fields, not 9";
    return ErrorCode::Internal;
  }
  for (std::size_t i = 2; i < kFields; ++i) {
    if (!numeric_or_empty(fields[i])) {
      problem = entry_of(user, target_line) + ": field " + std::to_string(i + 1) + " is not a number";
      return ErrorCode::Internal;
    }
  }

  // Never over an administrator's lock: a locked or disabled hash ('!', '*'). ResetService
  // refuses such accounts (and expired ones) before a session is real; this holds even if the
  // lock came meanwhile.
  if (is_locked_hash(fields[1])) {
    problem = entry_of(user, target_line) + " is locked";
    return ErrorCode::NotPermitted;
  }

  // Fields 4-9 are copied as the bytes they were, with the ':' before them.
  const std::string_view tail = target.substr(static_cast<std::size_t>(fields[3].data() - target.data()) - 1);
  const std::string day = std::to_string(today_days);
  std::string out;
  out.reserve(content.size() + new_hash.size() + day.size());
  out.append(content.substr(0, target_offset));
  out.append(user).append(":").append(new_hash).append(":").append(day).append(tail);
  out.append(content.substr(target_offset + target.size()));
  return out;
}

}  // namespace sspr::daemon::backend
