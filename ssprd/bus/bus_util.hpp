// Helpers shared by the bus glue files: errors from the table, and the guard that keeps
// exceptions from crossing into sd-bus.
#pragma once

#include "async/task.hpp"
#include "errors.hpp"
#include "handle.hpp"
#include "log.hpp"

#include <cerrno>
#include <memory>
#include <new>
#include <systemd/sd-bus.h>

namespace sspr::daemon {

// Fills `error` from the table row of `code`; returns the negative errno sd-bus expects.
inline int set_bus_error(sd_bus_error* error, ErrorCode code) noexcept {
  const auto& info = error_info(code);
  return sd_bus_error_set(error, info.bus_name.data(), info.message.data());
}

// Runs a bus handler body; any escaping exception becomes an error reply, never a crash.
template <class Body>
int guard_bus_call(const char* what, sd_bus_error* error, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    log_error("%s: out of memory", what);
    return -ENOMEM;
  } catch (const std::exception& e) {
    log_error("%s failed: %s", what, e.what());
    return set_bus_error(error, ErrorCode::Internal);
  } catch (...) {
    log_error("%s failed with an unknown exception", what);
    return set_bus_error(error, ErrorCode::Internal);
  }
}

// A new method return for `m` in `reply`: 0, or a negative errno.
inline int new_reply(sd_bus_message* m, MessagePtr& reply) noexcept {
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_message_new_method_return(m, &raw);
  if (r < 0) return r;
  reply.reset(raw);
  return 0;
}

// Appends `items` (anything with c_str()) as an array of strings, "as".
template <class Items>
int append_strings(sd_bus_message* reply, const Items& items) noexcept {
  int r = sd_bus_message_open_container(reply, 'a', "s");
  for (auto it = items.begin(); r >= 0 && it != items.end(); ++it) r = sd_bus_message_append(reply, "s", it->c_str());
  return r < 0 ? r : sd_bus_message_close_container(reply);
}

// Runs `handler` for `m` after sd-bus's dispatch returned: its own reply, or its error as the
// reply (sd-bus does that only for handlers it calls itself).
inline void run_deferred(sd_bus_message_handler_t handler, sd_bus_message* m, void* userdata) noexcept {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  const int r = handler(m, userdata, &error);
  if (r < 0) {
    if (sd_bus_error_is_set(&error))
      sd_bus_reply_method_error(m, &error);
    else
      sd_bus_reply_method_errno(m, r, nullptr);
  }
  sd_bus_error_free(&error);
}

// Sends the reply to `call` that `reply(message, value, error)` makes of the task's value (it
// sends it, or returns a negative errno with `error` set, as a handler does). A task that never
// waits is answered before the handler returns; one that waits, when it ends.
template <class T, class Reply>
Detached reply_when_done(std::shared_ptr<sd_bus_message> call, Task<T> task, Reply reply) {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  int r = 0;
  const char* what = sd_bus_message_get_member(call.get());
  try {
    auto value = co_await std::move(task);
    r = reply(call.get(), value, &error);
  } catch (const std::bad_alloc&) {
    log_error("%s: out of memory", what);
    r = -ENOMEM;
  } catch (const std::exception& e) {
    log_error("%s failed: %s", what, e.what());
    r = set_bus_error(&error, ErrorCode::Internal);
  } catch (...) {
    log_error("%s failed with an unknown exception", what);
    r = set_bus_error(&error, ErrorCode::Internal);
  }
  if (r < 0) {
    if (sd_bus_error_is_set(&error))
      sd_bus_reply_method_error(call.get(), &error);
    else
      sd_bus_reply_method_errno(call.get(), r, nullptr);
  }
  sd_bus_error_free(&error);
}

// From a handler: `return answer(m, core.step(...), reply);` (1: sd-bus leaves the reply to us).
template <class T, class Reply>
int answer(sd_bus_message* m, Task<T> task, Reply reply) {
  reply_when_done(std::shared_ptr<sd_bus_message>(sd_bus_message_ref(m), sd_bus_message_unref), std::move(task),
                  std::move(reply));
  return 1;
}

// The reply of a step whose value is only done or refused.
inline int reply_done(sd_bus_message* m, const Result<Done>& result, sd_bus_error* error) {
  if (!result) return set_bus_error(error, result.error());
  return sd_bus_reply_method_return(m, "");
}

}  // namespace sspr::daemon
