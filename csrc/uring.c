/*
 * uring shim: io_uring through liburing, shaped for batches. TypeScript queues many reads or
 * writes (one call each, or one call for an array of them), submits once, and reaps every
 * completion into an array it owns in one call, so the FFI cost is paid per batch, not per I/O.
 *
 * Thin by design: each function wraps one liburing call (or a fixed sequence), returns a value
 * or -errno, and allocates only the ring itself, freed by px_uring_free. Buffers are the
 * caller's: it keeps them alive and mapped until their completion has been reaped.
 * ffi/uring.ts is the typed binding.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* One completion as TypeScript reads it (see the getters below). */
struct px_cqe {
  uint64_t user_data;
  int32_t res; /* bytes transferred, or -errno */
  uint32_t flags;
};

/* One queued I/O as TypeScript writes it for px_uring_prep_batch. */
struct px_io {
  uint64_t addr;      /* buffer address */
  uint64_t offset;    /* file offset; (uint64_t)-1 means the file position */
  uint64_t user_data; /* echoed in the completion */
  int32_t fd;
  uint32_t len;
  uint32_t op;        /* PX_OP_READ or PX_OP_WRITE */
  uint32_t rw_flags;  /* RWF_* */
};

#define PX_OP_READ 0
#define PX_OP_WRITE 1

/* 0 if an io_uring can be set up here, else -errno (-ENOSYS, -EPERM under seccomp or
 * kernel.io_uring_disabled). */
int px_uring_available(void) {
  struct io_uring ring;
  int r = io_uring_queue_init(2, &ring, 0);
  if (r < 0) return r;
  io_uring_queue_exit(&ring);
  return 0;
}

/* Allocates and initialises a ring of `entries` SQEs. Returns its address or -errno. */
int64_t px_uring_new(uint32_t entries, uint32_t flags) {
  struct io_uring *ring = calloc(1, sizeof(*ring));
  if (ring == NULL) return -ENOMEM;
  int r = io_uring_queue_init(entries, ring, flags);
  if (r < 0) {
    free(ring);
    return r;
  }
  return (int64_t)(intptr_t)ring;
}

/* Tears the ring down and frees it. In-flight I/O is cancelled by the kernel. */
void px_uring_free(struct io_uring *ring) {
  io_uring_queue_exit(ring);
  free(ring);
}

/* Queues a read of `len` bytes at `offset` into `buf`. 0, or -EBUSY if the SQ is full. */
int px_uring_prep_read(struct io_uring *ring, int fd, void *buf, uint32_t len, int64_t offset,
                       uint64_t user_data) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
  if (sqe == NULL) return -EBUSY;
  io_uring_prep_read(sqe, fd, buf, len, (uint64_t)offset);
  io_uring_sqe_set_data64(sqe, user_data);
  return 0;
}

/* Queues a write of `len` bytes from `buf` at `offset`. 0, or -EBUSY if the SQ is full. */
int px_uring_prep_write(struct io_uring *ring, int fd, const void *buf, uint32_t len,
                        int64_t offset, uint64_t user_data) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
  if (sqe == NULL) return -EBUSY;
  io_uring_prep_write(sqe, fd, buf, len, (uint64_t)offset);
  io_uring_sqe_set_data64(sqe, user_data);
  return 0;
}

/* Queues up to `n` I/Os described by `ios`. Returns how many were queued (fewer when the SQ
 * fills up), or -EINVAL for an unknown op (nothing after it is queued). */
int px_uring_prep_batch(struct io_uring *ring, const struct px_io *ios, uint32_t n) {
  uint32_t i;
  for (i = 0; i < n; i++) {
    const struct px_io *io = &ios[i];
    if (io->op != PX_OP_READ && io->op != PX_OP_WRITE) return i > 0 ? (int)i : -EINVAL;
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    if (sqe == NULL) break;
    if (io->op == PX_OP_READ)
      io_uring_prep_read(sqe, io->fd, (void *)(uintptr_t)io->addr, io->len, io->offset);
    else
      io_uring_prep_write(sqe, io->fd, (const void *)(uintptr_t)io->addr, io->len, io->offset);
    sqe->rw_flags = (int)io->rw_flags;
    io_uring_sqe_set_data64(sqe, io->user_data);
  }
  return (int)i;
}

/* Submits queued SQEs. Returns the number submitted or -errno. */
int px_uring_submit(struct io_uring *ring) { return io_uring_submit(ring); }

/* Submits queued SQEs and waits until at least `wait_nr` completions are ready. */
int px_uring_submit_and_wait(struct io_uring *ring, uint32_t wait_nr) {
  return io_uring_submit_and_wait(ring, wait_nr);
}

/* Copies up to `max` ready completions into `out` and retires them, without waiting.
 * Returns the number copied. */
