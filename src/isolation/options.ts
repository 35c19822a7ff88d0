/**
 * Execution modes and their options: where the elements of a pipeline run.
 *
 *   in-process  every element on this process's event loop (the default, fastest);
 *   isolated    every element in its own sandboxed element-host process, except the few that
 *               must live in the application's process (appsrc/appsink, elements with API
 *               callbacks), which the run's report names with the reason;
 *   grouped     only elements whose factory or instance name matches one of `patterns`
 *               (`*dec*`, `filesrc*`) are isolated; linked matching elements share a process,
 *               and `groups` can put chosen elements in one process explicitly.
 *
 * The pipeline does not change: the executor (executor.ts) cuts the graph into process groups
 * (plan.ts) and inserts the IPC links itself (boundary.ts). Every default below is a named
 * constant; `normalizeOptions` fills them in and rejects nonsense with a message that says what
 * to write instead.
 */

export type ExecutionMode = "in-process" | "isolated" | "grouped";

/** The role name `parallax --role` runs an element host under. */
export const HOST_ROLE = "element-host";

/** Linux namespaces an element host can be put in (entered at spawn by `unshare`). */
export type NamespaceName = "user" | "pid" | "net" | "ipc" | "mount";
export const ALL_NAMESPACES: readonly NamespaceName[] = ["user", "pid", "net", "ipc", "mount"];

export type RestartPolicy = {
  /** Restarts allowed per element host over the run (0: a dead host fails the pipeline). */
  maxRestarts: number;
  /** Wait before the first restart, doubled for each further one (ms). */
  backoffMs: number;
  /** Upper bound of the wait (ms). */
  maxBackoffMs: number;
};

export type HeartbeatPolicy = {
  /** How often a host says it is alive (ms). */
  intervalMs: number;
  /** Silence after which a host counts as hung and is killed (ms). */
  timeoutMs: number;
};

export type ResourceLimits = {
  /** RLIMIT_NOFILE of a host (-1: leave as inherited). */
  openFiles: number;
  /** RLIMIT_CORE in bytes (0: no core dumps of sandboxed code). */
  coreBytes: number;
  /** RLIMIT_CPU in seconds (-1: unlimited). */
  cpuSeconds: number;
  /** RLIMIT_FSIZE in bytes (-1: unlimited; a granted output file must be able to grow). */
  fileBytes: number;
  /** cgroup v2 memory.max of a host in bytes, applied where the host's cgroup allows it. */
  memoryBytes: number;
  /** cgroup v2 pids.max of a host (threads count), applied where allowed. */
  pids: number;
};

export type SandboxOptions = {
  /** Namespaces entered at spawn (true: all of them; false or []: none). */
  namespaces: boolean | readonly NamespaceName[];
  /** Install the seccomp allowlist (default action EPERM) once the host is set up. */
  seccomp: boolean;
  /** Extra system calls to allow (by name), for plugins that need them. */
  allowSyscalls: readonly string[];
  limits: Partial<ResourceLimits>;
};

export type IsolationOptions = {
  mode: ExecutionMode;
  /** grouped: glob patterns (`*`, `?`) over factory and instance names. */
  patterns?: readonly string[];
  /** Explicit groups: group name → element names that share one host process. */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** Modules an element host imports before creating elements (plugins, test elements). */
  modules?: readonly string[];
  sandbox?: Partial<SandboxOptions>;
  restart?: Partial<RestartPolicy>;
  heartbeat?: Partial<HeartbeatPolicy>;
  /** How long a host may take from spawn to its handshake (ms). */
  startTimeoutMs?: number;
  /** How long a host gets to close cleanly before it is killed (ms). */
  closeTimeoutMs?: number;
};

/** What `run({ isolation })` accepts: a mode name, patterns (grouped), or the full options. */
export type IsolationOption = ExecutionMode | readonly string[] | IsolationOptions;

export const DEFAULT_RESTART: RestartPolicy = { maxRestarts: 0, backoffMs: 50, maxBackoffMs: 2000 };
export const DEFAULT_HEARTBEAT: HeartbeatPolicy = { intervalMs: 250, timeoutMs: 5000 };
export const DEFAULT_LIMITS: ResourceLimits = {
  openFiles: 256,
  coreBytes: 0,
  cpuSeconds: -1,
  fileBytes: -1,
  memoryBytes: 1024 * 1024 * 1024,
  pids: 256,
};
export const DEFAULT_START_TIMEOUT_MS = 10_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;

