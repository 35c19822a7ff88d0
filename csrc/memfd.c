/*
 * memfd shim: anonymous shared memory files (memfd_create), their size and seals, and shared
 * mappings of them. Thin by design: every function is one system call (or a fixed pair) and
 * returns 0 or a value on success, -errno on failure. ffi/memfd.ts is the typed binding.
 *
 * Pointers and 64-bit sizes cross the FFI as int64: a user-space address on x86-64 is below
 * 2^47, so "address or -errno" fits one signed return value without ambiguity.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates a memfd with MFD_CLOEXEC | MFD_ALLOW_SEALING. Returns the fd or -errno. */
int px_memfd_create(const char *name) {
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd < 0 ? -errno : fd;
}

int px_ftruncate(int fd, int64_t size) {
  return ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
}

/* Adds seals (F_SEAL_* bits). Returns 0 or -errno. */
int px_add_seals(int fd, int seals) {
  return fcntl(fd, F_ADD_SEALS, seals) < 0 ? -errno : 0;
}

/* Returns the current seal bits or -errno. */
int px_get_seals(int fd) {
  int r = fcntl(fd, F_GET_SEALS);
  return r < 0 ? -errno : r;
}

/*
 * Maps `size` bytes of `fd` from `offset`, MAP_SHARED, with MAP_POPULATE when `populate` is
 * non-zero (pre-faults every page now instead of on first touch). `prot` is PROT_* bits.
 * Returns the address or -errno.
 */
int64_t px_mmap(int fd, int64_t size, int prot, int populate, int64_t offset) {
  int flags = MAP_SHARED | (populate ? MAP_POPULATE : 0);
  void *p = mmap(NULL, (size_t)size, prot, flags, fd, (off_t)offset);
  return p == MAP_FAILED ? -(int64_t)errno : (int64_t)(intptr_t)p;
}

int px_munmap(void *addr, int64_t size) {
  return munmap(addr, (size_t)size) < 0 ? -errno : 0;
}

int px_close(int fd) {
  return close(fd) < 0 ? -errno : 0;
}

/* Duplicates fd with FD_CLOEXEC set on the copy. Returns the new fd or -errno. */
int px_dup(int fd) {
  int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return r < 0 ? -errno : r;
}

/* Returns the file size in bytes or -errno. */
int64_t px_fstat_size(int fd) {
  struct stat st;
  return fstat(fd, &st) < 0 ? -(int64_t)errno : (int64_t)st.st_size;
}

/* Constants that ffi/memfd.ts mirrors; checked by test/abi.test.ts. */
int px_memfd_const_seal_seal(void) { return F_SEAL_SEAL; }
int px_memfd_const_seal_shrink(void) { return F_SEAL_SHRINK; }
int px_memfd_const_seal_grow(void) { return F_SEAL_GROW; }
int px_memfd_const_seal_write(void) { return F_SEAL_WRITE; }
int px_memfd_const_prot_read(void) { return PROT_READ; }
int px_memfd_const_prot_write(void) { return PROT_WRITE; }
