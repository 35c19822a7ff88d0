/**
 * The sandbox of an element host: what is done to the process so that the element code it runs
 * holds no authority beyond what the supervisor granted.
 *
 * Two halves, because Bun cannot unshare itself once it runs (it is multithreaded):
 *   1. At spawn (supervisor side, `hostCommand`): the host is started as
 *        setpriv --pdeathsig KILL -- unshare --user --map-root-user --net --pid --ipc --mount
 *                 --fork --kill-child=KILL --mount-proc -- <parallax> --role element-host …
 *      so it runs in new user, network, pid, IPC and mount namespaces, and dies with its
 *      supervisor (parent-death signals along the whole chain). Which namespaces work is
 *      assumed at first (`assumeNamespaceSupport`: probing costs a process run on the start-up
 *      path) and probed once per process when a host fails to start (`namespaceSupport`); what
 *      could not be entered is reported.
 *   2. After set-up (host side, `applySandbox`, which first opens every native shim table the
 *      host's modules declared, while files can still be opened: ffi/lib.ts openDeclaredShims): rlimits, PR_SET_NO_NEW_PRIVS, then a seccomp filter
 *      on every thread (TSYNC) from BASE_ALLOWLIST. Everything not listed fails with
 *      EPERM — never KILL: Bun opens /proc/self/statm now and then and must survive it. That
 *      includes open/openat (an element cannot open paths: a granted file arrives as an fd,
 *      see authority.ts), socket/connect/bind, execve, fork (clone is allowed for new threads
 *      only; clone3 answers ENOSYS so glibc falls back to clone), kill, ptrace, mount, and
 *      io_uring (whose operations would bypass the filter: filesrc falls back to read()).
 *
 * `verifySandbox` reads /proc/<pid> from the supervisor's side and reports what really holds
 * (namespaces differ from the supervisor's, NoNewPrivs, Seccomp mode and filter count).
 */
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import * as sbx from "../../ffi/sandbox.ts";
import type { NamespaceName } from "./options.ts";
import type { SandboxApplied } from "./protocol.ts";

/**
 * System calls an element host may make once sandboxed: what Bun's event loop, JSC's threads
 * and garbage collector, bun:ffi, the memfd pools, descriptor rings and doorbells use (found by
 * tracing hosts under load), and nothing that names a path or creates a socket or process.
 */
export const BASE_ALLOWLIST: readonly string[] = [
  // fds the host already holds
  "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2", "lseek", "close",
  "dup", "dup3", "fcntl", "ioctl", "fstat", "newfstatat", "statx", "fsync", "fdatasync", "ftruncate",
  // memory
  "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "memfd_create", "membarrier",
  // threads, signals, time
  "futex", "set_robust_list", "rseq", "gettid", "getpid", "getppid", "tgkill", "sched_yield",
  "sched_getaffinity", "exit", "exit_group", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
  "sigaltstack", "restart_syscall", "clock_gettime", "clock_getres", "clock_nanosleep",
  "nanosleep", "gettimeofday", "getrandom",
  // the event loop and doorbells
  "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd2", "pipe2",
  "timerfd_create", "timerfd_settime", "timerfd_gettime", "poll", "ppoll",
  // messages on sockets the supervisor handed over (no new sockets)
  "recvfrom", "recvmsg", "sendmsg", "sendto", "shutdown", "getsockopt",
  // process information (prctl and ioctl only for some values: see ARG_RULES)
  "uname", "sysinfo", "getrusage", "prlimit64", "getrlimit", "getuid", "geteuid", "getgid", "getegid",
];

/**
 * Calls allowed only for some values of one argument. ioctl: terminal and fd queries Bun makes
 * (TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX), not TIOCSTI (which would let a
 * host with the terminal as stdout type into the user's shell). prctl: naming threads, naming
 * memory (PR_SET_VMA), reading state — not PR_SET_PDEATHSIG, so a host cannot undo the signal
 * that ties its life to the supervisor's.
 */
export const ARG_RULES: readonly sbx.ArgRule[] = [
  { syscall: "ioctl", arg: 1, values: [0x5401, 0x5413, 0x541b, 0x5421, 0x5451, 0x5450] },
  { syscall: "prctl", arg: 0, values: [sbx.Pr.SET_NAME, 16 /* PR_GET_NAME */, 0x53564d41 /* PR_SET_VMA */, sbx.Pr.GET_SECCOMP, 39 /* PR_GET_NO_NEW_PRIVS */, 2 /* PR_GET_PDEATHSIG */] },
];

