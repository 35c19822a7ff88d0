/**
 * cgroup v2 limits for element hosts: memory.max and pids.max, where the machine allows it.
 *
 * A host goes into its own cgroup below the supervisor's (`<ours>/parallax-<pid>-<n>`), with
 * the memory and pids controllers enabled for our subtree. That needs: a cgroup v2 hierarchy
 * (mounted, found in /proc/self/mountinfo); our cgroup in it (/proc/self/cgroup, line `0::`);
 * the two controllers offered there (cgroup.controllers); and permission to enable them for
 * children (cgroup.subtree_control), which cgroup v2 refuses while our own cgroup holds
 * processes, unless it is the root — the "no internal processes" rule; a delegated cgroup
 * (systemd's Delegate=yes) is the usual way to get one. Each missing piece is detected, and
 * the run's report says which one stopped the limits from being applied: nothing is silent.
 *
 * The filesystem is reached through `CgroupFs` so tests can point it at a directory tree.
 * Supervisor side only (a sandboxed host cannot open files).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type CgroupFs = {
  /** Text of /proc/self/mountinfo. */
  mountinfo(): string;
  /** Text of /proc/self/cgroup. */
  selfCgroup(): string;
  /** Prefix put before absolute paths (tests: a temp dir; real: ""). */
  root: string;
};

export const realCgroupFs: CgroupFs = {
  mountinfo: () => readFileSync("/proc/self/mountinfo", "utf8"),
  selfCgroup: () => readFileSync("/proc/self/cgroup", "utf8"),
  root: "",
};

export type CgroupSupport = { ok: true; dir: string } | { ok: false; reason: string };

/** Where host cgroups can be made, or why they cannot. Enables +memory +pids for our
 * subtree if needed. */
export function cgroupSupport(fs: CgroupFs = realCgroupFs): CgroupSupport {
  let mount: string | null = null;
  for (const line of fs.mountinfo().split("\n")) {
    // "36 25 0:31 / /sys/fs/cgroup/unified rw,… - cgroup2 cgroup2 rw"
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const fstype = line.slice(dash + 3).split(" ")[0];
    if (fstype === "cgroup2") {
      mount = line.slice(0, dash).split(" ")[4] ?? null;
      break;
    }
  }
  if (mount === null) return { ok: false, reason: "no cgroup v2 hierarchy is mounted" };
  const own = /^0::(.*)$/m.exec(fs.selfCgroup())?.[1];
  if (own === undefined) return { ok: false, reason: "this process has no cgroup v2 membership (no 0:: line in /proc/self/cgroup)" };
  const dir = join(fs.root, mount, own);
  let controllers: string[];
  try {
    controllers = readFileSync(join(dir, "cgroup.controllers"), "utf8").trim().split(/\s+/);
  } catch (e) {
    return { ok: false, reason: `cannot read ${join(mount, own, "cgroup.controllers")}: ${(e as Error).message}` };
  }
  const missing = ["memory", "pids"].filter((c) => !controllers.includes(c));
  if (missing.length > 0) {
    return { ok: false, reason: `the cgroup v2 hierarchy at ${mount} does not offer the ${missing.join(" and ")} controller${missing.length > 1 ? "s" : ""} (offered: ${controllers.filter(Boolean).join(", ") || "none"}; they are probably bound to cgroup v1 here)` };
  }
  const subtree = join(dir, "cgroup.subtree_control");
  let enabled = "";
  try {
    enabled = readFileSync(subtree, "utf8");
  } catch {
    // checked by the write below
  }
  if (!/\bmemory\b/.test(enabled) || !/\bpids\b/.test(enabled)) {
    try {
      writeFileSync(subtree, "+memory +pids");
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === "EBUSY" ? "our cgroup holds processes, and cgroup v2 enables controllers only for cgroups without them (run under a delegated cgroup, e.g. systemd-run --scope -p Delegate=yes)" : (e as Error).message;
      return { ok: false, reason: `cannot enable the memory and pids controllers below ${join(mount, own)}: ${why}` };
    }
  }
  return { ok: true, dir };
}

export type CgroupApplied = { applied: true; path: string; memoryMax: number; pidsMax: number } | { applied: false; reason: string };

let serial = 0;

/** A cgroup for one host with the given limits; `place(pid)` moves processes into it and
 * `remove()` deletes it once they have exited. */
export class HostCgroup {
  private constructor(
    readonly path: string,
    readonly memoryMax: number,
    readonly pidsMax: number,
  ) {}

  /** Creates the cgroup, or says why it cannot be. */
  static create(limits: { memoryBytes: number; pids: number }, fs: CgroupFs = realCgroupFs): HostCgroup | { reason: string } {
    const s = cgroupSupport(fs);
    if (!s.ok) return { reason: s.reason };
    const path = join(s.dir, `parallax-${process.pid}-${serial++}`);
    try {
      mkdirSync(path);
      writeFileSync(join(path, "memory.max"), String(limits.memoryBytes));
      writeFileSync(join(path, "pids.max"), String(limits.pids));
    } catch (e) {
      try {
        rmdirSync(path);
      } catch {
        // it was never made
      }
      return { reason: `cannot create ${path}: ${(e as Error).message}` };
    }
    return new HostCgroup(path, limits.memoryBytes, limits.pids);
  }

  /** Moves a process (all its threads) into the cgroup. Throws if the kernel refuses. */
  place(pid: number): void {
    writeFileSync(join(this.path, "cgroup.procs"), String(pid));
  }

  /** Removes the cgroup (after its processes have exited). Idempotent; never throws. */
  remove(): void {
    try {
      if (existsSync(this.path)) rmdirSync(this.path);
    } catch {
      // still populated (a process did not exit) or already gone: the report has the path
    }
  }
}
