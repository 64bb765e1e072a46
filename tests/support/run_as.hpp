// Runs a function in a child process with another real and effective uid/gid, and returns
// what it printed. Bus tests use it for callers that really are not root.
#pragma once

#include <functional>
#include <string>
#include <sys/types.h>

namespace sspr::test {

// Returns the child's output; "CHILD FAILED ..." if the child could not switch identity.
std::string run_as(uid_t uid, gid_t gid, const std::function<std::string()>& body);

}  // namespace sspr::test
