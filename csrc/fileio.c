/*
 * fileio shim: the system calls behind file-backed buffers (src/memory/file-memory.ts):
 * private copy-on-write mappings of a file range, the in-kernel copy between two files that
 * `cp` uses (copy_file_range), and page advice. Thin by design: every function is one system
 * call and returns 0 or a value on success, -errno on failure. ffi/fileio.ts is the binding.
 *
 * Addresses and 64-bit sizes cross the FFI as int64 (a user-space address on x86-64 is below
 * 2^47, so "address or -errno" fits one signed value).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* PAGEMAP_SCAN (Linux 6.7, <linux/fs.h>), spelled out here because Debian 12's headers predate
 * it. The layout is the kernel's ABI. */
#ifndef PAGEMAP_SCAN
struct page_region {
  uint64_t start;
  uint64_t end;
  uint64_t categories;
};
struct pm_scan_arg {
  uint64_t size;
  uint64_t flags;
  uint64_t start;
  uint64_t end;
  uint64_t walk_end;
  uint64_t vec;
  uint64_t vec_len;
  uint64_t max_pages;
  uint64_t category_inverted;
  uint64_t category_mask;
  uint64_t category_anyof_mask;
  uint64_t return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#endif

/*
 * Maps `size` bytes of `fd` from `offset` (a multiple of the page size), MAP_PRIVATE,
 * readable and writable: writes go to private copies of the pages and never reach the file.
 * No page is touched here; each is mapped on first access. Returns the address or -errno.
 */
int64_t px_fileio_mmap_private(int fd, int64_t size, int64_t offset) {
  void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, (off_t)offset);
  return p == MAP_FAILED ? -(int64_t)errno : (int64_t)(intptr_t)p;
}

int px_fileio_munmap(void *addr, int64_t size) {
  return munmap(addr, (size_t)size) < 0 ? -errno : 0;
}

/* madvise(addr, size, advice). 0 or -errno. */
int px_fileio_madvise(void *addr, int64_t size, int advice) {
  return madvise(addr, (size_t)size, advice) < 0 ? -errno : 0;
}

/*
 * Copies `len` bytes from `in_fd` at `in_off` to `out_fd` at `out_off` inside the kernel
 * (copy_file_range; neither file position moves). Returns the bytes copied (fewer than asked
 * at the source's end, or when interrupted) or -errno (-EXDEV, -EINVAL, -EOPNOTSUPP when the
 * two files cannot be copied this way: fall back to write()).
 */
int64_t px_fileio_copy_range(int in_fd, int64_t in_off, int out_fd, int64_t out_off, int64_t len) {
  off_t i = (off_t)in_off, o = (off_t)out_off;
  ssize_t r = copy_file_range(in_fd, &i, out_fd, &o, (size_t)len, 0);
  return r < 0 ? -(int64_t)errno : (int64_t)r;
}

/* posix_fadvise(fd, offset, len, advice). 0 or -errno (posix_fadvise returns the error). */
int px_fileio_fadvise(int fd, int64_t offset, int64_t len, int advice) {
  return -posix_fadvise(fd, (off_t)offset, (off_t)len, advice);
}

/*
 * Whether any page that [addr, addr+size) touches, in a private file mapping, holds bytes of its
 * own (a page shared with a neighbouring range counts too): a page
 * that was written (copy-on-write made it anonymous) or swapped out. Pages only read, or never
 * touched, still show the file. One PAGEMAP_SCAN ioctl on `pagemap_fd` (/proc/self/pagemap),
 * stopping at the first such page. Returns 1, 0, or -errno (-ENOTTY/-EINVAL before Linux 6.7:
 * read the pagemap entries instead).
 */
int px_fileio_pages_written(int pagemap_fd, void *addr, int64_t size) {
  struct page_region r;
  struct pm_scan_arg a = {0};
  a.size = sizeof(a);
  /* Whole pages: the kernel rounds an unaligned start up, which would skip the first page. */
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  a.start = (uint64_t)(uintptr_t)addr & ~(page - 1);
  a.end = ((uint64_t)(uintptr_t)addr + (uint64_t)size + page - 1) & ~(page - 1);
  a.vec = (uint64_t)(uintptr_t)&r;
  a.vec_len = 1;
  a.max_pages = 1;
  /* Match pages that are not file pages (inverted FILE, required) and are present or swapped. */
  a.category_inverted = PAGE_IS_FILE;
  a.category_mask = PAGE_IS_FILE;
  a.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
  a.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
  int n = ioctl(pagemap_fd, PAGEMAP_SCAN, &a);
  return n < 0 ? -errno : n > 0;
}

/* Constants that ffi/fileio.ts mirrors; checked by its test. */
int px_fileio_const_madv_willneed(void) { return MADV_WILLNEED; }
int px_fileio_const_madv_sequential(void) { return MADV_SEQUENTIAL; }
int px_fileio_const_madv_dontneed(void) { return MADV_DONTNEED; }
int px_fileio_const_fadv_sequential(void) { return POSIX_FADV_SEQUENTIAL; }
