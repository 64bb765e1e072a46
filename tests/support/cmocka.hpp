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

#define assert_str(actual, expected) assert_string_equal(std::string(actual).c_str(), std::string(expected).c_str())
