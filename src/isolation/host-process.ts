/**
 * HostProcess: the supervisor's handle on one element host — spawning it, the start-up
 * handshake, its control channel, and how it ended.
 *
 * Spawn: `[wrapper…] <this program> --role element-host --group NAME --supervisor PID`, where
 * "this program" is `process.execPath` alone in the compiled executable and
 * `process.execPath bin/parallax.ts` under bun, and the wrapper enters the namespaces and sets
 * the parent-death signal (sandbox.ts). fd 3 is the control socket, fd 4 the fd side channel;
 * stderr is piped through this process (forwarded as is, and its tail kept for diagnostics).
 *
 * States: starting → running → closing → closed, or → died from any of them. "Closed" means
 * the host exited after a close request; "died" means it exited (or was killed) otherwise —
 * the executor decides what a death means (restart or failure). `close()` is idempotent and
 * always ends with the process gone: a host that does not exit in time is killed.
 *
 * Thread: the supervisor's event loop.
 */
import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as fdpass from "../../ffi/fdpass.ts";
import type { HostCgroup } from "./cgroup.ts";
import { Channel } from "./channel.ts";
import { closeQuietly } from "./fds.ts";
import type { NamespaceName } from "./options.ts";
import { exitMeaning, HOST_ROLE, PROTOCOL_VERSION } from "./protocol.ts";
import { wrapperArgv } from "./sandbox.ts";

/** How much of a host's stderr is kept for error messages. */
const STDERR_TAIL_BYTES = 4096;
/** What util-linux unshare prints when the host it forked was killed by SIGKILL (it cannot
 * re-raise that signal on itself, so it exits 1 instead). */
const UNSHARE_SIGKILL_NOTE = "sigprocmask unblock failed";

export type HostState = "starting" | "running" | "closing" | "closed" | "died";

export type HostExit = {
  code: number | null;
  signal: string | null;
  /** For people: "killed by SIGKILL", "exited with 70 (uncaught exception)", "closed on request". */
  reason: string;
  /** True when the host exited after a close request. */
  closed: boolean;
};

export class HostStartError extends Error {
  override readonly name = "HostStartError";
}

function isCompiled(): boolean {
  return import.meta.url.includes("$bunfs") || Bun.main.includes("$bunfs");
}

/** The command line that runs this program again in a role. */
export function selfCommand(): string[] {
  if (isCompiled()) return [process.execPath];
  return [process.execPath, fileURLToPath(new URL("../../bin/parallax.ts", import.meta.url))];
}

export type SpawnOptions = {
  group: string;
  namespaces: readonly NamespaceName[];
  startTimeoutMs: number;
};

export class HostProcess {
  /** The group it runs (a warm host gets its name when a run takes it: see warm.ts). */
  group: string;
  readonly channel: Channel;
  readonly proc: Subprocess;
  /** The pid Bun.spawn returned (the namespace wrapper when there is one). */
  readonly wrapperPid: number;
  /** The host's own pid, as seen from here. */
  pid: number;
  state: HostState = "starting";
  /** When the host last said it was alive (performance.now()). */
  lastSeen: number;
  /** ms from spawn to the handshake. */
  startMs = 0;
  /** ms from the host process's own start to its handshake, as the host measured it (Bun's
   * start-up and module loading; the rest of startMs is the namespace wrapper). */
  bootMs: number | null = null;
  /** True once the host answered the handshake. */
  handshaken = false;
  /** Settles with the handshake (see start()). */
  ready!: Promise<void>;
  readonly exited: Promise<HostExit>;
  cgroup: HostCgroup | null = null;
  /** Called once if the host dies (not after a close request). */
  onDied: ((exit: HostExit) => void) | null = null;
  #killReason: string | null = null;
  #stderrTail = "";
  #stderrDone: Promise<void>;
  #closing: Promise<HostExit> | null = null;
  readonly #forked: boolean;

  private constructor(group: string, proc: Subprocess, channel: Channel, forked: boolean) {
    this.group = group;
    this.proc = proc;
    this.channel = channel;
    this.wrapperPid = proc.pid;
    this.pid = proc.pid;
    this.#forked = forked;
    this.lastSeen = performance.now();
    this.#stderrDone = this.#pumpStderr();
    this.exited = proc.exited.then(async () => {
      await this.#stderrDone;
      const exit = this.#classify();
      const wasClosing = this.state === "closing" || this.state === "closed";
      this.state = wasClosing ? "closed" : "died";
      if (!wasClosing) this.onDied?.(exit);
      return exit;
    });
    channel.on("heartbeat", () => {
      this.lastSeen = performance.now();
    });
    channel.onEnd((end) => {
      if (end.reason === "protocol") this.kill(`cut off: it broke the control protocol (${end.error.message})`);
    });
  }

  /**
   * Spawns a host and waits for its handshake. Throws HostStartError (with what the host
   * printed) when it exits first, or does not answer within `startTimeoutMs`.
   */
  static async spawn(opts: SpawnOptions): Promise<HostProcess> {
    const host = HostProcess.start(opts);
    await host.ready;
    return host;
  }