int px_uring_reap(struct io_uring *ring, struct px_cqe *out, uint32_t max) {
  struct io_uring_cqe *cqes[64];
  uint32_t total = 0;
  while (total < max) {
    uint32_t want = max - total < 64 ? max - total : 64;
    uint32_t got = io_uring_peek_batch_cqe(ring, cqes, want);
    if (got == 0) break;
    for (uint32_t i = 0; i < got; i++) {
      out[total + i].user_data = cqes[i]->user_data;
      out[total + i].res = cqes[i]->res;
      out[total + i].flags = cqes[i]->flags;
    }
    io_uring_cq_advance(ring, got);
    total += got;
  }
  return (int)total;
}

/* Submits, waits for at least `wait_nr` completions, and reaps up to `max` into `out`: the
 * whole round trip of a batch in one call. Returns the number reaped or -errno. */
int px_uring_submit_and_reap(struct io_uring *ring, uint32_t wait_nr, struct px_cqe *out,
                             uint32_t max) {
  int r = io_uring_submit_and_wait(ring, wait_nr);
  if (r < 0) return r;
  return px_uring_reap(ring, out, max);
}

/* Queues a read (op PX_OP_READ) or write (PX_OP_WRITE) like px_uring_prep_read/_write, with
 * IOSQE_* `sqe_flags` (IOSQE_ASYNC hands the I/O to the kernel's worker threads instead of
 * trying it inline, so it overlaps with this thread's work). 0, -EBUSY if the SQ is full,
 * -EINVAL for an unknown op. */
int px_uring_prep_rw(struct io_uring *ring, uint32_t op, int fd, void *buf, uint32_t len,
                     int64_t offset, uint64_t user_data, uint32_t sqe_flags) {
  if (op != PX_OP_READ && op != PX_OP_WRITE) return -EINVAL;
  struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
  if (sqe == NULL) return -EBUSY;
  if (op == PX_OP_READ)
    io_uring_prep_read(sqe, fd, buf, len, (uint64_t)offset);
  else
    io_uring_prep_write(sqe, fd, buf, len, (uint64_t)offset);
  io_uring_sqe_set_flags(sqe, sqe_flags);
  io_uring_sqe_set_data64(sqe, user_data);
  return 0;
}

/* Completions ready to reap now (no system call). */
int px_uring_cq_ready(struct io_uring *ring) { return (int)io_uring_cq_ready(ring); }

/* Has the kernel add 1 to eventfd `efd` for each completion (io_uring_register_eventfd).
 * 0 or -errno. */
int px_uring_register_eventfd(struct io_uring *ring, int efd) {
  return io_uring_register_eventfd(ring, efd);
}

/* Stops eventfd notifications. 0 or -errno. */
int px_uring_unregister_eventfd(struct io_uring *ring) { return io_uring_unregister_eventfd(ring); }

/* Turns eventfd notifications on or off without a system call (IORING_CQ_EVENTFD_DISABLED).
 * 0 or -errno (-EOPNOTSUPP on kernels without the flag). */
int px_uring_cq_eventfd_toggle(struct io_uring *ring, int on) {
  return io_uring_cq_eventfd_toggle(ring, on != 0);
}

/* Caps the kernel worker threads that run this ring's IOSQE_ASYNC work: `bounded` for regular
 * file I/O, `unbounded` for sockets and pipes (0 leaves a limit as it is). One bounded worker
 * keeps async reads on one core, leaving the other to this thread. 0 or -errno. */
int px_uring_set_max_workers(struct io_uring *ring, uint32_t bounded, uint32_t unbounded) {
  unsigned int vals[2] = {bounded, unbounded};
  return io_uring_register_iowq_max_workers(ring, vals);
}

/* Free SQE slots right now. */
int px_uring_sq_space_left(struct io_uring *ring) { return (int)io_uring_sq_space_left(ring); }

/* ABI getters, checked by test/abi.test.ts. */
int px_uring_cqe_size(void) { return (int)sizeof(struct px_cqe); }
int px_uring_cqe_user_data_offset(void) { return (int)offsetof(struct px_cqe, user_data); }
int px_uring_cqe_res_offset(void) { return (int)offsetof(struct px_cqe, res); }
int px_uring_cqe_flags_offset(void) { return (int)offsetof(struct px_cqe, flags); }
int px_uring_io_size(void) { return (int)sizeof(struct px_io); }
int px_uring_io_addr_offset(void) { return (int)offsetof(struct px_io, addr); }
int px_uring_io_offset_offset(void) { return (int)offsetof(struct px_io, offset); }
int px_uring_io_user_data_offset(void) { return (int)offsetof(struct px_io, user_data); }
int px_uring_io_fd_offset(void) { return (int)offsetof(struct px_io, fd); }
int px_uring_io_len_offset(void) { return (int)offsetof(struct px_io, len); }
int px_uring_io_op_offset(void) { return (int)offsetof(struct px_io, op); }
int px_uring_io_rw_flags_offset(void) { return (int)offsetof(struct px_io, rw_flags); }
int px_uring_const_op_read(void) { return PX_OP_READ; }
int px_uring_const_op_write(void) { return PX_OP_WRITE; }
int px_uring_const_iosqe_async(void) { return IOSQE_ASYNC; }
