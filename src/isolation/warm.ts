/**
 * Warm element hosts (zygotes): hosts started before a run needs them, so that an isolated
 * element's start does not wait for a process to boot (the namespace wrapper's execs, Bun's
 * start-up and the host's modules: most of a host's start).
 *
 * A warm host is exactly what the executor would spawn for a run: the same namespaces, entered
 * at spawn, and the same parent-death chain; it holds no fd but its control channel and fd
 * side channel. It has no authority to give away: no element, no granted file, no link. All
 * of that arrives in `configure` when a run takes it, and the host then sandboxes itself
 * (rlimits, no_new_privs, seccomp) before any element code runs — the same sequence as a host
 * spawned for the run. The sandbox is as strong; only the boot happens earlier.
 *
 * Use: `prewarmHosts(n)` as soon as it is known that a pipeline will run isolated, before
 * building it (the `parallax` command can when it sees `--isolate`). The next isolated run
 * takes up to n of them (in order, for its isolated groups) and closes the rest. A warm host
 * that no run takes is closed after WARM_IDLE_MS — until then it keeps the event loop alive —
 * or by `discardWarmHosts()`.
 *
 * Thread: the application's event loop.
 */
import { HostProcess } from "./host-process.ts";
import { ALL_NAMESPACES, DEFAULT_START_TIMEOUT_MS, type NamespaceName } from "./options.ts";
import { assumeNamespaceSupport, knownNamespaceSupport } from "./sandbox.ts";

/** How long an untaken warm host is kept (ms). */
export const WARM_IDLE_MS = 10_000;
/** The group name a warm host has until a run gives it one. */
export const WARM_GROUP = "warm";

const pool: { key: string; host: HostProcess }[] = [];
let idle: ReturnType<typeof setTimeout> | null = null;

function keyOf(ns: readonly NamespaceName[]): string {
  return [...ns].sort().join(",");
}

export type PrewarmOptions = {
  /** Namespaces the run will ask for (default: all, as isolation's default). */
  namespaces?: readonly NamespaceName[];
  startTimeoutMs?: number;
};

/**
 * Starts `count` element hosts now, in the background (nothing is awaited; a host that fails
 * to start is dropped, and the run spawns its own). Returns how many are warm or warming.
 */
export function prewarmHosts(count = 1, opts: PrewarmOptions = {}): number {
  const wanted = opts.namespaces ?? ALL_NAMESPACES;
  const ns = knownNamespaceSupport(wanted) ?? assumeNamespaceSupport(wanted);
  const key = keyOf(ns.usable);
  for (let i = 0; i < count; i++) {
    const host = HostProcess.start({ group: WARM_GROUP, namespaces: ns.usable, startTimeoutMs: opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS });
    const entry = { key, host };
    pool.push(entry);
    host.ready.catch(() => {
      const at = pool.indexOf(entry);
      if (at >= 0) pool.splice(at, 1);
    });
  }
  if (idle !== null) clearTimeout(idle);
  idle = setTimeout(() => void discardWarmHosts(), WARM_IDLE_MS);
  return pool.length;
}

/**
 * A warm host started in exactly `namespaces`, or null. The caller owns it (closes it) and
 * names its group. Hosts that died while warm are skipped.
 */
export function takeWarmHost(namespaces: readonly NamespaceName[]): HostProcess | null {
  const key = keyOf(namespaces);
  for (let i = 0; i < pool.length; i++) {
    const e = pool[i]!;
    if (e.key !== key || (e.host.state !== "starting" && e.host.state !== "running")) continue;
    pool.splice(i, 1);
    if (pool.length === 0 && idle !== null) {
      clearTimeout(idle);
      idle = null;
    }
    return e.host;
  }
  return null;
}

/** How many warm hosts wait now. */
export function warmHostCount(): number {
  return pool.length;
}

/** Closes every warm host nobody took. Idempotent; resolves when they are gone. */
export async function discardWarmHosts(): Promise<void> {
  if (idle !== null) clearTimeout(idle);
  idle = null;
  const all = pool.splice(0);
  await Promise.allSettled(all.map((e) => e.host.close(0)));
}
