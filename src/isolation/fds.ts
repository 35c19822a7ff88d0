/**
 * Small fd helpers for the isolation subsystem: closing without throwing (teardown goes on for
 * everything else), and counting what a process holds (for leak checks and reports).
 */
import { readdirSync, readlinkSync } from "node:fs";
import * as memfd from "../../ffi/memfd.ts";

/** Closes `fd` if it is >= 0, ignoring errors (it may already be closed). Returns -1. */
export function closeQuietly(fd: number): number {
  if (fd >= 0) {
    try {
      memfd.close(fd);
    } catch {
      // already closed: nothing to release
    }
  }
  return -1;
}

/** The targets of a process's open fds ("socket:[123]", "/memfd:x (deleted)", a path). Reads
 * /proc, so it is for the supervisor and tests, never for a sandboxed host. */
export function fdTargets(pid: number | "self" = "self"): string[] {
  const dir = `/proc/${pid}/fd`;
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    try {
      out.push(readlinkSync(`${dir}/${name}`));
    } catch {
      // closed while we looked
    }
  }
  return out;
}
