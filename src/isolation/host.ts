/**
 * The element host: the process an isolated group of elements runs in. Started by the
 * supervisor as `parallax --role element-host --group NAME --supervisor PID` (under `bun`:
 * `bun bin/parallax.ts --role …`), inside the namespaces and parent-death chain of
 * sandbox.ts, with the control socket as fd 3 and the fd side channel as fd 4.
 *
 * Life of a host:
 *   1. Asks the kernel for SIGKILL when its parent dies, opens the control channel, and sends
 *      `ready` (the start-up handshake); heartbeats follow every `heartbeatMs`.
 *   2. `configure`: takes its fds (link ends, granted files), imports the extra modules it was
 *      given (plugins, test elements) and the modules of the built-in elements it runs (only
 *      those: elements/manifest.ts), maps the native shims — the last time it opens a file —,
 *      records the grants, applies the sandbox (rlimits, no_new_privs, seccomp allowlist), and
 *      only then creates and prepares its elements, so element code never runs unsandboxed.
 *      A requested filter that cannot be installed fails the request: elements do not run
 *      without it. The supervisor may send it before the handshake (it waits in the socket).
 *   3. `start`, `eos`, `relink`, `release` as the supervisor asks; bus messages, EOS, link
 *      violations and link drains go back as notifications.
 *   4. `close`: stops everything, releases pools and fds, replies, exits with Exit.CLOSED.
 * If the control channel ends without a close request (the supervisor died), it exits with
 * Exit.PARENT_GONE; if the supervisor breaks the protocol, Exit.PROTOCOL; an exception that
 * escapes everything is reported on the bus and ends the host with Exit.CRASHED.
 */
import { registry } from "../registry.ts";
// Built-in elements by name only: configure imports just the ones its group runs.
import "../../elements/manifest.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import type { Message } from "../bus.ts";
import { clearGrants, installGrants, markSandboxed } from "./authority.ts";
import { Channel } from "./channel.ts";
import { closeQuietly } from "./fds.ts";
import { endFromList } from "./link.ts";
import { Partition, type CrossEnd, type PartitionListener } from "./partition.ts";
import { checkParams, CONTROL_FD, Exit, FDS_FD, PROTOCOL_VERSION, type SandboxApplied, type WireBusMessage } from "./protocol.ts";
import { applySandbox } from "./sandbox.ts";

const SIGKILL = 9;

/** Thrown when an element fails to prepare; carries the element's name to the supervisor. */
class ElementFailure extends Error {
  constructor(
    readonly source: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Turns a bus message into its wire form (causes become text; data must be JSON). */
export function toWire(m: Message): WireBusMessage | null {
  switch (m.type) {
    case "error":
      return { type: "error", source: m.source, domain: m.domain, message: m.message, debug: m.debug, cause: m.cause === undefined ? undefined : m.cause instanceof Error ? `${m.cause.name}: ${m.cause.message}` : String(m.cause) };
    case "warning":
      return { type: "warning", source: m.source, domain: m.domain, message: m.message, debug: m.debug };
    case "info":
      return { type: "info", source: m.source, message: m.message };
    case "element":
      return { type: "element", source: m.source, name: m.name, data: m.data };
    case "qos":
      return { type: "qos", source: m.source, dropped: m.dropped, lateness: m.lateness };
    case "latency":
      return { type: "latency", source: m.source, latency: m.latency };
    case "stream-start":
      return { type: "stream-start", source: m.source };
    default:
      return null;
  }
}

/** The `element-host` role's main. Resolves with the exit code (the process exits with it). */
export async function hostMain(args: string[]): Promise<number> {
  // A spare host starts as "standby" and takes its group's name when configured.
  let group = arg(args, "--group");
  const supervisor = Number(arg(args, "--supervisor"));
  if (!group || !Number.isInteger(supervisor)) {
    process.stderr.write("usage: parallax --role element-host --group NAME --supervisor PID (started by the isolation supervisor, with fds 3 and 4)\n");
    return Exit.USAGE;
  }
  fdpass.setPdeathsig(SIGKILL);
  // Reparented already (the supervisor died before we set the signal)? Outside a pid
  // namespace the new parent is init; inside one, getppid() is 0 and the wrapper's
  // --kill-child covers it.
  if (fdpass.getppid() === 1) return Exit.PARENT_GONE;

  const ch = new Channel(CONTROL_FD, FDS_FD);
  let partition: Partition | null = null;
  let closing = false;
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  let beat = 0;

  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));

  const notifyBus = (m: Message): void => {
    const w = toWire(m);
    if (w === null) return;
    try {
      ch.notify("bus", w);
    } catch (e) {
      ch.notify("bus", { type: "warning", source: m.source, domain: "core", message: `a ${m.type} message could not cross to the application: ${(e as Error).message}` });
    }
  };

