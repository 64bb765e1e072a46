// Scratch space for secret bytes on their way into a Secret. Internal to sspr_crypto.
#pragma once

#include "secret.hpp"

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace sspr::daemon::crypto {

// A buffer of fixed capacity, wiped when it goes out of scope on every path. Fixed because a
// growing std::string would leave copies of the secret in the memory it hands back.
class ScratchBuffer {
 public:
  explicit ScratchBuffer(std::size_t capacity) : data_(new char[capacity + 1]()), capacity_(capacity) {}
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { secure_wipe(data_.get(), capacity_ + 1); }

  char* data() noexcept { return data_.get(); }
  unsigned char* bytes() noexcept { return reinterpret_cast<unsigned char*>(data_.get()); }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t size() const noexcept { return size_; }
  std::string_view view() const noexcept { return {data_.get(), size_}; }

  // For writers that fill data() directly.
  void set_size(std::size_t size) {
    if (size > capacity_) throw std::length_error("scratch buffer overflow");
    size_ = size;
  }
  void append(std::string_view text) {
    if (text.size() > capacity_ - size_) throw std::length_error("scratch buffer overflow");
    for (char c : text) data_[size_++] = c;
  }
  void push_back(char c) { append(std::string_view(&c, 1)); }

  Secret to_secret() const { return Secret(view()); }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_;
  std::size_t size_ = 0;
};

}  // namespace sspr::daemon::crypto