/** Calls answered with ENOSYS instead of EPERM (so the C library falls back to a call the
 * filter can inspect). */
export const ENOSYS_LIST: readonly string[] = ["clone3"];

export type SandboxConfig = {
  seccomp: boolean;
  /** Extra system calls to allow. */
  allow: readonly string[];
  limits: { openFiles: number; coreBytes: number; cpuSeconds: number; fileBytes: number };
};

/**
 * Host side: applies rlimits, no_new_privs and (if asked) the seccomp filter to this process.
 * Call it once, after the host has loaded every module it needs (the filter refuses openat),
 * and before any element code runs. Never throws: what failed is listed in `errors`, and the
 * caller decides (the host refuses to run elements when a requested filter failed).
 */
export function applySandbox(cfg: SandboxConfig): SandboxApplied {
  const errors: string[] = [];
  const rlimits: Record<string, number> = {};
  const lim = cfg.limits;
  const want: [sbx.RlimitName, number][] = [
    ["NOFILE", lim.openFiles],
    ["CORE", lim.coreBytes],
    ["CPU", lim.cpuSeconds],
    ["FSIZE", lim.fileBytes],
  ];
  for (const [name, value] of want) {
    if (value < 0) continue;
    try {
      sbx.setRlimit(name, value, value);
      rlimits[name.toLowerCase()] = value;
    } catch (e) {
      errors.push(`RLIMIT_${name}: ${(e as Error).message}`);
    }
  }
  let noNewPrivs = false;
  try {
    sbx.noNewPrivs();
    noNewPrivs = sbx.hasNoNewPrivs();
  } catch (e) {
    errors.push(`no_new_privs: ${(e as Error).message}`);
  }
  let seccomp: SandboxApplied["seccomp"] = "off";
  const allow = [...new Set([...BASE_ALLOWLIST, ...cfg.allow])];
  if (cfg.seccomp) {
    try {
      sbx.installSeccomp(allow, { enosys: ENOSYS_LIST, cloneThreadOnly: true, argRules: ARG_RULES });
      seccomp = sbx.seccompMode() === 2 ? "filter" : "failed";
    } catch (e) {
      seccomp = "failed";
      errors.push(`seccomp: ${(e as Error).message}`);
    }
  }
  return { noNewPrivs, seccomp, allowed: cfg.seccomp ? allow.length + ARG_RULES.length : 0, rlimits, errors };
}

// ---- spawn side ---------------------------------------------------------------------------

const UNSHARE_FLAG: Record<NamespaceName, string> = {
  user: "--user",
  pid: "--pid",
  net: "--net",
  ipc: "--ipc",
  mount: "--mount",
};

export type NamespaceSupport = {
  usable: NamespaceName[];
  unavailable: { name: NamespaceName; reason: string }[];
  setpriv: boolean;
  unshare: boolean;
  /** False when `usable` is assumed (assumeNamespaceSupport), not probed. */
  probed: boolean;
};

const supportCache = new Map<string, NamespaceSupport>();

function findTool(name: string): string | null {
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  return null;
}

function unshareArgs(ns: readonly NamespaceName[]): string[] {
  const args = ns.map((n) => UNSHARE_FLAG[n]);
  if (ns.includes("user")) args.push("--map-root-user");
  if (ns.includes("pid")) args.push("--fork", "--kill-child=KILL");
  if (ns.includes("pid") && ns.includes("mount")) args.push("--mount-proc");
  return args;
}

/**
 * Which of `wanted` can be entered on this machine, probed once (a short `unshare … true`
 * run per combination; about 5 ms) and cached for the process.
 */
