// Registration records (ssprd/store/record.cpp parse_record, serialize_record): the JSON a
// record file or the directory's enrollment attribute holds.
// Input: the expected user name, a newline, then the record's text.
//
// Invariants:
//  - a refusal always says why (`problem` is set);
//  - an accepted record round-trips: serialize -> parse (same user) succeeds and serialises to
//    the same bytes, which are one JSON line ending in '\n';
//  - an accepted record never parses for another user;
//  - the limits of the format hold for what was accepted (version 2 exactly, digits, period,
//    algorithm, list sizes).
#include "fuzz_support.hpp"

#include "store/record.hpp"

#include <nlohmann/json.hpp>

using namespace sspr::daemon;
using sspr::fuzz::show;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [user, text] = sspr::fuzz::split_first_line(sspr::fuzz::as_view(data, size));

  std::string problem;
  const auto record = parse_record(text, user, problem);
  if (!record) {
    FUZZ_CHECK(!problem.empty(), "a refused record without a reason");
    return 0;
  }

  if (record->totp) {
    const auto& t = *record->totp;
    FUZZ_CHECK(t.algorithm == "SHA1" || t.algorithm == "SHA256" || t.algorithm == "SHA512",
               "accepted TOTP algorithm " + show(t.algorithm));
    FUZZ_CHECK(t.digits >= 6 && t.digits <= 8, "accepted TOTP digits " + std::to_string(t.digits));
    FUZZ_CHECK(t.period >= 15 && t.period <= 120, "accepted TOTP period " + std::to_string(t.period));
  }
  if (record->questions)
    FUZZ_CHECK(!record->questions->items.empty() && record->questions->items.size() <= 5, "accepted question count");
  if (record->recovery_codes) FUZZ_CHECK(record->recovery_codes->digests.size() <= 20, "accepted digest count");
  FUZZ_CHECK(record->skips_used <= 1000, "accepted skips_used");
  const auto root = nlohmann::json::parse(text, nullptr, false);
  FUZZ_CHECK(root.is_object() && root["version"] == 2, "a record of another version was accepted");
  FUZZ_CHECK(record->method_count() <= 5, "more than five methods");

  const std::string serialized = serialize_record(*record, user);
  FUZZ_CHECK(!serialized.empty() && serialized.back() == '\n' &&
                 serialized.find('\n') == serialized.size() - 1,
             "a serialised record is not one line: " + show(serialized));
  FUZZ_CHECK(nlohmann::json::accept(serialized), "a serialised record is not JSON: " + show(serialized));

  std::string problem_again;
  const auto again = parse_record(serialized, user, problem_again);
  FUZZ_CHECK(again.has_value(), "a serialised record does not parse back: " + problem_again + " in " + show(serialized));
  FUZZ_CHECK(serialize_record(*again, user) == serialized, "a record does not round-trip: " + show(serialized));
  FUZZ_CHECK(again->methods() == record->methods(), "the methods change in a round trip");

  const std::string other = std::string(user) + "x";
  std::string problem_other;
  FUZZ_CHECK(!parse_record(serialized, other, problem_other).has_value(), "a record parses for another user");
  return 0;
}
