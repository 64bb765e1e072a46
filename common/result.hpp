// Result<T>: a value or an ErrorCode from the error table (GCC 12 has no std::expected).
#pragma once

#include "errors.hpp"

#include <cassert>
#include <utility>
#include <variant>

namespace sspr {

// The value of a Result<Done>: the operation succeeded and has nothing to return.
struct Done {};

struct Failure {
  ErrorCode code;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}            // NOLINT: implicit on purpose
  Result(Failure failure) : state_(failure) {}              // NOLINT
  Result(ErrorCode code) : state_(Failure{code}) {}         // NOLINT

  bool ok() const noexcept { return std::holds_alternative<T>(state_); }
  explicit operator bool() const noexcept { return ok(); }
  ErrorCode error() const noexcept {
    assert(!ok());
    return std::get<Failure>(state_).code;
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Failure> state_;
};

}  // namespace sspr