export function namespaceSupport(wanted: readonly NamespaceName[]): NamespaceSupport {
  const key = [...wanted].sort().join(",");
  const hit = supportCache.get(key);
  if (hit) return hit;
  const unshare = findTool("unshare");
  const setpriv = findTool("setpriv") !== null;
  let out: NamespaceSupport;
  if (wanted.length === 0) out = { usable: [], unavailable: [], setpriv, unshare: unshare !== null, probed: true };
  else if (unshare === null) {
    out = { usable: [], unavailable: wanted.map((name) => ({ name, reason: "util-linux's unshare is not installed" })), setpriv, unshare: false, probed: true };
  } else {
    const tryNs = (ns: readonly NamespaceName[]) => {
      const r = Bun.spawnSync([unshare, ...unshareArgs(ns), "--", "true"], { stdout: "ignore", stderr: "pipe", timeout: 5000 });
      return r.exitCode === 0 ? null : r.stderr.toString().trim().split("\n")[0] || `exit ${r.exitCode}`;
    };
    if (tryNs(wanted) === null) out = { usable: [...wanted], unavailable: [], setpriv, unshare: true, probed: true };
    else {
      // Find out which ones fail on their own (with a user namespace when one was asked for,
      // since the others need it without CAP_SYS_ADMIN).
      const usable: NamespaceName[] = [];
      const unavailable: { name: NamespaceName; reason: string }[] = [];
      const base: NamespaceName[] = wanted.includes("user") && tryNs(["user"]) === null ? ["user"] : [];
      for (const n of wanted) {
        if (base.includes(n)) {
          usable.push(n);
          continue;
        }
        const err = tryNs([...base, n]);
        if (err === null) usable.push(n);
        else unavailable.push({ name: n, reason: err });
      }
      out = { usable, unavailable, setpriv, unshare: true, probed: true };
    }
  }
  supportCache.set(key, out);
  return out;
}

/** What namespaceSupport (or a host that started with them) found for `wanted` in this
 * process, or null when nothing is known yet. */
export function knownNamespaceSupport(wanted: readonly NamespaceName[]): NamespaceSupport | null {
  return supportCache.get([...wanted].sort().join(",")) ?? null;
}

/**
 * Support for `wanted` without probing: every namespace, when unshare is installed. Probing
 * costs a blocking `unshare … true` run (15–20 ms here) on the start-up path, and on most
 * machines all of them work; the executor starts hosts on this assumption, and probes only
 * when a host then fails to start (`namespaceSupport`), to retry with what works. When the
 * tools are missing it returns namespaceSupport's answer (no process is run for that).
 */
export function assumeNamespaceSupport(wanted: readonly NamespaceName[]): NamespaceSupport {
  const unshare = findTool("unshare");
  if (wanted.length === 0 || unshare === null) return namespaceSupport(wanted);
  return { usable: [...wanted], unavailable: [], setpriv: findTool("setpriv") !== null, unshare: true, probed: false };
}

/** Records that hosts start in `s.usable` (a host handshook inside them). */
export function confirmNamespaceSupport(wanted: readonly NamespaceName[], s: NamespaceSupport): void {
  const key = [...wanted].sort().join(",");
  if (!supportCache.has(key)) supportCache.set(key, { ...s, probed: true });
}

/**
 * The argv prefix that starts a host in `ns` (those that work here) and ties its life to this
 * process: setpriv sets the parent-death signal and execs unshare (which keeps it), unshare
 * forks the host with --kill-child. Empty namespaces: only the setpriv part.
 */
export function wrapperArgv(ns: readonly NamespaceName[]): string[] {
  const setpriv = findTool("setpriv");
  const pre = setpriv ? [setpriv, "--pdeathsig", "KILL", "--"] : [];
  if (ns.length === 0) return pre;
  const unshare = findTool("unshare")!;
  return [...pre, unshare, ...unshareArgs(ns), "--"];
}

/** What the supervisor can see of a host's sandbox from outside. */
export type SandboxReport = {
  pid: number;
  namespaces: NamespaceName[];
  noNewPrivs: boolean;
  /** 0 none, 1 strict, 2 filter (from /proc/<pid>/status). */
  seccompMode: number;
  seccompFilters: number;
};

const NS_PROC: Record<NamespaceName, string> = { user: "user", pid: "pid", net: "net", ipc: "ipc", mount: "mnt" };

/** Reads /proc/<pid>/status and /proc/<pid>/ns to see what really applies to a host. */
export function verifySandbox(pid: number): SandboxReport {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? "0");
  const namespaces: NamespaceName[] = [];
  for (const [name, proc] of Object.entries(NS_PROC) as [NamespaceName, string][]) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/${proc}`) !== readlinkSync(`/proc/self/ns/${proc}`)) namespaces.push(name);
    } catch {
      // the process went away; report what we saw
    }
  }
  return { pid, namespaces, noNewPrivs: field("NoNewPrivs") === 1, seccompMode: field("Seccomp"), seccompFilters: field("Seccomp_filters") };
}
