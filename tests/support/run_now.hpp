// For unit tests of core code whose store answers at once (the local store, no workers): the
// task's value, which must be there as soon as it ran.
#pragma once

#include "async/task.hpp"
#include "cmocka.hpp"

#include <optional>

template <class T>
T run_now(sspr::daemon::Task<T> task) {
  std::optional<T> value;
  sspr::daemon::spawn(std::move(task), [&](T v) { value.emplace(std::move(v)); });
  assert_true(value.has_value());
  return std::move(*value);
}
