#include "decoys.hpp"

#include "delivery/addresses.hpp"

#include <algorithm>

namespace sspr::daemon {
namespace {

// The digest's bytes, one after another (wrapping: a profile needs fewer than 32).
class Bytes {
 public:
  explicit Bytes(std::string_view hex) : hex_(hex) {}
  unsigned next() {
    if (hex_.size() < 2) return 0;
    const auto nibble = [](char c) -> unsigned { return c <= '9' ? static_cast<unsigned>(c - '0') : static_cast<unsigned>(c - 'a' + 10); };
    const unsigned b = nibble(hex_[pos_]) << 4 | nibble(hex_[pos_ + 1]);
    pos_ = (pos_ + 2) % (hex_.size() & ~std::size_t{1});
    return b;
  }
  unsigned below(unsigned n) { return n == 0 ? 0 : next() % n; }

 private:
  std::string_view hex_;
  std::size_t pos_ = 0;
};

constexpr const char* kTlds[] = {"com", "de", "org", "net", "eu"};

}  // namespace

DecoyProfile decoy_profile(std::string_view digest, const std::vector<MethodType>& offered, const Config& config,
                           std::size_t question_pool_size) {
  Bytes bytes(digest);
  DecoyProfile profile;
  // Each offered method about as often as not, and at least one: registrations look like that.
  for (auto type : offered)
    if (bytes.next() & 1) profile.methods.push_back(type);
  if (profile.methods.empty() && !offered.empty()) profile.methods.push_back(offered[bytes.below(static_cast<unsigned>(offered.size()))]);

  const auto letter = [&] { return static_cast<char>('a' + bytes.below(26)); };
  for (auto type : profile.methods) {
    if (type == MethodType::email) {
      const std::string address = std::string(1, letter()) + "x@" + std::string(1, letter()) + "x." +
                                  kTlds[bytes.below(static_cast<unsigned>(std::size(kTlds)))];
      profile.masked[type] = delivery::mask_email(address);
    } else if (type == MethodType::sms) {
      std::string number = "+" + std::to_string(config.decoy_phone_country) + "1";
      while (number.size() < 13) number.push_back(static_cast<char>('0' + bytes.below(10)));
      profile.masked[type] = delivery::mask_phone(number);
    } else if (type == MethodType::questions && question_pool_size > 0) {
      // As many different questions as a registration has: the start of a shuffled pool.
      std::vector<std::size_t> pool(question_pool_size);
      for (std::size_t i = 0; i < pool.size(); ++i) pool[i] = i;
      for (std::size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[bytes.below(static_cast<unsigned>(i))]);
      pool.resize(std::min<std::size_t>(config.questions_count, pool.size()));
      profile.questions = std::move(pool);
    }
  }
  return profile;
}

std::string decoy_twin(std::string_view digest) {
  Bytes bytes(digest.substr(std::min<std::size_t>(digest.size(), 62)));
  const unsigned n = bytes.below(64);
  return "#decoy-" + std::to_string(n / 10) + std::to_string(n % 10);
}

}  // namespace sspr::daemon
