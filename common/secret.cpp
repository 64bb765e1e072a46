#include "secret.hpp"

#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

namespace sspr {
namespace {
Secret::FreeObserver free_observer = nullptr;
}

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size > 0) explicit_bzero(data, size);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Walk the longer input fully so timing reveals only the lengths.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  // The volatile read stops the compiler from turning the loop into an early exit.
  volatile unsigned char result = diff;
  return result == 0;
}

Secret::Secret(std::string_view bytes) {
  if (bytes.size() > kMaxSize) throw std::length_error("secret too large");
  data_ = new char[bytes.size() + 1];
  std::memcpy(data_, bytes.data(), bytes.size());
  data_[bytes.size()] = '\0';
  size_ = bytes.size();
}

Secret::Secret(Secret&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    clear();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Secret::~Secret() { clear(); }

void Secret::clear() noexcept {
  if (data_ != nullptr) {
    secure_wipe(data_, size_ + 1);
    if (free_observer != nullptr) free_observer(data_, size_ + 1);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

void Secret::set_free_observer(FreeObserver observer) noexcept { free_observer = observer; }

}  // namespace sspr
