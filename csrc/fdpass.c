/*
 * fdpass shim: the process-boundary plumbing. Unix SEQPACKET sockets (pairs, and listen /
 * connect / accept on a path), sendmsg/recvmsg carrying file descriptors (SCM_RIGHTS) next to a
 * small payload, poll on one fd, eventfd, futex on a 32-bit word in shared memory, and the two
 * process helpers a child needs at start-up (getpid/getppid, PR_SET_PDEATHSIG).
 *
 * Thin by design: one system call per function, 0 or a value on success, -errno on failure,
 * no allocation. ffi/fdpass.ts is the typed binding. Every fd created here is close-on-exec
 * (an fd meant for a child is given to Bun.spawn's stdio, which dup2()s it, clearing the flag).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Most fds one message carries. The kernel allows 253 (SCM_MAX_FD); set-up messages need few. */
#define PX_MAX_FDS 64

/* What px_recvmsg reports beside the byte count. Read by TS: see the getters below. */
struct px_recv_info {
  int32_t nfds;  /* fds written to the caller's array */
  int32_t flags; /* msg_flags: MSG_TRUNC (payload cut), MSG_CTRUNC (fds dropped by the kernel) */
};

/* Writes two connected SOCK_SEQPACKET fds into out[0], out[1]. Returns 0 or -errno. */
int px_socketpair(int32_t *out) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -errno;
  out[0] = sv[0];
  out[1] = sv[1];
  return 0;
}

static int fill_addr(struct sockaddr_un *addr, const char *path) {
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof(addr->sun_path)) return -ENAMETOOLONG;
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path, path, n + 1);
  return 0;
}

/* socket + bind + listen on a filesystem path (SEQPACKET). Returns the listening fd or -errno. */
int px_unix_listen(const char *path, int backlog) {
  struct sockaddr_un addr;
  int r = fill_addr(&addr, path);
  if (r < 0) return r;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, backlog) < 0) {
    r = -errno;
    close(fd);
    return r;
  }
  return fd;
}

/* socket + connect to a filesystem path (SEQPACKET). Returns the connected fd or -errno. */
int px_unix_connect(const char *path) {
  struct sockaddr_un addr;
  int r = fill_addr(&addr, path);
  if (r < 0) return r;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    r = -errno;
    close(fd);
    return r;
  }
  return fd;
}

/* accept4 with SOCK_CLOEXEC. Returns the connection fd or -errno (-EAGAIN if nonblocking). */
int px_accept(int fd) {
  int r = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
  return r < 0 ? -errno : r;
}

/*
 * Sends one message: `len` payload bytes plus `nfds` descriptors (0..PX_MAX_FDS) as SCM_RIGHTS.
 * MSG_NOSIGNAL is always added (a dead peer is -EPIPE, not SIGPIPE). Returns bytes sent or -errno.
 * The caller keeps its fds: the receiver gets new descriptors for the same open files.
 */
int px_sendmsg(int sock, const int32_t *fds, int nfds, const void *data, uint32_t len, int flags) {
  if (nfds < 0 || nfds > PX_MAX_FDS) return -EINVAL;
  union {
    char buf[CMSG_SPACE(sizeof(int) * PX_MAX_FDS)];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (nfds > 0) {
    memset(&ctl, 0, sizeof(ctl));
    msg.msg_control = ctl.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t r = sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
  return r < 0 ? -errno : (int)r;
}

/*
 * Receives one message into `data` (up to `cap` bytes) and up to `max_fds` descriptors into
 * `fds` (each close-on-exec); any beyond `max_fds` are closed and reported as MSG_CTRUNC.
 * Writes the fd count and msg_flags into *info. Returns bytes
 * received (0 = orderly shutdown by the peer) or -errno. The caller owns the received fds.
 */
int px_recvmsg(int sock, int32_t *fds, int max_fds, void *data, uint32_t cap, int flags,
               struct px_recv_info *info) {
  if (max_fds < 0 || max_fds > PX_MAX_FDS) return -EINVAL;
  union {
    char buf[CMSG_SPACE(sizeof(int) * PX_MAX_FDS)];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = {.iov_base = data, .iov_len = cap};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  msg.msg_control = ctl.buf;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * (max_fds > 0 ? max_fds : 1));
  info->nfds = 0;
  info->flags = 0;
  ssize_t r = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
  if (r < 0) return -errno;
  int surplus = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    int in[PX_MAX_FDS + 2];
    if (n > PX_MAX_FDS + 2) n = PX_MAX_FDS + 2; /* bounded by controllen anyway */
    memcpy(in, CMSG_DATA(c), sizeof(int) * n);
    for (int i = 0; i < n; i++) {
      /* CMSG_SPACE rounds up, so the kernel may deliver a few more than max_fds: never leak. */
      if (info->nfds < max_fds) fds[info->nfds++] = in[i];
      else {
        close(in[i]);
        surplus = 1;
      }
    }
  }
  info->flags = msg.msg_flags | (surplus ? MSG_CTRUNC : 0);
  return (int)r;
}

/* Sets or clears O_NONBLOCK. Returns 0 or -errno. */
int px_set_nonblocking(int fd, int on) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return -errno;
  fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

/* Polls one fd for `events` (POLL* bits). Returns revents, 0 on timeout, or -errno.
 * timeout_ms < 0 waits forever. Blocks the calling thread. */
int px_poll(int fd, int events, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = (short)events, .revents = 0};
  int r = poll(&p, 1, timeout_ms);
  if (r < 0) return -errno;
  return r == 0 ? 0 : p.revents;
}

