// RAII owners for sd-bus / sd-event objects and file descriptors, so no error path leaks one.
#pragma once

#include <memory>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <unistd.h>
#include <utility>

namespace sspr {

template <class T, T* (*Unref)(T*)>
struct Unreffer {
  void operator()(T* p) const noexcept { Unref(p); }
};
template <class T, T* (*Unref)(T*)>
using Handle = std::unique_ptr<T, Unreffer<T, Unref>>;

using BusPtr = Handle<sd_bus, sd_bus_flush_close_unref>;
using MessagePtr = Handle<sd_bus_message, sd_bus_message_unref>;
using SlotPtr = Handle<sd_bus_slot, sd_bus_slot_unref>;
using CredsPtr = Handle<sd_bus_creds, sd_bus_creds_unref>;
using TrackPtr = Handle<sd_bus_track, sd_bus_track_unref>;
using EventPtr = Handle<sd_event, sd_event_unref>;
using EventSourcePtr = Handle<sd_event_source, sd_event_source_disable_unref>;

// Owns an sd_bus_error; get() for sd-bus out-parameters.
class BusError {
 public:
  BusError() noexcept = default;
  BusError(const BusError&) = delete;
  BusError& operator=(const BusError&) = delete;
  ~BusError() { sd_bus_error_free(&error_); }

  sd_bus_error* get() noexcept { return &error_; }
  bool is_set() const noexcept { return sd_bus_error_is_set(&error_); }
  const char* name() const noexcept { return error_.name ? error_.name : ""; }
  const char* message() const noexcept { return error_.message ? error_.message : ""; }

 private:
  sd_bus_error error_ = SD_BUS_ERROR_NULL;
};

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace sspr
