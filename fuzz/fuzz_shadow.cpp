// The shadow file's one-line edit (ssprd/backend/shadow_edit.cpp check_entry_request,
// replace_shadow_entry) and, for some inputs, the whole file path of
// ssprd/backend/shadow_file.cpp set_password_hash (locks, read, edit, temp file, rename) on a
// shadow file in a private scratch directory, including a shadow.lock left by another program
// (ssprd/backend/shadow_lock.cpp reads its pid); also the stale pid file reader
// names_dead_process (stale_files.cpp).
// Input: line 1 the user, line 2 the new hash, line 3 the day of the change (decimal,
// optionally negative), then the shadow file's content. A user line starting with '!' selects
// the file path (the '!' is dropped); on that path, line 3 may go on after a space with the
// content of a shadow.lock planted before the change.
//
// Invariants of a successful edit: exactly one line's first field was the user, and that line
// had 9 fields, numeric fields 3-9 and no lock; the result has the same number of lines, every
// other line byte-identical, and the user's line is user:hash:day followed by the old fields
// 4-9 byte for byte; editing the result again with the same request gives the result (or,
// for a new hash that is itself a lock, NotPermitted). A refusal matches the content:
// NoSuchUser only when no line is the user's, Internal for a duplicate only when two are,
// NotPermitted only for a locked hash. The file path leaves
// exactly the edit's result on disk (or the old bytes after a refusal) and no temp or lock
// file behind; a planted lock of a live process (or one that is not a pid) stops it with
// AuthtokLockBusy and is left as it was, one of a dead process is broken.
#include "fuzz_support.hpp"

#include "backend/password_hash.hpp"
#include "backend/shadow_edit.hpp"
#include "backend/shadow_file.hpp"
#include "backend/stale_files.hpp"
#include "log.hpp"

#include <csignal>
#include <optional>
#include <vector>

using namespace sspr;
using namespace sspr::daemon::backend;
using sspr::fuzz::show;

namespace {

std::vector<std::string_view> lines_of(std::string_view content) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < content.size()) {
    const auto eol = content.find('\n', pos);
    if (eol == std::string_view::npos) {
      lines.push_back(content.substr(pos));
      break;
    }
    lines.push_back(content.substr(pos, eol - pos));
    pos = eol + 1;
  }
  return lines;
}

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const auto colon = line.find(':');
    fields.push_back(line.substr(0, colon));
    if (colon == std::string_view::npos) break;
    line.remove_prefix(colon + 1);
  }
  return fields;
}

std::int64_t day_of(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > 18) return 19000;
  std::int64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return 19000;
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

// What shadow_lock.cpp promises to read in a lock file: "<pid>\0" as shadow-utils writes it,
// or "<pid>\n"; a decimal pid of at most 10 digits, 1..2^31-1.
std::optional<pid_t> reference_lock_pid(std::string_view text) {
  text = text.substr(0, text.find('\0'));
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  const long pid = std::stol(std::string(text));
  if (pid <= 0 || pid > 0x7fffffff) return std::nullopt;
  return static_cast<pid_t>(pid);
}

// Whether a lock of `pid` is held: this process's own is stale (a killed earlier holder), and
// so is one of a process that does not exist.
bool held_by(pid_t pid) { return pid != ::getpid() && (::kill(pid, 0) == 0 || errno != ESRCH); }

const fuzz::ScratchDir& scratch() {
  static const fuzz::ScratchDir dir;
  return dir;
}

void check_edit(std::string_view user, std::string_view hash, std::int64_t day, std::string_view content,
                bool request_ok, const Result<std::string>& result, const std::string& problem) {
  const auto lines = lines_of(content);
  std::vector<std::size_t> matches;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].substr(0, lines[i].find(':')) == user) matches.push_back(i);

  if (!request_ok) {
    FUZZ_CHECK(!result.ok(), "an edit succeeded for a request check_entry_request refuses");
    return;
  }
  if (!result.ok()) {
    FUZZ_CHECK(!problem.empty(), "a refused edit without a reason");
    switch (result.error()) {
      case ErrorCode::NoSuchUser:
        FUZZ_CHECK(matches.empty(), "NoSuchUser, but line " + std::to_string(matches.front() + 1) + " is the user's");
        break;
      case ErrorCode::Internal:
        if (matches.size() == 1) {
          const auto f = fields_of(lines[matches.front()]);
          bool numeric = true;
          for (std::size_t i = 2; i < f.size() && numeric; ++i) {
            auto v = f[i];
            if (!v.empty() && v.front() == '-') {
              v.remove_prefix(1);
              numeric = !v.empty();
            }
            numeric = numeric && v.size() <= 18 && v.find_first_not_of("0123456789") == std::string_view::npos;
          }
          FUZZ_CHECK(f.size() != 9 || !numeric, "Internal for a well-formed entry: " + show(lines[matches.front()]));
        } else {
          FUZZ_CHECK(matches.size() >= 2, "Internal for a missing entry");
        }
        break;
      case ErrorCode::NotPermitted:
        FUZZ_CHECK(matches.size() == 1, "NotPermitted without exactly one entry");
        FUZZ_CHECK(is_locked_hash(fields_of(lines[matches.front()])[1]), "NotPermitted for an unlocked entry");
        break;
      default:
        FUZZ_CHECK(false, "unexpected error " + std::to_string(static_cast<int>(result.error())) + ": " + problem);
    }
    return;
  }

  FUZZ_CHECK(matches.size() == 1, "an edit succeeded with " + std::to_string(matches.size()) + " entries");
  const std::string& out = result.value();
  const auto out_lines = lines_of(out);
  FUZZ_CHECK(out_lines.size() == lines.size(), "the edit changed the number of lines");
  FUZZ_CHECK((!content.empty() && content.back() == '\n') == (!out.empty() && out.back() == '\n'),
             "the edit changed the final newline");
  const std::size_t target = matches.front();
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (i != target) FUZZ_CHECK(out_lines[i] == lines[i], "line " + std::to_string(i + 1) + " changed: " + show(out_lines[i]));
  const auto old_fields = fields_of(lines[target]);
  FUZZ_CHECK(old_fields.size() == 9, "an entry of " + std::to_string(old_fields.size()) + " fields was edited");
  FUZZ_CHECK(!is_locked_hash(old_fields[1]), "a locked entry was edited");
  std::string expected = std::string(user) + ":" + std::string(hash) + ":" + std::to_string(day);
  for (std::size_t i = 3; i < old_fields.size(); ++i) expected += ":" + std::string(old_fields[i]);
  FUZZ_CHECK(out_lines[target] == expected, "the entry became " + show(out_lines[target]) + ", not " + show(expected));

  // The same edit again changes nothing; unless the new hash is itself a lock ('!' or '*',
  // which a caller may write), which is then never written over.
  std::string problem_again;
  const auto again = replace_shadow_entry(out, user, hash, day, problem_again);
  if (is_locked_hash(hash))
    FUZZ_CHECK(!again.ok() && again.error() == ErrorCode::NotPermitted, "a lock just written was written over");
  else
    FUZZ_CHECK(again.ok() && again.value() == out, "editing the result again changes it: " + problem_again);
}

