/**
 * Typed binding of csrc/sandbox.c: what an element host does to itself after set-up so that the
 * code it then runs holds no authority beyond what the supervisor granted (src/isolation/).
 *
 * - `noNewPrivs()`: PR_SET_NO_NEW_PRIVS (required before an unprivileged seccomp filter).
 * - `installSeccomp(allow, opts)`: a filter from an allowlist of system call *names*, installed
 *   on every thread (TSYNC); anything else fails with EPERM, never kills (Bun periodically opens
 *   /proc/self/statm and must survive the refusal). Numbers come from the C side's table.
 * - `setRlimit` / `getRlimit`.
 * - `probeSocket` / `probeOpen` / `probeIoctl` / `probePrctl`: raw calls that return the errno
 *   instead of going through Bun's error mapping (Bun reports a refused socket() as
 *   ECONNREFUSED), so a test or a diagnostic can see the filter's EPERM itself.
 *
 * All of it is start-up work, run once per process. Failures throw ErrnoError. A filter cannot
 * be removed once installed: call `installSeccomp` only in a process meant to stay sandboxed.
 */
import { FFIType as T } from "bun:ffi";
import { check, ErrnoError } from "./errno.ts";
import { cstring, lazyShim, openDeclaredShims } from "./lib.ts";

/** The sandbox shim's symbol table: unchecked native calls (-errno results). */
export const raw = lazyShim("sandbox", {
  px_sandbox_no_new_privs: { args: [], returns: T.i32 },
  px_sandbox_get_no_new_privs: { args: [], returns: T.i32 },
  px_sandbox_get_seccomp: { args: [], returns: T.i32 },
  px_sandbox_seccomp_install: { args: [T.ptr, T.i32, T.ptr, T.i32, T.i32, T.ptr, T.i32], returns: T.i32 },
  px_sandbox_setrlimit: { args: [T.i32, T.i64, T.i64], returns: T.i32 },
  px_sandbox_getrlimit: { args: [T.i32, T.ptr], returns: T.i32 },
  px_sandbox_socket: { args: [T.i32, T.i32, T.i32], returns: T.i32 },
  px_sandbox_openat: { args: [T.ptr, T.i32], returns: T.i32 },
  px_sandbox_syscall_nr: { args: [T.ptr], returns: T.i32 },
  px_sandbox_ioctl: { args: [T.i32, T.u32], returns: T.i32 },
  px_sandbox_prctl: { args: [T.i32, T.i64], returns: T.i32 },
  px_sandbox_max_rules: { args: [], returns: T.i32 },
  px_sandbox_const_rlimit_nofile: { args: [], returns: T.i32 },
  px_sandbox_const_rlimit_core: { args: [], returns: T.i32 },
  px_sandbox_const_rlimit_fsize: { args: [], returns: T.i32 },
  px_sandbox_const_rlimit_cpu: { args: [], returns: T.i32 },
  px_sandbox_const_rlimit_nproc: { args: [], returns: T.i32 },
  px_sandbox_const_rlimit_memlock: { args: [], returns: T.i32 },
  px_sandbox_const_af_unix: { args: [], returns: T.i32 },
  px_sandbox_const_af_inet: { args: [], returns: T.i32 },
  px_sandbox_const_sock_stream: { args: [], returns: T.i32 },
  px_sandbox_const_sock_dgram: { args: [], returns: T.i32 },
  px_sandbox_const_o_rdonly: { args: [], returns: T.i32 },
  px_sandbox_const_o_wronly: { args: [], returns: T.i32 },
  px_sandbox_const_o_creat: { args: [], returns: T.i32 },
  px_sandbox_const_o_trunc: { args: [], returns: T.i32 },
  px_sandbox_const_o_append: { args: [], returns: T.i32 },
  px_sandbox_const_pr_set_pdeathsig: { args: [], returns: T.i32 },
  px_sandbox_const_pr_set_name: { args: [], returns: T.i32 },
  px_sandbox_const_pr_get_seccomp: { args: [], returns: T.i32 },
});

/** Most system calls in each list of one filter (PX_SANDBOX_MAX_RULES in C). */
export const MAX_RULES = 512;

/** RLIMIT_* resources (checked against C by test/abi.test.ts). */
export const Rlimit = {
  CPU: 0,
  FSIZE: 1,
  NPROC: 6,
  NOFILE: 7,
  MEMLOCK: 8,
  CORE: 4,
} as const;
export type RlimitName = keyof typeof Rlimit;

/** Address families and socket types for `probeSocket`. */
export const Af = { UNIX: 1, INET: 2 } as const;
export const Sock = { STREAM: 1, DGRAM: 2 } as const;
/** prctl(2) options (for argument rules). */
export const Pr = { SET_PDEATHSIG: 1, SET_NAME: 15, GET_SECCOMP: 21 } as const;

/** open(2) flags for `probeOpen`. */
export const O = { RDONLY: 0, WRONLY: 1, CREAT: 0o100, TRUNC: 0o1000, APPEND: 0o2000 } as const;

/** Sets PR_SET_NO_NEW_PRIVS for this process (inherited by threads and children; permanent). */
export function noNewPrivs(): void {
  check("prctl(PR_SET_NO_NEW_PRIVS)", raw.px_sandbox_no_new_privs());
}

/** Whether PR_SET_NO_NEW_PRIVS is set. */
export function hasNoNewPrivs(): boolean {
  return check("prctl(PR_GET_NO_NEW_PRIVS)", raw.px_sandbox_get_no_new_privs()) === 1;
}

