/*
 * sched shim: the calling thread's scheduling policy, for the real-time partitions' Workers
 * (src/scheduling/). Thin by design: one system call per function, 0 or a value on success,
 * -errno on failure. ffi/sched.ts is the typed binding.
 *
 * On Linux, sched_setscheduler(0, …) and sched_getscheduler(0) apply to the calling thread
 * (not the whole process), so a Worker can raise its own thread and nothing else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sets SCHED_FIFO at `priority` (1..99) for the calling thread. Returns 0 or -errno. */
int px_sched_set_fifo(int priority) {
  struct sched_param sp = { .sched_priority = priority };
  return sched_setscheduler(0, SCHED_FIFO, &sp) < 0 ? -errno : 0;
}

/* Puts the calling thread back on SCHED_OTHER. Returns 0 or -errno. */
int px_sched_set_other(void) {
  struct sched_param sp = { .sched_priority = 0 };
  return sched_setscheduler(0, SCHED_OTHER, &sp) < 0 ? -errno : 0;
}

/* The calling thread's policy (SCHED_*) or -errno. */
int px_sched_get_policy(void) {
  int r = sched_getscheduler(0);
  return r < 0 ? -errno : r;
}

/* The calling thread's static priority or -errno. */
int px_sched_get_priority(void) {
  struct sched_param sp;
  return sched_getparam(0, &sp) < 0 ? -errno : sp.sched_priority;
}

/* The calling thread's kernel id. */
int px_sched_gettid(void) {
  return (int)syscall(SYS_gettid);
}

/*
 * Futex wait and wake on a 32-bit word of this process's memory (a SharedArrayBuffer shared by
 * the event loop and the data Workers): how a data Worker sleeps until a bridge or a state change
 * wakes it. Atomics.wait/notify do the same in JavaScriptCore through a lock and a condition
 * variable per thread, which costs the woken thread a second hand-off (measured: a third of the
 * median one-way latency and most of its tail on a loaded 2-core machine).
 *
 * px_sched_futex_wait sleeps while *addr == expected, at most timeout_us microseconds (< 0: no
 * limit). Returns 0 when woken, -EAGAIN when *addr already differed, -ETIMEDOUT, -EINTR.
 * px_sched_futex_wake wakes up to n sleepers; returns how many or -errno.
 * Private futexes: both sides are threads of one process.
 */
int px_sched_futex_wait(int32_t *addr, int32_t expected, int32_t timeout_us) {
  struct timespec ts = { timeout_us / 1000000, (long)(timeout_us % 1000000) * 1000L };
  long r = syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, timeout_us < 0 ? NULL : &ts, NULL, 0);
  return r < 0 ? -errno : (int)r;
}

int px_sched_futex_wake(int32_t *addr, int32_t n) {
  long r = syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
  return r < 0 ? -errno : (int)r;
}

/* Constants that ffi/sched.ts mirrors; checked by test/scheduling-abi.test.ts. */
int px_sched_const_fifo(void) { return SCHED_FIFO; }
int px_sched_const_other(void) { return SCHED_OTHER; }
int px_sched_const_priority_max(void) { return sched_get_priority_max(SCHED_FIFO); }
int px_sched_const_priority_min(void) { return sched_get_priority_min(SCHED_FIFO); }
