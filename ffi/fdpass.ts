/**
 * Typed binding of csrc/fdpass.c: what crosses a process boundary.
 *
 * - SEQPACKET Unix sockets: `socketpair` (give one end to `Bun.spawn`'s `stdio` array and it
 *   arrives in the child as fd 3), or `unixListen`/`unixConnect`/`accept` on a path.
 * - `sendMsg`/`recvMsg`: one message = a small payload plus up to MAX_FDS descriptors
 *   (SCM_RIGHTS). Message boundaries are kept (SEQPACKET), so a payload is never split.
 * - `eventfd*`: a counter an fd-watching loop can wait on (see src/memory/pool.ts).
 * - `futexWait`/`futexWake`: block on / wake a 32-bit word in shared memory; shared (not
 *   private) futexes, so they work between processes that map the same memfd.
 * - `getpid`, `getppid`, `setPdeathsig`: a child's start-up helpers.
 *
 * Threading: `poll`, `futexWait`, blocking `recvMsg`/`accept` block the calling JS thread.
 * On the main thread use them only with a short timeout (or on nonblocking fds); block for
 * real only in a Worker. Failures throw ErrnoError, except the outcomes a nonblocking caller
 * expects (would-block returns null/false; a futex timeout is a result, not an error).
 */
import { FFIType as T, type Pointer, ptr } from "bun:ffi";
import { check, Errno } from "./errno.ts";
import { cstring, lazyShim } from "./lib.ts";

/** The fdpass shim's symbol table: unchecked native calls (-errno results). */
export const raw = lazyShim("fdpass", {
  px_socketpair: { args: [T.ptr], returns: T.i32 },
  px_unix_listen: { args: [T.ptr, T.i32], returns: T.i32 },
  px_unix_connect: { args: [T.ptr], returns: T.i32 },
  px_accept: { args: [T.i32], returns: T.i32 },
  px_sendmsg: { args: [T.i32, T.ptr, T.i32, T.ptr, T.u32, T.i32], returns: T.i32 },
  px_recvmsg: { args: [T.i32, T.ptr, T.i32, T.ptr, T.u32, T.i32, T.ptr], returns: T.i32 },
  px_set_nonblocking: { args: [T.i32, T.i32], returns: T.i32 },
  px_poll: { args: [T.i32, T.i32, T.i32], returns: T.i32 },
  px_eventfd: { args: [T.u32, T.i32], returns: T.i32 },
  px_eventfd_read: { args: [T.i32], returns: T.i64_fast },
  px_eventfd_write: { args: [T.i32, T.i64], returns: T.i32 },
  px_futex_wait: { args: [T.ptr, T.i64, T.u32, T.i32], returns: T.i32 },
  px_futex_wake: { args: [T.ptr, T.i64, T.i32], returns: T.i32 },
  px_getpid: { args: [], returns: T.i32 },
  px_getppid: { args: [], returns: T.i32 },
  px_set_pdeathsig: { args: [T.i32], returns: T.i32 },
  px_fdpass_max_fds: { args: [], returns: T.i32 },
  px_recv_info_size: { args: [], returns: T.i32 },
  px_recv_info_nfds_offset: { args: [], returns: T.i32 },
  px_recv_info_flags_offset: { args: [], returns: T.i32 },
  px_sun_path_max: { args: [], returns: T.i32 },
  px_fdpass_const_msg_trunc: { args: [], returns: T.i32 },
  px_fdpass_const_msg_ctrunc: { args: [], returns: T.i32 },
  px_fdpass_const_msg_dontwait: { args: [], returns: T.i32 },
  px_fdpass_const_pollin: { args: [], returns: T.i32 },
  px_fdpass_const_pollout: { args: [], returns: T.i32 },
  px_fdpass_const_pollerr: { args: [], returns: T.i32 },
  px_fdpass_const_pollhup: { args: [], returns: T.i32 },
  px_fdpass_const_efd_nonblock: { args: [], returns: T.i32 },
  px_fdpass_const_efd_semaphore: { args: [], returns: T.i32 },
});

/** Most descriptors one message carries (PX_MAX_FDS in C). */
export const MAX_FDS = 64;
/** Longest socket path in bytes, including the terminating NUL (sizeof sun_path). */
export const SUN_PATH_MAX = 108;
/** struct px_recv_info { int32 nfds; int32 flags; } */
export const RECV_INFO = { size: 8, nfds: 0, flags: 4 } as const;

