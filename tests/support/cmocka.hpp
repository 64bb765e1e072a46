// cmocka needs these C headers first; C++ tests include this instead of <cmocka.h>.
#pragma once
// Standard headers first: cmocka defines a fail() macro that would break std::basic_ios.
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <csetjmp>
extern "C" {
#include <cmocka.h>
}
#include <string>

#include <cstdio>

#define assert_str(actual, expected) assert_string_equal(std::string(actual).c_str(), std::string(expected).c_str())

// Fails with the whole text in the report when `needle` is missing from it.
#define expect_contains(text, needle)                                                                   \
  do {                                                                                                  \
    const std::string expect_text_(text), expect_needle_(needle);                                       \
    if (expect_text_.find(expect_needle_) == std::string::npos) {                                       \
      std::fprintf(stderr, "expected to find [%s] in:\n%s\n", expect_needle_.c_str(), expect_text_.c_str()); \
      fail();                                                                                           \
    }                                                                                                   \
  } while (0)
