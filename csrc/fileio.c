/*
 * fileio shim: the system calls behind file-backed buffers (src/memory/file-memory.ts):
 * private copy-on-write mappings of a file range, the in-kernel copy between two files that
 * `cp` uses (copy_file_range), and page advice; and the plain file calls the file elements
 * make (open, fstat, read, write, fsync, close), so that a file pipeline need not load
 * node:fs (≈3–5 ms of a compiled launch's start-up). Thin by design: every function is one
 * system call and returns 0 or a value on success, -errno on failure. ffi/fileio.ts is the
 * binding.
 *
 * Addresses and 64-bit sizes cross the FFI as int64 (a user-space address on x86-64 is below
 * 2^47, so "address or -errno" fits one signed value).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* open(path, flags | O_CLOEXEC, mode): an fd or -errno. Close-on-exec always, as Node's
 * openSync does, so element hosts and other children never inherit the fd by accident. */
int px_fileio_open(const char *path, int flags, int mode) {
  int fd = open(path, flags | O_CLOEXEC, (mode_t)mode);
  return fd < 0 ? -errno : fd;
}

/* close(fd). 0 or -errno. */
int px_fileio_close(int fd) {
  return close(fd) < 0 ? -errno : 0;
}

/* fstat(fd): out[0] = size in bytes, out[1] = st_mode (type and permissions). 0 or -errno. */
int px_fileio_fstat(int fd, int64_t *out) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  out[0] = (int64_t)st.st_size;
  out[1] = (int64_t)st.st_mode;
  return 0;
}

/* Reads up to `len` bytes into buf: at `pos` (pread) when pos >= 0, else at the file position
 * (read). Retried on EINTR. Bytes read (0 at the end) or -errno. */
int64_t px_fileio_read(int fd, void *buf, int64_t len, int64_t pos) {
  ssize_t r;
  do r = pos >= 0 ? pread(fd, buf, (size_t)len, (off_t)pos) : read(fd, buf, (size_t)len);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -(int64_t)errno : (int64_t)r;
}

/* Writes up to `len` bytes from buf, at `pos` (pwrite) when pos >= 0, else at the file
 * position (write). Retried on EINTR. Bytes written (possibly fewer) or -errno. */
int64_t px_fileio_write(int fd, const void *buf, int64_t len, int64_t pos) {
  ssize_t r;
  do r = pos >= 0 ? pwrite(fd, buf, (size_t)len, (off_t)pos) : write(fd, buf, (size_t)len);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -(int64_t)errno : (int64_t)r;
}