void check_file_path(std::string_view user, std::string_view hash, std::int64_t day, std::string_view content,
                     std::optional<std::string_view> planted_lock, bool request_ok, const Result<std::string>& result) {
  const auto& dir = scratch();
  dir.write("shadow", content);
  // Only the first 31 bytes of a lock file are read.
  const std::optional<pid_t> pid = planted_lock ? reference_lock_pid(planted_lock->substr(0, 31)) : std::nullopt;
  const bool held_before = planted_lock && (!pid || held_by(*pid));
  if (planted_lock) dir.write("shadow.lock", *planted_lock);

  ShadowPaths paths;
  paths.dir = dir.path();
  FileOps ops;
  ops.fsync = [](int) { return 0; };  // durability is not what is tested here
  ops.fsync_dir = [](int) { return 0; };
  // No wait with a planted lock: one that is kept gives AuthtokLockBusy at once.
  const auto wait = std::chrono::milliseconds(planted_lock ? 0 : 2000);
  const auto set = set_password_hash(paths, std::string(user), std::string(hash), day, wait, ops);
  const std::string on_disk = dir.read("shadow");

  // A process that started or ended during the call proves nothing either way.
  const bool settled = !pid || held_by(*pid) == held_before;
  if (settled && request_ok && held_before) {
    FUZZ_CHECK(!set.ok() && set.error() == ErrorCode::AuthtokLockBusy,
               "a held lock did not stop the change: " + show(*planted_lock));
    FUZZ_CHECK(on_disk == content, "the file changed under a held lock");
    FUZZ_CHECK(dir.read("shadow.lock") == *planted_lock, "a held lock was altered");
  } else if (settled) {
    FUZZ_CHECK(set.ok() == result.ok(), "the file path and the edit disagree");
    if (set.ok())
      FUZZ_CHECK(on_disk == result.value(), "the file does not hold the edit's result");
    else
      FUZZ_CHECK(on_disk == content, "a refused change altered the file");
    if (!set.ok() && !result.ok())
      FUZZ_CHECK(set.error() == result.error(), "the file path and the edit refuse differently");
    // A stale lock is broken, and the lock taken in its place released again.
    if (request_ok && planted_lock)
      FUZZ_CHECK(::access(dir.file("shadow.lock").c_str(), F_OK) != 0, "a stale lock was left: " + show(*planted_lock));
  }
  ::unlink(dir.file("shadow.lock").c_str());  // a plant that was kept (or refused before locking)
  const auto left = dir.others("shadow", ".pwd.lock");
  FUZZ_CHECK(left.empty(), "files left behind: " + left);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  log_set_max_level(-1);  // the file path logs its refusals; nothing to see here
  (void)scratch();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [user, rest] = fuzz::split_first_line(fuzz::as_view(data, size));
  const auto [hash, rest2] = fuzz::split_first_line(rest);
  const auto [day_line, content] = fuzz::split_first_line(rest2);
  const bool file_path = !user.empty() && user.front() == '!';
  if (file_path) user.remove_prefix(1);
  const auto space = day_line.find(' ');
  const std::int64_t day = day_of(day_line.substr(0, space));
  std::optional<std::string_view> planted_lock;
  if (space != std::string_view::npos) planted_lock = day_line.substr(space + 1);

  std::string problem;
  const bool request_ok = check_entry_request(user, hash, day, problem).ok();
  if (!request_ok) FUZZ_CHECK(!problem.empty(), "a refused request without a reason");

  problem.clear();
  const auto result = replace_shadow_entry(content, user, hash, day, problem);
  check_edit(user, hash, day, content, request_ok, result, problem);

  // The pid file reader: only decimal pids, never 0 or a process group.
  if (names_dead_process(hash))
    FUZZ_CHECK(!hash.empty() && hash.size() <= 10 && hash.find_first_not_of("0123456789") == std::string_view::npos &&
                   hash.find_first_not_of('0') != std::string_view::npos,
               "names_dead_process accepted " + show(hash));

  if (file_path && content.size() <= (1u << 20)) check_file_path(user, hash, day, content, planted_lock, request_ok, result);
  return 0;
}
