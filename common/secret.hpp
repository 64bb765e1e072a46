// A secret (password, code, answer) held in memory we own: move-only, never copied, never
// formatted, wiped on destruction, on clear() and when moved from. There is deliberately no
// conversion to std::string and no stream operator.
#pragma once

#include <cstddef>
#include <string_view>

namespace sspr {

// Wipes memory in a way the compiler may not elide.
void secure_wipe(void* data, std::size_t size) noexcept;

// Compares in time that depends only on the lengths, never on the contents.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

class Secret {
 public:
  static constexpr std::size_t kMaxSize = 64 * 1024;

  Secret() noexcept = default;
  // Copies the bytes; the caller wipes its own copy. Throws std::length_error above kMaxSize.
  explicit Secret(std::string_view bytes);
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret();

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  // NUL-terminated; valid while this Secret lives and is not modified.
  const char* c_str() const noexcept { return data_ ? data_ : ""; }
  // For passing to a consumer for the duration of one call; never store the view.
  std::string_view reveal() const noexcept { return {c_str(), size_}; }
  bool equals(const Secret& other) const noexcept { return constant_time_equal(reveal(), other.reveal()); }
  void clear() noexcept;

  // Test seam: called with the buffer just before it is freed (after wiping).
  using FreeObserver = void (*)(const char* data, std::size_t capacity);
  static void set_free_observer(FreeObserver observer) noexcept;

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace sspr
