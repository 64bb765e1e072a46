/* Preloaded into ssprd ahead of libfaketime when a test moves ssprd's clock: the timers go
 * straight to the kernel. libfaketime (0.9.10) shifts every absolute timer by its offset as if
 * it ran on the real-time clock, so sd-event's monotonic "now" timer ({0, 1 ns}) became -360 s
 * and timerfd_settime() failed with EINVAL, which ends the event loop. What the tests fake is
 * the time ssprd reads, never how long its timers wait. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

__attribute__((visibility("default"))) int timerfd_settime(int fd, int flags, const struct itimerspec* new_value,
                                                           struct itimerspec* old_value) {
  return (int)syscall(SYS_timerfd_settime, fd, flags, new_value, old_value);
}

__attribute__((visibility("default"))) int timerfd_gettime(int fd, struct itimerspec* current) {
  return (int)syscall(SYS_timerfd_gettime, fd, current);
}
