/**
 * Authority: what an isolated element may touch outside its own memory. "Buffers are shared;
 * authority is not."
 *
 * An element's properties name what it needs (`filesrc location=X` reads X). Before an element
 * host starts, the supervisor opens each of those for it — read-only, or write/append — and
 * passes the open fds over the fd side channel (SCM_RIGHTS). The host records them in its
 * grant table; the element then opens its file with `openFile()`, which hands back a duplicate
 * of the granted fd. Anything else it tries to open reaches the kernel, where the host's
 * seccomp filter refuses openat with EPERM; `openFile` reports that as a permission error
 * naming the path and what the element was granted. In the application's process (in-process
 * execution) `openFile` is a plain open(2) (ffi/fileio.ts: no node:fs, for start-up).
 *
 * Which properties mean which grants is declared per factory (`registerAuthority`); the
 * built-in file elements are registered here. A network element would declare the host and
 * port it needs, and the supervisor would hand it a socket already connected or bound there.
 */
import * as fileio from "../../ffi/fileio.ts";
import type * as MemfdModule from "../../ffi/memfd.ts";
import type { Element } from "../graph/element.ts";

export type GrantMode = "read" | "write" | "append";
export type Grant = { element: string; path: string; mode: GrantMode };
/** A grant provider: the grants an element of one factory needs, from its properties. */
export type AuthorityProvider = (props: Record<string, unknown>) => { path: string; mode: GrantMode }[];

const providers = new Map<string, AuthorityProvider>();

/** ffi/memfd.ts (for dup), loaded only in an element host that holds grants: a file pipeline
 * in the application's process opens its files itself and does not load it. */
const memfd = () => require("../../ffi/memfd.ts") as typeof MemfdModule;

/** node:path's resolve, loaded when first needed (isolation only): loading node:path costs a
 * compiled launch ≈2.5 ms of start-up, and an in-process file pipeline never needs it. */
const resolve = (path: string): string => (require("node:path") as typeof import("node:path")).resolve(path);

/** Declares what elements of `factory` need when isolated (plugins call this too). */
export function registerAuthority(factory: string, provider: AuthorityProvider): void {
  providers.set(factory, provider);
}

registerAuthority("filesrc", (p) => (typeof p.location === "string" && p.location !== "" ? [{ path: p.location, mode: "read" }] : []));
registerAuthority("filesink", (p) => (typeof p.location === "string" && p.location !== "" ? [{ path: p.location, mode: p.append === true ? "append" : "write" }] : []));

/** The grants an element needs when isolated (none for most). Paths are made absolute. */
export function grantsFor(el: Element): Grant[] {
  const p = providers.get(el.factoryName);
  if (!p) return [];
  return p(el.props as Record<string, unknown>).map((g) => ({ element: el.name, path: resolve(g.path), mode: g.mode }));
}

/** Supervisor side: opens a grant for passing to a host. The caller owns (and closes) the fd. */
export function openGrant(g: Grant): number {
  const flags =
    g.mode === "read"
      ? fileio.O.RDONLY
      : g.mode === "write"
        ? fileio.O.WRONLY | fileio.O.CREAT | fileio.O.TRUNC
        : fileio.O.WRONLY | fileio.O.CREAT;
  try {
    return fileio.open(g.path, flags, 0o666);
  } catch (e) {
    throw new Error(`${g.element}: cannot open "${g.path}" for ${g.mode === "read" ? "reading" : "writing"} on its behalf: ${(e as Error).message}`);
  }
}

// ---- host side ----------------------------------------------------------------------------

type Held = { fd: number; mode: GrantMode; element: string };
const granted = new Map<string, Held[]>();
let sandboxed = false;

/** Host: records granted fds (the table takes them over) and marks the process sandboxed. */
export function installGrants(list: readonly { element: string; path: string; mode: GrantMode; fd: number }[]): void {
  for (const g of list) {
    const key = resolve(g.path);
    const l = granted.get(key) ?? [];
    l.push({ fd: g.fd, mode: g.mode, element: g.element });
    granted.set(key, l);
  }
}

/** Host: from now on, opens that are not granted are reported as permission errors. */
export function markSandboxed(): void {
  sandboxed = true;
}

/** Host: forgets every grant and closes its fds. */
export function clearGrants(): void {
  for (const l of granted.values()) for (const g of l) {
    try {
      fileio.close(g.fd);
    } catch {
      // already closed
    }
  }
  granted.clear();
}

/** The grants this process holds, for reports and tests. */
export function grantedPaths(): { path: string; mode: GrantMode; element: string }[] {
  return [...granted.entries()].flatMap(([path, l]) => l.map((g) => ({ path, mode: g.mode, element: g.element })));
}

/** Thrown by openFile for a path this isolated element was not granted. */
export class PermissionError extends Error {
  override readonly name = "PermissionError";
  readonly code = "EPERM";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

function wantsWrite(flags: number): boolean {
  return (flags & (fileio.O.WRONLY | fileio.O.RDWR)) !== 0;
}

/**
 * Opens a file (open(2) flags: fileio.O) through the element's authority: in an element host,
 * a duplicate of the fd the supervisor granted for `path` (read grants serve read-only opens;
 * write and append grants serve opens for writing); in the application's process, a plain
 * open. The caller owns the returned fd. Throws PermissionError (code
 * EPERM) when an isolated element asks for a path it was not granted: the kernel refused it.
 */
export function openFile(path: string, flags: number = fileio.O.RDONLY, mode = 0o666): number {
  const held = granted.size > 0 ? granted.get(resolve(path)) : undefined;
  if (held !== undefined) {
    const write = wantsWrite(flags);
    const g = held.find((h) => (write ? h.mode !== "read" : h.mode === "read"));
    if (g) return memfd().dup(g.fd);
  }
  try {
    return fileio.open(path, flags, mode);
  } catch (e) {
    if (sandboxed && (e as { code?: string }).code === "EPERM") {
      const have = grantedPaths()
        .map((g) => `${g.path} (${g.mode})`)
        .join(", ");
      throw new PermissionError(
        path,
        `permission denied: "${path}" was not granted to this isolated element (the sandbox refused open with EPERM); ` +
          `it may open only what its properties name${have ? `: ${have}` : " (nothing here)"}`,
      );
    }
    throw e;
  }
}