/** The seccomp mode of the calling thread: 0 none, 2 filter. */
export function seccompMode(): number {
  return check("prctl(PR_GET_SECCOMP)", raw.px_sandbox_get_seccomp());
}

/** The x86-64 number of a system call, or null if the shim's table does not know the name. */
export function syscallNumber(name: string): number | null {
  const r = raw.px_sandbox_syscall_nr(cstring(name));
  return r < 0 ? null : r;
}

function numbers(names: readonly string[], what: string): Int32Array {
  const out = new Int32Array(Math.max(1, names.length));
  names.forEach((n, i) => {
    const nr = syscallNumber(n);
    if (nr === null) throw new RangeError(`${what}: unknown system call "${n}" (not in csrc/sandbox.c's table)`);
    out[i] = nr;
  });
  return out;
}

/** A system call allowed only when one of its arguments (0..5, low 32 bits) has one of `values`. */
export type ArgRule = { syscall: string; arg: number; values: readonly number[] };

export interface SeccompOptions {
  /** System calls that fail with ENOSYS instead of EPERM (say clone3, so glibc uses clone). */
  enosys?: readonly string[];
  /** Allow clone only for new threads (CLONE_THREAD); a fork or spawn then fails with EPERM. */
  cloneThreadOnly?: boolean;
  /** Calls allowed only for some values of one argument (ioctl requests, prctl options). */
  argRules?: readonly ArgRule[];
}

/**
 * Installs a seccomp filter on every thread of this process: the `allow`ed system calls run,
 * `enosys` ones fail with ENOSYS, everything else with EPERM. Needs `noNewPrivs()` first (or
 * CAP_SYS_ADMIN). Permanent. Opens first every shim table of the ffi/ modules imported so far
 * (see openDeclaredShims in ffi/lib.ts): import the bindings a sandboxed process will use
 * before calling this. Throws ErrnoError (ESRCH: a thread could not be synchronised).
 */
export function installSeccomp(allow: readonly string[], opts: SeccompOptions = {}): void {
  // The shims' tables open on first use (ffi/lib.ts), and dlopen needs system calls the filter
  // refuses: open every table declared so far now, as they were opened at import before.
  openDeclaredShims();
  const enosys = opts.enosys ?? [];
  if (allow.length > MAX_RULES || enosys.length > MAX_RULES) throw new RangeError(`installSeccomp: at most ${MAX_RULES} system calls per list`);
  const a = numbers(allow, "installSeccomp allow");
  const e = numbers(enosys, "installSeccomp enosys");
  const triples: number[] = [];
  for (const r of opts.argRules ?? []) {
    if (!(r.arg >= 0 && r.arg <= 5) || r.values.length === 0) throw new RangeError(`installSeccomp: rule for ${r.syscall} needs an argument 0..5 and at least one value`);
    const nr = numbers([r.syscall], "installSeccomp argRules")[0]!;
    for (const v of r.values) triples.push(nr, r.arg, v | 0);
  }
  if (triples.length / 3 > MAX_RULES) throw new RangeError(`installSeccomp: at most ${MAX_RULES} argument values`);
  const rules = new Int32Array(Math.max(1, triples.length));
  rules.set(triples);
  check(
    "seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)",
    raw.px_sandbox_seccomp_install(a, allow.length, e, enosys.length, opts.cloneThreadOnly ? 1 : 0, rules, triples.length / 3),
  );
}

const rl = new BigInt64Array(2);

/** Sets a resource limit; -1 (or Infinity) means unlimited. */
export function setRlimit(resource: RlimitName, soft: number, hard: number = soft): void {
  const s = Number.isFinite(soft) ? soft : -1;
  const h = Number.isFinite(hard) ? hard : -1;
  check(`setrlimit(RLIMIT_${resource}, ${s}, ${h})`, raw.px_sandbox_setrlimit(Rlimit[resource], s, h));
}

/** A resource limit as { soft, hard }; -1 means unlimited. */
export function getRlimit(resource: RlimitName): { soft: number; hard: number } {
  check(`getrlimit(RLIMIT_${resource})`, raw.px_sandbox_getrlimit(Rlimit[resource], rl));
  return { soft: Number(rl[0]), hard: Number(rl[1]) };
}

/**
 * Raw socket(2). Returns the fd (the caller closes it) or throws ErrnoError — EPERM inside a
 * sandbox whose filter refuses socket.
 */
export function probeSocket(domain: number = Af.INET, type: number = Sock.STREAM): number {
  return check(`socket(${domain}, ${type})`, raw.px_sandbox_socket(domain, type, 0));
}

/** Raw openat(AT_FDCWD, path, flags). Returns the fd or throws ErrnoError (EPERM when refused). */
export function probeOpen(path: string, flags: number = O.RDONLY): number {
  return check(`openat(${path})`, raw.px_sandbox_openat(cstring(path), flags));
}

/** Raw ioctl(fd, request) with a zeroed scratch argument. Throws ErrnoError (EPERM when the
 * filter refuses that request, ENOTTY when fd is no terminal). */
export function probeIoctl(fd: number, request: number): void {
  check(`ioctl(fd=${fd}, 0x${request.toString(16)})`, raw.px_sandbox_ioctl(fd, request));
}

/** Raw prctl(option, arg). Returns the result or throws ErrnoError. */
export function probePrctl(option: number, arg = 0): number {
  return check(`prctl(${option})`, raw.px_sandbox_prctl(option, arg));
}

export { ErrnoError };