/** MSG_* flags. */
export const Msg = { TRUNC: 0x20, CTRUNC: 0x8, DONTWAIT: 0x40 } as const;
/** poll(2) event bits. */
export const Poll = { IN: 0x1, OUT: 0x4, ERR: 0x8, HUP: 0x10 } as const;
/** eventfd flags. */
export const Efd = { NONBLOCK: 0o4000, SEMAPHORE: 1 } as const;

/** A received message. The caller owns every fd in `fds` and must close it. */
export interface Received {
  /** Payload bytes written to the caller's buffer; 0 means the peer shut down. */
  bytes: number;
  fds: number[];
  /** The payload was longer than the buffer (the rest is lost). */
  truncated: boolean;
  /** More fds were sent than `maxFds` (the kernel closed the extra ones). */
  fdsTruncated: boolean;
}

// Scratch for results the C side writes; one thread uses a module instance at a time.
const pair = new Int32Array(2);
const fdScratch = new Int32Array(MAX_FDS);
const recvInfo = new Int32Array(RECV_INFO.size / 4);
const EMPTY = new Uint8Array(0);

/** A connected pair of SEQPACKET sockets, both close-on-exec. The caller owns both. */
export function socketpair(): [number, number] {
  check("socketpair(AF_UNIX, SOCK_SEQPACKET)", raw.px_socketpair(pair));
  return [pair[0]!, pair[1]!];
}

function socketPath(path: string): Uint8Array {
  const c = cstring(path);
  if (c.byteLength > SUN_PATH_MAX) {
    throw new RangeError(`socket path is ${c.byteLength - 1} bytes, the limit is ${SUN_PATH_MAX - 1}: use a shorter path (a directory under /tmp or $XDG_RUNTIME_DIR)`);
  }
  return c;
}

/** A listening SEQPACKET socket bound to `path` (which must not exist). The caller owns it
 * and removes the path when done. */
export function unixListen(path: string, backlog = 16): number {
  return check(`listen(${path})`, raw.px_unix_listen(socketPath(path), backlog));
}

/** A SEQPACKET socket connected to `path`. */
export function unixConnect(path: string): number {
  return check(`connect(${path})`, raw.px_unix_connect(socketPath(path)));
}

/** Accepts one connection; null when the listener is nonblocking and none is pending. */
export function accept(fd: number): number | null {
  const r = raw.px_accept(fd);
  if (r === -Errno.EAGAIN) return null;
  return check(`accept(fd=${fd})`, r);
}

/**
 * Sends `data` and `fds` as one message. The caller keeps its fds (the receiver gets its own).
 * Returns the bytes sent, or null if the socket is nonblocking and full. A closed peer throws
 * ErrnoError EPIPE.
 */
export function sendMsg(sock: number, data: Uint8Array = EMPTY, fds: readonly number[] = [], flags = 0): number | null {
  if (fds.length > MAX_FDS) throw new RangeError(`sendMsg: ${fds.length} fds, at most ${MAX_FDS} per message`);
  for (let i = 0; i < fds.length; i++) fdScratch[i] = fds[i]!;
  // A zero-length TypedArray has no backing pointer for FFI; pass null instead.
  const r = raw.px_sendmsg(sock, fdScratch, fds.length, data.byteLength > 0 ? data : null, data.byteLength, flags);
  if (r === -Errno.EAGAIN) return null;
  return check(`sendmsg(fd=${sock})`, r);
}

/**
 * Receives one message into `data` and up to `maxFds` descriptors. Returns null if the socket
 * is nonblocking and empty. The received fds are close-on-exec and owned by the caller.
 */
export function recvMsg(sock: number, data: Uint8Array, maxFds = MAX_FDS, flags = 0): Received | null {
  if (maxFds < 0 || maxFds > MAX_FDS) throw new RangeError(`recvMsg: maxFds must be 0..${MAX_FDS}`);
  const r = raw.px_recvmsg(sock, fdScratch, maxFds, data.byteLength > 0 ? data : null, data.byteLength, flags, recvInfo);
  if (r === -Errno.EAGAIN) return null;
  check(`recvmsg(fd=${sock})`, r);
  const n = recvInfo[0]!;
  const msgFlags = recvInfo[1]!;
  const fds: number[] = [];
  for (let i = 0; i < n; i++) fds.push(fdScratch[i]!);
  return { bytes: r, fds, truncated: (msgFlags & Msg.TRUNC) !== 0, fdsTruncated: (msgFlags & Msg.CTRUNC) !== 0 };
}

