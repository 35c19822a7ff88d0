/**
 * Test helpers for code that creates fds, mappings and child processes: resource counters read
 * from /proc/self, and an event-loop-friendly wait for an fd to become readable (so a test
 * never blocks its thread in poll while a child it spawned needs the loop).
 */
import { readdirSync, readFileSync } from "node:fs";
import { poll, Poll } from "./fdpass.ts";

/** Open fds of this process. */
export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Lines in /proc/self/maps (one per mapping). */
export function mapsLines(): number {
  return readFileSync("/proc/self/maps", "utf8").split("\n").length;
}

/** Mappings whose name contains `name` (a memfd shows as "/memfd:<name> (deleted)"). */
export function mappingsNamed(name: string): number {
  return readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .filter((l) => l.includes(name)).length;
}

/** Threads of this process named `name` (their comm, as pthread_setname_np set it). */
export function threadsNamed(name: string): number {
  return readdirSync("/proc/self/task").filter((t) => {
    try {
      return readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim() === name;
    } catch {
      return false; // a thread that ended while we looked
    }
  }).length;
}

/** Every process below `root` (children, their children, …), each with its command line. */
export function descendants(root = process.pid): Map<number, string> {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const l = kids.get(ppid) ?? [];
      l.push(Number(d));
      kids.set(ppid, l);
    } catch {
      // gone
    }
  }
  const out = new Map<number, string>();
  const stack = [...(kids.get(root) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop()!;
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      // gone meanwhile, or a zombie: still a descendant
    }
    out.set(p, cmdline);
    stack.push(...(kids.get(p) ?? []));
  }
  return out;
}

/** Resident set size in bytes. */
export function rssBytes(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (m === null) throw new Error("no VmRSS in /proc/self/status");
  return Number(m[1]) * 1024;
}

/** Resolves when `fd` is readable (or hung up); rejects after `timeoutMs`. Polls without
 * blocking, yielding to the event loop between tries. */
export async function readable(fd: number, timeoutMs = 5000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ev = poll(fd, Poll.IN, 0);
    if (ev !== 0) return ev;
    if (performance.now() > deadline) throw new Error(`fd ${fd} not readable after ${timeoutMs} ms`);
    await Bun.sleep(2);
  }
}

/** Resolves true as soon as `cond()` holds, false if it still fails after `timeoutMs`. For
 * resources the runtime releases asynchronously (Bun closes a stream's duplicate fd a few
 * milliseconds after the stream is cancelled). */
export async function eventually(cond: () => boolean, timeoutMs = 1000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(1);
  }
  return true;
}
