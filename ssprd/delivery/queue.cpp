#include "delivery/queue.hpp"

#include "delivery/curl_util.hpp"

#include <cerrno>
#include <memory>
#include <new>
#include <system_error>

namespace sspr::daemon::delivery {
namespace {

sd_event* with_curl(sd_event* event) {
  if (!ensure_curl_initialised()) throw std::system_error(EIO, std::generic_category(), "curl_global_init");
  return event;
}

}  // namespace

DeliveryQueue::DeliveryQueue(sd_event* event, unsigned workers, std::size_t capacity)
    : capacity_(capacity), worker_(with_curl(event), "delivery", workers, capacity) {}

bool DeliveryQueue::submit(Job job, Completion on_done) {
  auto result = std::make_shared<DeliveryResult>();
  return worker_.submit(
      [job = std::move(job), result] {
        try {
          *result = job();
        } catch (const std::bad_alloc&) {
          *result = {false, "out of memory"};
        } catch (...) {
          *result = {false, "internal error"};
        }
      },
      [on_done = std::move(on_done), result] {
        if (on_done) on_done(std::move(*result));
      });
}

}  // namespace sspr::daemon::delivery