/* eventfd with EFD_CLOEXEC plus `flags` (EFD_NONBLOCK, EFD_SEMAPHORE). Returns fd or -errno. */
int px_eventfd(uint32_t initval, int flags) {
  int r = eventfd(initval, flags | EFD_CLOEXEC);
  return r < 0 ? -errno : r;
}

/* Reads (and resets, or decrements in semaphore mode) the counter. Returns it or -errno.
 * Counter values at or above 2^63 are not representable here; Parallax adds small counts. */
int64_t px_eventfd_read(int fd) {
  uint64_t v;
  ssize_t r = read(fd, &v, sizeof(v));
  if (r < 0) return -(int64_t)errno;
  if (r != sizeof(v)) return -EIO;
  return (int64_t)v;
}

/* Adds `value` to the counter. Returns 0 or -errno (-EAGAIN if it would overflow, nonblocking). */
int px_eventfd_write(int fd, int64_t value) {
  uint64_t v = (uint64_t)value;
  ssize_t r = write(fd, &v, sizeof(v));
  if (r < 0) return -errno;
  return r == sizeof(v) ? 0 : -EIO;
}

/*
 * FUTEX_WAIT on the u32 at base + offset while it equals `expected`. Shared futex (no
 * FUTEX_PRIVATE_FLAG), so waiters and wakers in different processes meet on a MAP_SHARED
 * mapping of the same file. timeout_ms < 0 waits forever. Returns 0 when woken, -EAGAIN if the
 * word did not hold `expected`, -ETIMEDOUT, -EINTR. Blocks the calling thread.
 */
int px_futex_wait(void *base, int64_t offset, uint32_t expected, int timeout_ms) {
  uint32_t *word = (uint32_t *)((char *)base + offset);
  struct timespec ts, *tp = NULL;
  if (timeout_ms >= 0) {
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
    tp = &ts;
  }
  long r = syscall(SYS_futex, word, FUTEX_WAIT, expected, tp, NULL, 0);
  return r < 0 ? -errno : 0;
}

/* FUTEX_WAKE (shared) on the u32 at base + offset. Returns the number woken or -errno. */
int px_futex_wake(void *base, int64_t offset, int count) {
  uint32_t *word = (uint32_t *)((char *)base + offset);
  long r = syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);
  return r < 0 ? -errno : (int)r;
}

int px_getpid(void) { return (int)getpid(); }
int px_getppid(void) { return (int)getppid(); }

/* Asks the kernel to send `sig` to this process when its parent thread exits. 0 or -errno.
 * Note: "parent" is the thread that forked us; check px_getppid() afterwards for a race. */
int px_set_pdeathsig(int sig) {
  return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0) < 0 ? -errno : 0;
}

/* ABI getters, checked by test/abi.test.ts. */
int px_fdpass_max_fds(void) { return PX_MAX_FDS; }
int px_recv_info_size(void) { return (int)sizeof(struct px_recv_info); }
int px_recv_info_nfds_offset(void) { return (int)offsetof(struct px_recv_info, nfds); }
int px_recv_info_flags_offset(void) { return (int)offsetof(struct px_recv_info, flags); }
int px_sun_path_max(void) { return (int)sizeof(((struct sockaddr_un *)0)->sun_path); }
int px_fdpass_const_msg_trunc(void) { return MSG_TRUNC; }
int px_fdpass_const_msg_ctrunc(void) { return MSG_CTRUNC; }
int px_fdpass_const_msg_dontwait(void) { return MSG_DONTWAIT; }
int px_fdpass_const_pollin(void) { return POLLIN; }
int px_fdpass_const_pollout(void) { return POLLOUT; }
int px_fdpass_const_pollerr(void) { return POLLERR; }
int px_fdpass_const_pollhup(void) { return POLLHUP; }
int px_fdpass_const_efd_nonblock(void) { return EFD_NONBLOCK; }
int px_fdpass_const_efd_semaphore(void) { return EFD_SEMAPHORE; }
