/**
 * ErrnoError: a failed system call, as the C shims report it.
 *
 * Every shim function returns a value (>= 0) or -errno. The typed wrappers in ffi/ pass that
 * number through `check`, which turns a negative result into an ErrnoError carrying the errno
 * number, its symbolic name ("EPERM", "EAGAIN") and the call that failed, so callers can branch
 * on `err.code` the way Node's fs errors allow. Wrappers that expect a particular errno as a
 * normal outcome (EAGAIN on a nonblocking socket, ETIMEDOUT on a futex) test for it before
 * calling `check`, so the data path never throws for them.
 */

/**
 * node:util, loaded on the first error: loading it sets up Node's internal modules, ≈1 ms of
 * start-up that a run without a failed system call should not pay. Bun ships
 * getSystemErrorMessage; older type definitions may not declare it.
 */
type Util = typeof import("node:util") & { getSystemErrorMessage?: (err: number) => string };
let util: Util | null = null;
const nodeUtil = (): Util => (util ??= require("node:util") as Util);

export class ErrnoError extends Error {
  override readonly name = "ErrnoError";
  /** The positive errno value (1 for EPERM). */
  readonly errno: number;
  /** The symbolic name ("EPERM"), or "E<n>" if unknown. */
  readonly code: string;
  /** The failed call, e.g. "memfd_create" or "sendmsg(fd=5)". */
  readonly call: string;

  constructor(errno: number, call: string) {
    const code = errnoName(errno);
    super(`${call} failed: ${code} (${errnoMessage(errno)})`);
    this.errno = errno;
    this.code = code;
    this.call = call;
  }
}

/** The symbolic name of a positive errno value ("ENOENT"), or "E<n>" when unknown. */
export function errnoName(errno: number): string {
  let name = "";
  try {
    name = nodeUtil().getSystemErrorName(-errno);
  } catch {
    // unknown to the runtime
  }
  return /^E[A-Z0-9]+$/.test(name) ? name : `E${errno}`;
}

function errnoMessage(errno: number): string {
  try {
    return nodeUtil().getSystemErrorMessage?.(-errno) ?? `errno ${errno}`;
  } catch {
    return `errno ${errno}`;
  }
}

/** Returns `r` when it is a value (>= 0); throws ErrnoError(-r, call) when it is -errno. */
export function check(call: string, r: number): number {
  if (r < 0) throw new ErrnoError(-r, call);
  return r;
}

/** True when `e` is an ErrnoError with the given symbolic code. */
export function isErrno(e: unknown, code: string): e is ErrnoError {
  return e instanceof ErrnoError && e.code === code;
}

/** errno values the wrappers compare against on their normal paths (Linux x86-64). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EBUSY: 16,
  EINVAL: 22,
  EPIPE: 32,
  ENOSYS: 38,
  ETIMEDOUT: 110,
} as const;