export type ResolvedOptions = {
  mode: ExecutionMode;
  patterns: readonly string[];
  groups: Readonly<Record<string, readonly string[]>>;
  modules: readonly string[];
  sandbox: { namespaces: readonly NamespaceName[]; seccomp: boolean; allowSyscalls: readonly string[]; limits: ResourceLimits };
  restart: RestartPolicy;
  heartbeat: HeartbeatPolicy;
  startTimeoutMs: number;
  closeTimeoutMs: number;
};

export class IsolationOptionsError extends Error {
  override readonly name = "IsolationOptionsError";
}

/** Turns any accepted form into full options with every default filled in. Throws
 * IsolationOptionsError for values that cannot work. */
export function normalizeOptions(opt: IsolationOption): ResolvedOptions {
  const o: IsolationOptions = typeof opt === "string" ? { mode: opt } : isPatternList(opt) ? { mode: "grouped", patterns: opt } : opt;
  if (!["in-process", "isolated", "grouped"].includes(o.mode)) {
    throw new IsolationOptionsError(`unknown execution mode "${String(o.mode)}": use "in-process", "isolated" or "grouped"`);
  }
  const patterns = [...(o.patterns ?? [])];
  const groups = o.groups ?? {};
  if (o.mode === "grouped" && patterns.length === 0 && Object.keys(groups).length === 0) {
    throw new IsolationOptionsError('grouped execution needs patterns (e.g. ["*dec*"]) or explicit groups: with neither, nothing would be isolated');
  }
  const ns = o.sandbox?.namespaces ?? true;
  const namespaces = ns === true ? [...ALL_NAMESPACES] : ns === false ? [] : [...ns];
  for (const n of namespaces) {
    if (!ALL_NAMESPACES.includes(n)) throw new IsolationOptionsError(`unknown namespace "${n}": use ${ALL_NAMESPACES.join(", ")}`);
  }
  const restart = { ...DEFAULT_RESTART, ...o.restart };
  if (!(restart.maxRestarts >= 0) || !(restart.backoffMs >= 0) || !(restart.maxBackoffMs >= restart.backoffMs)) {
    throw new IsolationOptionsError("restart policy: maxRestarts and backoffMs must be >= 0 and maxBackoffMs >= backoffMs");
  }
  const heartbeat = { ...DEFAULT_HEARTBEAT, ...o.heartbeat };
  if (!(heartbeat.intervalMs > 0) || !(heartbeat.timeoutMs > heartbeat.intervalMs)) {
    throw new IsolationOptionsError("heartbeat: intervalMs must be > 0 and timeoutMs longer than intervalMs");
  }
  return {
    mode: o.mode,
    patterns,
    groups,
    modules: [...(o.modules ?? [])],
    sandbox: {
      namespaces,
      seccomp: o.sandbox?.seccomp ?? true,
      allowSyscalls: [...(o.sandbox?.allowSyscalls ?? [])],
      limits: { ...DEFAULT_LIMITS, ...o.sandbox?.limits },
    },
    restart,
    heartbeat,
    startTimeoutMs: o.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    closeTimeoutMs: o.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
  };
}

function isPatternList(o: IsolationOption): o is readonly string[] {
  return Array.isArray(o);
}

/** Whether an option asks for anything but in-process execution. */
export function isIsolating(opt: IsolationOption | undefined): boolean {
  if (opt === undefined) return false;
  if (typeof opt === "string") return opt !== "in-process";
  if (isPatternList(opt)) return true;
  return opt.mode !== "in-process";
}

/** Glob match (`*` any run, `?` one character), whole string, case-sensitive. */
export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    "^" +
      pattern
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("") +
      "$",
  );
  return re.test(name);
}

/** `--isolate` / `--isolate='*dec*,filesrc*'` from the command line: all, or a pattern list. */
export function parseIsolateFlag(value: string | true): IsolationOption {
  if (value === true || value === "" || value === "*" || value === "all") return "isolated";
  const patterns = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (patterns.length === 0) throw new IsolationOptionsError(`--isolate=${value}: give patterns separated by commas, e.g. --isolate='*dec*,filesrc*'`);
  return patterns;
}
