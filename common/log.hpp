// Logging for ssprd and the command-line tools (pam_sspr.so logs through pam_syslog instead).
// Printf-style and format-checked. Secrets cannot be passed: Secret has no conversion to text.
// Untrusted text goes through escape_untrusted() before it reaches a log line.
#pragma once

#include <syslog.h>

namespace sspr {

void log_set_max_level(int level) noexcept;
void log_set_identifier(const char* identifier) noexcept;
void log_message(int level, const char* format, ...) noexcept __attribute__((format(printf, 2, 3)));
// Logs "<message>: <strerror(-negative_errno)>" and returns negative_errno.
int log_errno(int level, int negative_errno, const char* format, ...) noexcept
    __attribute__((format(printf, 3, 4)));

}  // namespace sspr

#define log_debug(...) ::sspr::log_message(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) ::sspr::log_message(LOG_INFO, __VA_ARGS__)
#define log_notice(...) ::sspr::log_message(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) ::sspr::log_message(LOG_WARNING, __VA_ARGS__)
#define log_error(...) ::sspr::log_message(LOG_ERR, __VA_ARGS__)