/** Sets or clears O_NONBLOCK (shared by every fd for the same open file, in every process). */
export function setNonblocking(fd: number, on = true): void {
  check(`fcntl(fd=${fd}, O_NONBLOCK)`, raw.px_set_nonblocking(fd, on ? 1 : 0));
}

/** Waits up to `timeoutMs` (-1: forever) for `events` on `fd`. Returns revents, 0 on timeout.
 * Blocks the calling thread. An interrupted wait returns 0 (as a timeout would). */
export function poll(fd: number, events: number, timeoutMs: number): number {
  const r = raw.px_poll(fd, events, timeoutMs);
  if (r === -Errno.EINTR) return 0;
  return check(`poll(fd=${fd})`, r);
}

/** An eventfd (close-on-exec) with `flags` from Efd. The caller owns it. */
export function eventfd(initval = 0, flags = 0): number {
  return check("eventfd", raw.px_eventfd(initval, flags));
}

/** Reads and resets the counter (decrements by one in SEMAPHORE mode). Null if it is zero and
 * the fd is nonblocking. A blocking fd blocks the thread until the counter is non-zero. */
export function eventfdRead(fd: number): number | null {
  const r = Number(raw.px_eventfd_read(fd));
  if (r === -Errno.EAGAIN) return null;
  return check(`eventfd_read(fd=${fd})`, r);
}

/** Adds `value` (>= 1) to the counter, waking readers. False if it would overflow (nonblocking). */
export function eventfdWrite(fd: number, value = 1): boolean {
  const r = raw.px_eventfd_write(fd, value);
  if (r === -Errno.EAGAIN) return false;
  check(`eventfd_write(fd=${fd})`, r);
  return true;
}

/** What ended a futex wait. */
export type FutexResult = "woken" | "mismatch" | "timeout" | "interrupted";

/** Where a futex word lives: a mapped address, or a view whose first byte is the base. */
export type FutexBase = number | NodeJS.TypedArray | DataView;

function basePtr(base: FutexBase): Pointer {
  return typeof base === "number" ? (base as Pointer) : ptr(base);
}

/**
 * Blocks while the u32 at `base + byteOffset` equals `expected`, up to `timeoutMs` (-1:
 * forever). The word must be 4-byte aligned, in memory mapped MAP_SHARED to be seen by other
 * processes. Returns "woken" (possibly spuriously: re-check the word), "mismatch" (the word
 * had already changed), "timeout" or "interrupted". Blocks the calling thread: use it in a
 * Worker, or with a short timeout.
 */
export function futexWait(base: FutexBase, byteOffset: number, expected: number, timeoutMs = -1): FutexResult {
  const r = raw.px_futex_wait(basePtr(base), byteOffset, expected >>> 0, timeoutMs);
  if (r === 0) return "woken";
  if (r === -Errno.EAGAIN) return "mismatch";
  if (r === -Errno.ETIMEDOUT) return "timeout";
  if (r === -Errno.EINTR) return "interrupted";
  check("futex_wait", r);
  return "woken";
}

/** Wakes up to `count` waiters on the u32 at `base + byteOffset` in any process. Returns how
 * many were woken. Cheap (no syscall wait); callers usually skip it when no one is waiting. */
export function futexWake(base: FutexBase, byteOffset: number, count = 1): number {
  return check("futex_wake", raw.px_futex_wake(basePtr(base), byteOffset, count));
}

export function getpid(): number {
  return raw.px_getpid();
}

export function getppid(): number {
  return raw.px_getppid();
}

/**
 * Has the kernel send `signal` to this process when the thread that spawned it exits, so an
 * element process never outlives its pipeline. Call it first thing in a child, then compare
 * `getppid()` with the expected parent pid: if the parent already died, exit.
 */
export function setPdeathsig(signal: number): void {
  check("prctl(PR_SET_PDEATHSIG)", raw.px_set_pdeathsig(signal));
}