/* fsync(fd). 0 or -errno. */
int px_fileio_fsync(int fd) {
  return fsync(fd) < 0 ? -errno : 0;
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

/*
 * The copier: one helper thread that runs copy_file_range jobs in order, so the thread that
 * submits them (filesink's, in JS) goes on preparing the next run while the kernel copies this
 * one — as the kernel's own workers do for io_uring writes; io_uring has no copy_file_range.
 * Jobs sit in a ring of PX_COPIER_SLOTS; sequence numbers count up from 0. The submitter reads
 * `completed` without a system call and blocks on it (futex) only when it must wait.
 */
#define PX_COPIER_SLOTS 8

struct px_copy_job {
  int32_t in_fd, out_fd;
  int64_t in_off, out_off, len;
  int64_t result; /* bytes copied (fewer than len: the source ended, or an error after some), or -errno */
};

struct px_copier {
  pthread_t thread;
  _Atomic uint32_t submitted; /* jobs handed over */
  _Atomic uint32_t bell;      /* bumped at each submit and at stop: the helper sleeps on it */
  _Atomic uint32_t completed; /* jobs finished (futex word the submitter sleeps on) */
  _Atomic uint32_t stop;
  struct px_copy_job jobs[PX_COPIER_SLOTS];
};

static void px_futex_wait(_Atomic uint32_t *w, uint32_t seen) {
  syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

static void px_futex_wake(_Atomic uint32_t *w) {
  syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *px_copier_main(void *arg) {
  struct px_copier *c = arg;
  for (;;) {
    /* Read the bell first: a submit or stop after this makes the futex wait return at once. */
    uint32_t bell = atomic_load(&c->bell);
    uint32_t done = atomic_load(&c->completed);
    uint32_t sub = atomic_load(&c->submitted);
    if (sub == done) {
      if (atomic_load(&c->stop)) return NULL;
      px_futex_wait(&c->bell, bell);
      continue;
    }
    struct px_copy_job *j = &c->jobs[done % PX_COPIER_SLOTS];
    off_t i = (off_t)j->in_off, o = (off_t)j->out_off;
    int64_t copied = 0, res = 0;
    while (copied < j->len) {
      ssize_t r = copy_file_range(j->in_fd, &i, j->out_fd, &o, (size_t)(j->len - copied), 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        res = r < 0 ? -(int64_t)errno : 0;
        break;
      }
      copied += r;
    }
    j->result = copied > 0 ? copied : res;
    atomic_store(&c->completed, done + 1);
    px_futex_wake(&c->completed);
  }
}

/* Starts a copier (its thread). Returns the handle or -errno. */
int64_t px_fileio_copier_new(void) {
  struct px_copier *c = calloc(1, sizeof(*c));
  if (c == NULL) return -ENOMEM;
  int e = pthread_create(&c->thread, NULL, px_copier_main, c);
  if (e != 0) {
    free(c);
    return -(int64_t)e;
  }
  pthread_setname_np(c->thread, "px-copier"); /* shows in /proc/<pid>/task/<tid>/comm */
  return (int64_t)(intptr_t)c;
}

/* Queues a copy of `len` bytes; returns its sequence number, or -EBUSY when PX_COPIER_SLOTS
 * jobs are unfinished (wait for the oldest first). */
int64_t px_fileio_copier_submit(struct px_copier *c, int in_fd, int64_t in_off, int out_fd, int64_t out_off, int64_t len) {
  uint32_t sub = atomic_load(&c->submitted);
  if (sub - atomic_load(&c->completed) >= PX_COPIER_SLOTS) return -EBUSY;
  struct px_copy_job *j = &c->jobs[sub % PX_COPIER_SLOTS];
  j->in_fd = in_fd;
  j->out_fd = out_fd;
  j->in_off = in_off;
  j->out_off = out_off;
  j->len = len;
  j->result = 0;
  atomic_store(&c->submitted, sub + 1);
  atomic_fetch_add(&c->bell, 1);
  px_futex_wake(&c->bell);
  return sub;
}

/* Jobs finished so far (no system call). */
uint32_t px_fileio_copier_completed(struct px_copier *c) {
  return atomic_load(&c->completed);
}

/* Blocks until job `seq` has finished; returns its result (bytes copied or -errno). The result
 * stays readable until PX_COPIER_SLOTS later jobs are submitted. */
int64_t px_fileio_copier_wait(struct px_copier *c, uint32_t seq) {
  for (;;) {
    uint32_t done = atomic_load(&c->completed);
    if ((int32_t)(done - seq) > 0) break;
    px_futex_wait(&c->completed, done);
  }
  return c->jobs[seq % PX_COPIER_SLOTS].result;
}

/* Finishes the jobs still queued, stops the thread and frees the copier. */
void px_fileio_copier_free(struct px_copier *c) {
  atomic_store(&c->stop, 1);
  atomic_fetch_add(&c->bell, 1);
  px_futex_wake(&c->bell);
  pthread_join(c->thread, NULL);
  free(c);
}

/* Constants that ffi/fileio.ts mirrors; checked by its test. */
int px_fileio_const_madv_willneed(void) { return MADV_WILLNEED; }
int px_fileio_const_madv_sequential(void) { return MADV_SEQUENTIAL; }
int px_fileio_const_madv_dontneed(void) { return MADV_DONTNEED; }
int px_fileio_const_fadv_sequential(void) { return POSIX_FADV_SEQUENTIAL; }
int px_fileio_const_copier_slots(void) { return PX_COPIER_SLOTS; }
int px_fileio_const_o_wronly(void) { return O_WRONLY; }
int px_fileio_const_o_rdwr(void) { return O_RDWR; }
int px_fileio_const_o_creat(void) { return O_CREAT; }
int px_fileio_const_o_trunc(void) { return O_TRUNC; }
int px_fileio_const_o_append(void) { return O_APPEND; }
int px_fileio_const_s_ifmt(void) { return S_IFMT; }
int px_fileio_const_s_ifreg(void) { return S_IFREG; }