  /**
   * Spawns a host without waiting: requests may be sent at once (they wait in the control
   * socket until the host reads them, after its `ready`). `ready` settles with the handshake;
   * when it rejects (HostStartError) the host has been killed and closed.
   */
  static start(opts: SpawnOptions): HostProcess {
    const [ctrl, ctrlChild] = fdpass.socketpair();
    let fds: number;
    let fdsChild: number;
    try {
      [fds, fdsChild] = fdpass.socketpair();
    } catch (e) {
      closeQuietly(ctrl);
      closeQuietly(ctrlChild);
      throw e;
    }
    const argv = [...wrapperArgv(opts.namespaces), ...selfCommand(), "--role", HOST_ROLE, "--group", opts.group, "--supervisor", String(process.pid)];
    const t0 = performance.now();
    let proc: Subprocess;
    try {
      proc = Bun.spawn(argv, { stdio: ["ignore", "inherit", "pipe", ctrlChild, fdsChild], cwd: process.cwd(), env: process.env });
    } catch (e) {
      for (const fd of [ctrl, fds]) closeQuietly(fd);
      throw new HostStartError(`cannot start the element host for ${opts.group}: ${(e as Error).message}`);
    } finally {
      closeQuietly(ctrlChild);
      closeQuietly(fdsChild);
    }
    const host = new HostProcess(opts.group, proc, new Channel(ctrl, fds), opts.namespaces.includes("pid"));
    host.ready = host.#handshake(opts.startTimeoutMs).then(
      () => {
        host.startMs = performance.now() - t0;
      },
      async (e: unknown) => {
        host.kill("it did not start");
        await host.close(0);
        throw e;
      },
    );
    // Observed by whoever awaits it; a failure must not also surface as unhandled.
    host.ready.catch(() => {});
    return host;
  }

  async #handshake(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const ready = await Promise.race([
        new Promise<{ pid: number; version: number; bootMs?: number }>((resolve) => this.channel.on("ready", (d) => resolve(d))),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new HostStartError(`the element host for ${this.group} did not answer within ${timeoutMs} ms${this.#tailNote()}`)), timeoutMs);
        }),
        this.proc.exited.then(async () => {
          await this.#stderrDone;
          throw new HostStartError(`the element host for ${this.group} exited before its handshake (${this.#classify().reason})${this.#tailNote()}`);
        }),
      ]);
      if (ready.version !== PROTOCOL_VERSION) throw new HostStartError(`the element host for ${this.group} speaks protocol ${ready.version}, this supervisor ${PROTOCOL_VERSION}`);
      this.bootMs = ready.bootMs ?? null;
    } finally {
      clearTimeout(timer);
    }
    this.pid = this.#forked ? this.#forkedChild() ?? this.wrapperPid : this.wrapperPid;
    this.lastSeen = performance.now();
    this.handshaken = true;
    // A close() that came first (the run failed while this host booted) stands.
    if (this.state === "starting") this.state = "running";
  }

  /** The host the namespace wrapper forked (it runs as pid 1 of its own pid namespace). */
  #forkedChild(): number | null {
    try {
      const kids = readFileSync(`/proc/${this.wrapperPid}/task/${this.wrapperPid}/children`, "utf8").trim().split(/\s+/);
      const pid = Number(kids[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  async #pumpStderr(): Promise<void> {
    const stream = this.proc.stderr;
    if (!stream || typeof stream === "number") return;
    const dec = new TextDecoder();
    let partial = "";
    const show = (lines: string[]) => {
      const shown = lines.filter((l) => !l.includes(UNSHARE_SIGKILL_NOTE));
      if (shown.length > 0) process.stderr.write(shown.join("\n") + "\n");
    };
    try {
      for await (const chunk of stream as ReadableStream<Uint8Array>) {
        const text = dec.decode(chunk, { stream: true });
        this.#stderrTail = (this.#stderrTail + text).slice(-STDERR_TAIL_BYTES);
        // Whole lines only, so the wrapper's note can be told apart from the host's output.
        const lines = (partial + text).split("\n");
        partial = lines.pop()!;
        show(lines);
      }
    } catch {
      // the pipe broke with the process
    }
    if (partial) show([partial]);
  }

  #tailNote(): string {
    const t = this.#stderrTail.trim();
    return t ? `; it printed:\n${t.split("\n").slice(-8).join("\n")}` : "";
  }

  #classify(): HostExit {
    const code = this.proc.exitCode;
    const sig = this.proc.signalCode;
    const signal = sig === null || sig === undefined ? null : String(sig);
    const closed = this.state === "closing" || this.state === "closed";
    let reason: string;
    if (closed && code === 0 && signal === null) reason = "closed on request";
    else if (this.#killReason !== null) reason = this.#killReason;
    else if (signal !== null) reason = `killed by ${signal}`;
    else if (code === 1 && this.#stderrTail.includes(UNSHARE_SIGKILL_NOTE)) reason = "killed by SIGKILL";
    else reason = code === null ? "exited" : `exited with ${code} (${exitMeaning(code)})`;
    return { code, signal, reason, closed };
  }

  /** The last lines the host wrote to stderr (for error messages). */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** Kills the host at once (SIGKILL to it and to its wrapper). `reason` becomes its exit's
   * reason. Idempotent. */
  kill(reason: string): void {
    this.#killReason ??= reason;
    for (const pid of new Set([this.pid, this.wrapperPid])) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  /**
   * Asks the host to close, waits for it to exit (killing it after `timeoutMs`), closes the
   * channel. Idempotent; safe in any state; resolves with how the host ended.
   */
  close(timeoutMs = 2000): Promise<HostExit> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      if (this.state === "running" || this.state === "starting") {
        this.state = "closing";
        try {
          await this.channel.request("close", {}, { timeoutMs: Math.max(1, timeoutMs) });
        } catch {
          // no answer: it is killed below if it does not exit
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const gone = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(1, timeoutMs))))]);
        clearTimeout(timer);
        if (!gone) this.kill("it did not exit after a close request");
      }
      const exit = await this.exited;
      await this.channel.close();
      this.cgroup?.remove();
      return exit;
    })();
    return this.#closing;
  }
}