  const listener: PartitionListener = {
    bus: notifyBus,
    eos: () => ch.notify("eos", {}),
    violation: (link, reason) => ch.notify("violation", { link, reason }),
    drained: (link, lastSequence, received) => ch.notify("drained", { link, lastSequence, received }),
    released: (link) => ch.notify("released", { link }),
  };

  const crash = (err: unknown): void => {
    const name = group ?? "element host";
    const e = err instanceof Error ? err : new Error(String(err));
    try {
      ch.notify("bus", { type: "error", source: name, domain: "core", message: `element host ${name} crashed: ${e.message}`, debug: e.stack });
      ch.flushNow();
    } catch {
      // the channel is gone too
    }
    process.exit(Exit.CRASHED);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);

  ch.onEnd((end) => {
    if (closing) return;
    if (heartbeat) clearInterval(heartbeat);
    finish(end.reason === "protocol" ? Exit.PROTOCOL : Exit.PARENT_GONE);
  });

  ch.onRequest(async (method, params, id) => {
    switch (method) {
      case "configure": {
        const p = checkParams("configure", params);
        if (partition !== null) throw new Error(`element host ${group} is already configured`);
        group = p.group;
        const t0 = performance.now();
        const fds = ch.takeFds(id, p.fdCount);
        const used = new Set<number>();
        try {
          for (const m of p.modules) await import(m);
          // The last files this host opens: its elements' modules, then (in applySandbox) the
          // native shims their ffi/ bindings declared.
          await registry.load(p.elements.map((e) => e.factory));
          installGrants(p.grants.map((g) => (used.add(g.fd), { element: g.element, path: g.path, mode: g.mode, fd: fds[g.fd]! })));
          const sandbox: SandboxApplied = applySandbox({ seccomp: p.sandbox.seccomp, allow: p.sandbox.allow, limits: p.sandbox.limits });
          if (p.sandbox.seccomp && sandbox.seccomp !== "filter") {
            throw new Error(`the seccomp filter could not be installed (${sandbox.errors.join("; ")}); the elements were not started unsandboxed`);
          }
          markSandboxed();
          if (heartbeat === null) {
            heartbeat = setInterval(() => ch.notify("heartbeat", { seq: ++beat }), p.heartbeatMs);
          }
          const ends: CrossEnd[] = p.boundaries.map((b) => {
            for (const i of b.fds) used.add(i);
            return { link: b.link, role: b.role, pad: b.pad, peer: b.peer, allowed: b.allowed, caps: b.caps, fds: endFromList(b.fds.map((i) => fds[i]!)) };
          });
          try {
            partition = Partition.fromSpecs(group, p.elements, p.links, ends, registry, listener);
          } catch (e) {
            throw new ElementFailure(culprit(e, p.elements.map((x) => x.name)) ?? group, (e as Error).message);
          }
          for (const el of partition.pipeline.elements) {
            const prepare = el.prepare.bind(el);
            el.prepare = () => {
              try {
                prepare();
              } catch (e) {
                throw new ElementFailure(el.name, (e as Error).message, (e as { code?: string }).code);
              }
            };
          }
          partition.prepare();
          return { sandbox, setupMs: Math.round((performance.now() - t0) * 10) / 10 };
        } finally {
          for (let i = 0; i < fds.length; i++) if (!used.has(i)) closeQuietly(fds[i]!);
        }
      }
      case "start":
        requirePartition(partition).start();
        return {};
      case "eos":
        partition?.sendEos();
        return {};
      case "relink": {
        const p = checkParams("relink", params);
        const fds = ch.takeFds(id, p.fdCount);
        const r = requirePartition(partition).relink(p.link, endFromList(p.fds.map((i) => fds[i]!)));
        return r === null ? { role: "in" } : { role: "out", unreturned: r.unreturned, redelivered: r.redelivered };
      }
      case "release": {
        const p = checkParams("release", params);
        return { released: partition?.releaseQuarantine(p.link) ?? 0 };
      }
      case "close": {
        closing = true;
        if (heartbeat) clearInterval(heartbeat);
        await partition?.close();
        clearGrants();
        setImmediate(() => finish(Exit.CLOSED));
        return {};
      }
    }
  });

  ch.notify("ready", { pid: process.pid, version: PROTOCOL_VERSION, group, bootMs: Math.round(performance.now() * 10) / 10 });
  const code = await done;
  ch.flushNow();
  return code;
}

function requirePartition(p: Partition | null): Partition {
  if (p === null) throw new Error("the host is not configured yet");
  return p;
}

/** The element an error message names first, if any ("identity0: …"). */
function culprit(e: unknown, names: string[]): string | undefined {
  const msg = e instanceof Error ? e.message : String(e);
  return names.find((n) => msg.startsWith(`${n}:`) || msg.includes(` ${n} `) || msg.includes(`"${n}"`));
}

export { ElementFailure };
