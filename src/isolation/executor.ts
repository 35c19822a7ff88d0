/**
 * The isolation executor: runs a pipeline with some or all of its elements in sandboxed
 * element-host processes, and supervises them. The pipeline itself does not change.
 *
 *   1. Spawn a host for every isolated group first (or take a warm one, warm.ts): a host
 *      takes tens of ms to boot (namespace wrapper, Bun, its modules), and boots while the
 *      rest of this list runs here. Namespaces are assumed usable until a host fails to start
 *      in them (then they are probed and the host respawned in those that work: sandbox.ts).
 *   2. Check and negotiate the whole graph here, so a caps problem is reported exactly as
 *      in-process execution reports it; plan the process groups and the cross-process links
 *      (plan.ts).
 *   3. For each link, make its ring, socket and doorbells (link.ts); for each isolated element,
 *      open what its properties name (authority.ts); send each host its elements, link ends
 *      and granted fds at once (`configure`, which also sandboxes it; it waits in the socket
 *      until the host has booted — no round trip for the handshake first); build the
 *      application's own partition over the user's element objects (partition.ts) meanwhile.
 *   4. Start everything; forward every bus message to the pipeline's bus; finish when every
 *      process's partition has reached EOS; fail on the first error, naming its element.
 *   5. Supervise: a host that exits without being asked, stops sending heartbeats, breaks the
 *      control protocol, or sends a bad descriptor on a link is cut off. With a restart policy
 *      the host is replaced after a backoff: the links around it are re-made, the neighbours
 *      switch over (boundary.ts's relink) and the bus gets a warning that says which buffers
 *      were lost; when the policy is exhausted — or without one — the run fails with an error
 *      that names the element, its pid and how it died.
 *   6. Whatever happened, close every host (killing any that does not exit), every link and
 *      every granted fd, and restore the user's links, before run() settles.
 *
 * Thread: the application's event loop. Abort: `sendEos()` (Ctrl-C) sends EOS from every
 * source in every process; `stop()` ends the run at once.
 */
import type { ErrorMessage, Message, PipelineState } from "../bus.ts";
import type { Element } from "../graph/element.ts";
import { negotiate } from "../graph/negotiate.ts";
import { type Pipeline, PipelineError } from "../graph/pipeline.ts";
import { grantsFor, openGrant, type Grant } from "./authority.ts";
import { cgroupSupport, HostCgroup } from "./cgroup.ts";
import { RequestError } from "./channel.ts";
import { dup } from "../../ffi/memfd.ts";
import { closeQuietly } from "./fds.ts";
import { HostProcess, type HostExit } from "./host-process.ts";
import { discardWarmHosts, takeWarmHost } from "./warm.ts";
import { endFdList, LinkResources, type LinkEndFds } from "./link.ts";
import { normalizeOptions, type ExecutionMode, type IsolationOption, type NamespaceName, type ResolvedOptions } from "./options.ts";
import { Partition, type CrossEnd, type PartitionListener } from "./partition.ts";
import { APP_GROUP, planIsolation, type CrossLink, type GroupPlan, type Pinned, type Plan } from "./plan.ts";
import type { BoundarySpec, ConfigureParams, GrantSpec, RelinkReport, SandboxApplied, WireBusMessage } from "./protocol.ts";
import { assumeNamespaceSupport, confirmNamespaceSupport, knownNamespaceSupport, namespaceSupport, verifySandbox, type NamespaceSupport } from "./sandbox.ts";

export type ProcessReport = {
  group: string;
  elements: string[];
  /** The host's pid as seen from the application (null: the application's own process). */
  pid: number | null;
  /**
   * ms from the start of the run (of the restart, for a replaced host) until the host had
   * created, sandboxed and prepared its elements: ready to run (null for the application's
   * process).
   */
  startMs: number | null;
  /** Where a host's start went: spawn to handshake, of which the host's own start-up (Bun and
   * its modules; the rest is the namespace wrapper), and the set-up of its elements. */
  timing?: { handshakeMs: number; bootMs: number | null; setupMs: number | null };
  sandbox: {
    namespaces: NamespaceName[];
    noNewPrivs: boolean;
    seccomp: SandboxApplied["seccomp"];
    seccompFilters: number;
    allowedSyscalls: number;
    rlimits: Record<string, number>;
    cgroup: string;
  } | null;
  restarts: number;
  /** How the host ended, once the run is over: "closed on request", "killed by SIGKILL", … */
  exit?: string;
};

export type LostBuffers = { link: string; sequences: number[] };

export type RestartRecord = {
  group: string;
  elements: string[];
  pid: number;
  reason: string;
  /** 1 for the first restart of this group. */
  restart: number;
  maxRestarts: number;
  backoffMs: number;
  /** Per input link: buffers the dead host had taken and that never came out of it. */
  lost: LostBuffers[];
  lostCount: number;
  /** Buffers it had not taken yet, delivered to the new host instead. */
  redelivered: number;
  newPid: number | null;
  /** ms from noticing the death to the new host running (backoff included). */
  downMs: number | null;
};

export type IsolationReport = {
  mode: ExecutionMode;
  processes: ProcessReport[];
  pinned: Pinned[];
  links: { id: string; from: string; to: string; caps: string }[];
  namespaces: { requested: NamespaceName[]; applied: NamespaceName[]; unavailable: { name: NamespaceName; reason: string }[] };
  cgroup: { applied: true; memoryBytes: number; pids: number } | { applied: false; reason: string };
  restarts: RestartRecord[];
};

/** What the pipeline lets an isolated run do to it (see Pipeline.attachIsolatedRun). */
export type PipelineHooks = { setState(s: PipelineState): void; detach(): void };

type PendingRestart = {
  record: RestartRecord;
  outputs: CrossLink[];
  inputs: CrossLink[];
  unreturned: Map<string, number[]>;
  lastOut: Map<string, number | null>;
  undrained: Set<string>;
  unreleased: Set<string>;
  relinked: boolean;
  reported: boolean;
};

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** "3, 5–9, 12" */
export function formatSequences(seqs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < seqs.length; ) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j]! + 1) j++;
    out.push(j === i ? `${seqs[i]}` : `${seqs[i]}–${seqs[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}

export class IsolatedRun {
  readonly pipeline: Pipeline;
  readonly opts: ResolvedOptions;
  plan: Plan | null = null;
  readonly report: IsolationReport;
  readonly hosts = new Map<string, HostProcess>();
  #local: Partition | null = null;
  #hooks: PipelineHooks | null = null;
  #eos = new Set<string>();
  #grants = new Map<string, { grant: Grant; fd: number }[]>();
  #restarts = new Map<string, number>();
  #pending = new Map<string, PendingRestart>();
  #queue: Promise<void> = Promise.resolve();
  #monitor: ReturnType<typeof setInterval> | null = null;
  #finished = false;
  #failure: PipelineError | null = null;
  #firstError: ErrorMessage | null = null;
  #settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  #ns: NamespaceSupport = { usable: [], unavailable: [], setpriv: false, unshare: false, probed: false };
  /** With a restart policy: a host started ahead of need, so a restart only configures it. */
  #standby: Promise<HostProcess | null> | null = null;
  #cgroupOk = false;
  /** Hosts spawned before the plan was final, by group, until their group takes them. */
  #early = new Map<string, HostProcess>();
  /** The namespaces were assumed usable, not probed: a host that fails to start is retried. */
  #nsAssumed = false;
  /** When run() began. */
  #t0 = 0;

  constructor(pipeline: Pipeline, option: IsolationOption) {
    this.pipeline = pipeline;
    this.opts = normalizeOptions(option);
    this.report = {
      mode: this.opts.mode,
      processes: [],
      pinned: [],
      links: [],
      namespaces: { requested: [...this.opts.sandbox.namespaces], applied: [], unavailable: [] },
      cgroup: { applied: false, reason: "not probed yet" },
      restarts: [],
    };
  }

  /** The host pid running `element` now (for tests and tools), or null if it runs here. */
  hostPid(element: string): number | null {
    const g = this.plan?.groups.find((x) => x.elements.some((e) => e.name === element));
    if (!g || !g.isolated) return null;
    return this.hosts.get(g.id)?.pid ?? null;
  }

  /**
   * Runs to EOS. Resolves with the report; rejects with a PipelineError naming the element on
   * the first error (or when a host dies and the restart policy does not allow a new one).
   * Everything is closed before it settles.
   */
  async run(hooks: PipelineHooks, signal?: AbortSignal): Promise<IsolationReport> {
    this.#t0 = performance.now();
    this.#hooks = hooks;
    const onAbort = () => this.sendEos();
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    done.catch(() => {}); // observed below; a failure before the await must not go unhandled
    const offError = this.pipeline.bus.on("error", (m) => {
      this.#firstError ??= m;
    });
    try {
      const elements = this.pipeline.elements;
      checkGraph(this.pipeline);
      // Hosts take tens of ms to boot (the namespaces, Bun, their modules): start them first,
      // so they boot while the graph is negotiated, planned and its links made here.
      this.#ns = knownNamespaceSupport(this.opts.sandbox.namespaces) ?? assumeNamespaceSupport(this.opts.sandbox.namespaces);
      this.#nsAssumed = !this.#ns.probed;
      this.#probeCgroup();
      this.#spawnEarly(elements);
      // Warm hosts this run did not take are not kept for another (see warm.ts).
      void discardWarmHosts();
      negotiate(elements);
      const plan = (this.plan = planIsolation(elements, this.opts, this.pipeline.registry));
      this.report.pinned = plan.pinned;
      this.report.links = plan.links.map((l) => ({ id: l.id, from: l.from.id, to: l.to.id, caps: l.caps.toString() }));
      this.#reportNamespaces();
      hooks.setState("idle");

      for (const g of plan.groups) if (g.isolated) this.#grants.set(g.id, g.elements.flatMap(grantsFor).map((grant) => ({ grant, fd: openGrant(grant) })));
      const resources = new Map(plan.links.map((l) => [l.id, LinkResources.create(l.id)]));
      try {
        // Each host gets its configure as soon as it is spawned; this process's own partition
        // is built while they boot.
        const started = Promise.allSettled(plan.groups.filter((g) => g.isolated).map((g) => this.#startHost(g, resources, undefined, this.#t0)));
        const app = plan.groups.find((g) => g.id === APP_GROUP)!;
        if (app.elements.length > 0) {
          const ends: CrossEnd[] = [];
          for (const l of plan.links) {
            if (l.from === app) ends.push(this.#crossEnd(l, "out", resources.get(l.id)!.dup("out")));
            if (l.to === app) ends.push(this.#crossEnd(l, "in", resources.get(l.id)!.dup("in")));
          }
          this.#local = Partition.fromElements(this.pipeline.name, app.elements, ends, this.pipeline.clock, this.#listener(APP_GROUP));
          this.#local.prepare();
          this.report.processes.unshift({ group: APP_GROUP, elements: app.elements.map((e) => e.name), pid: null, startMs: null, sandbox: null, restarts: 0 });
        }
        const bad = (await started).find((r) => r.status === "rejected");
        if (bad) throw (bad as PromiseRejectedResult).reason;
      } finally {
        for (const r of resources.values()) r.close();
      }
      if (this.#failure) throw this.#failure;
      await Promise.all([...this.hosts.values()].map((h) => h.channel.request("start", {})));
      this.#local?.start();
      hooks.setState("running");
      this.#startMonitor();
      this.#prepareStandby();
      this.pipeline.bus.post({ type: "element", source: this.pipeline.name, name: "isolation-report", data: this.report });
      await done;
      this.pipeline.bus.post({ type: "eos", source: this.pipeline.name });
      return this.report;
    } catch (e) {
      const err = this.#failure ?? e;
      if (!(err instanceof PipelineError) && this.#firstError === null && err instanceof Error) {
        // A failure of the executor itself (a host that would not start, say): put it on the bus.
        const source = (err as { source?: string }).source ?? this.pipeline.name;
        this.pipeline.bus.post({ type: "error", source, domain: "core", message: err.message });
      }
      throw err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      offError();
      await this.#teardown();
      hooks.setState("suspended");
      hooks.detach();
    }
  }

  // ---- start-up ---------------------------------------------------------------------------

  #probeCgroup(): void {
    const s = cgroupSupport();
    this.#cgroupOk = s.ok;
    this.report.cgroup = s.ok ? { applied: true, memoryBytes: this.opts.sandbox.limits.memoryBytes, pids: this.opts.sandbox.limits.pids } : { applied: false, reason: s.reason };
  }

  #crossEnd(l: CrossLink, role: "in" | "out", fds: LinkEndFds): CrossEnd {
    return {
      link: l.id,
      role,
      pad: role === "out" ? l.src.path : l.sink.path,
      peer: role === "out" ? l.sink.path : l.src.path,
      allowed: l.allowed.toString(),
      caps: l.caps.toString(),
      fds,
    };
  }

  /** Joins `host` (and its namespace wrapper) to a new cgroup; says what was applied. */
  #joinCgroup(host: HostProcess): string {
    const cg = HostCgroup.create(this.opts.sandbox.limits);
    if (!(cg instanceof HostCgroup)) return `not applied: ${cg.reason}`;
    host.cgroup = cg;
    try {
      for (const pid of new Set([host.wrapperPid, host.pid])) cg.place(pid);
      return `${cg.path} (memory.max ${cg.memoryMax}, pids.max ${cg.pidsMax})`;
    } catch (e) {
      return `not applied: ${(e as Error).message}`;
    }
  }

  /**
   * Sends `configure` to `host` now (its link ends, granted fds, elements and sandbox) and
   * resolves with the reply; rejects with a PipelineError naming the element when the host
   * could not set its elements up. The fds leave synchronously, before the first await.
   */
  async #configure(host: HostProcess, g: GroupPlan, resources: Map<string, LinkResources>): Promise<{ sandbox: SandboxApplied; setupMs?: number }> {
    const plan = this.plan!;
    const fds: number[] = [];
    const boundaries: BoundarySpec[] = [];
    const add = (e: LinkEndFds): number[] => {
      const at = fds.length;
      fds.push(...endFdList(e));
      return [at, at + 1, at + 2, at + 3];
    };
    for (const l of plan.links) {
      const r = resources.get(l.id);
      if (!r) continue;
      if (l.from === g) boundaries.push({ link: l.id, role: "out", pad: l.src.path, peer: l.sink.path, allowed: l.allowed.toString(), caps: l.caps.toString(), fds: add(r.producer()) });
      if (l.to === g) boundaries.push({ link: l.id, role: "in", pad: l.sink.path, peer: l.src.path, allowed: l.allowed.toString(), caps: l.caps.toString(), fds: add(r.consumer()) });
    }
    const grants: GrantSpec[] = (this.#grants.get(g.id) ?? []).map(({ grant, fd }) => {
      fds.push(fd);
      return { element: grant.element, path: grant.path, mode: grant.mode, fd: fds.length - 1 };
    });
    const members = new Set(g.elements);
    const params: ConfigureParams = {
      group: g.id,
      elements: g.elements.map((e) => ({ name: e.name, factory: e.factoryName, props: JSON.parse(JSON.stringify(e.props)) })),
      links: g.elements.flatMap((e) => e.pads.filter((p) => p.direction === "src" && p.peer && members.has(p.peer.element)).map((p) => ({ from: p.path, to: p.peer!.path }))),
      boundaries,
      grants,
      modules: [...this.opts.modules],
      sandbox: { seccomp: this.opts.sandbox.seccomp, allow: [...this.opts.sandbox.allowSyscalls], limits: this.opts.sandbox.limits },
      heartbeatMs: this.opts.heartbeat.intervalMs,
      fdCount: fds.length,
    };
    try {
      // The host's boot counts against the same limit as its set-up.
      return (await host.channel.request("configure", params, { fds, timeoutMs: this.opts.startTimeoutMs * 2 })) as { sandbox: SandboxApplied; setupMs?: number };
    } catch (e) {
      const err = e as RequestError;
      const source = err.source ?? g.elements[0]!.name;
      const domain = err.code === "EPERM" || /permission denied/.test(err.message) ? "resource" : "core";
      const msg: ErrorMessage = { type: "error", source, domain, message: err.message, debug: `element host ${g.id} (pid ${host.pid}) could not set up its elements` };
      // A host that never started is reported by its handshake instead.
      if (host.state === "running") {
        this.pipeline.bus.post(msg);
        this.#firstError ??= msg;
      }
      throw new PipelineError(`${source}: ${err.message}`, source, msg);
    }
  }

  /** A host for group `id`: a warm one (warm.ts), or one spawned now (not waiting for its
   * handshake). */
  #spawn(id: string): HostProcess {
    const warm = takeWarmHost(this.#ns.usable);
    if (warm !== null) warm.group = id;
    const host = warm ?? HostProcess.start({ group: id, namespaces: this.#ns.usable, startTimeoutMs: this.opts.startTimeoutMs });
    this.hosts.set(id, host);
    return host;
  }

  /**
   * Starts the hosts of the isolated groups before the graph is negotiated (see run()). The
   * groups do not depend on caps, so this early plan names the same groups as the real one; if
   * it cannot be made, nothing is spawned early and the real plan reports why.
   */
  #spawnEarly(elements: readonly Element[]): void {
    let groups: GroupPlan[];
    try {
      groups = planIsolation(elements, this.opts, this.pipeline.registry).groups.filter((g) => g.isolated);
    } catch {
      return;
    }
    for (const g of groups) this.#early.set(g.id, this.#spawn(g.id));
  }

  #reportNamespaces(): void {
    this.report.namespaces.applied = this.#ns.usable;
    this.report.namespaces.unavailable = this.#ns.unavailable;
  }

  /**
   * After a host failed to start while the namespaces were only assumed usable: probes them
   * (once per process) and says whether a host would now be started differently.
   */
  #renegotiateNamespaces(): boolean {
    if (!this.#nsAssumed) return false;
    this.#nsAssumed = false;
    const before = this.#ns.usable.join(",");
    this.#ns = namespaceSupport(this.opts.sandbox.namespaces);
    this.#reportNamespaces();
    return this.#ns.usable.join(",") !== before;
  }

  /**
   * Waits for `host`'s handshake. Null when it came; a new host when this one failed to start
   * in the namespaces assumed at first and a probe found others that work (never for a spare
   * or after the run finished); otherwise the start failure is thrown.
   */
  async #ready(host: HostProcess, g: GroupPlan, spare: HostProcess | undefined): Promise<HostProcess | null> {
    try {
      await host.ready;
      return null;
    } catch (e) {
      if (!spare && this.#renegotiateNamespaces() && !this.#finished) return this.#spawn(g.id);
      throw e;
    }
  }

  /**
   * Wires and configures the host of group `g` with the link ends in `resources`: `spare` (a
   * standby host, already running), the host spawned early for it, or a new one. The
   * configure request goes out at once — the host reads it when it has booted — unless a
   * cgroup must hold the host first. `since`: when this start began (for the report).
   */
  async #startHost(g: GroupPlan, resources: Map<string, LinkResources>, spare?: HostProcess, since = performance.now()): Promise<HostProcess> {
    let host = spare ?? this.#early.get(g.id) ?? this.#spawn(g.id);
    this.#early.delete(g.id);
    this.hosts.set(g.id, host);
    let reply: { sandbox: SandboxApplied; setupMs?: number };
    let cgroupNote = "";
    for (;;) {
      this.#wire(host, g);
      // A cgroup is joined between the handshake and any element code: wait for it.
      if (this.#cgroupOk) {
        const respawned = await this.#ready(host, g, spare);
        if (respawned !== null) {
          host = respawned;
          continue;
        }
        cgroupNote = this.#joinCgroup(host);
      }
      if (this.#finished) throw this.#failure ?? new PipelineError(`${this.pipeline.name} was stopped`, this.pipeline.name);
      const configured = this.#configure(host, g, resources);
      configured.catch(() => {}); // a host that did not start is reported through `ready` below
      const respawned = await this.#ready(host, g, spare);
      if (respawned !== null) {
        host = respawned;
        continue;
      }
      reply = await configured;
      break;
    }
    if (this.#nsAssumed) {
      // A host runs inside them: no need to probe in this process any more.
      confirmNamespaceSupport(this.opts.sandbox.namespaces, this.#ns);
      this.#nsAssumed = false;
    }
    if (!this.#cgroupOk) cgroupNote = `not applied: ${(this.report.cgroup as { reason: string }).reason}`;
    let seen = { namespaces: [] as NamespaceName[], noNewPrivs: reply.sandbox.noNewPrivs, seccompFilters: 0 };
    try {
      const v = verifySandbox(host.pid);
      seen = { namespaces: v.namespaces, noNewPrivs: v.noNewPrivs, seccompFilters: v.seccompFilters };
    } catch {
      // the host is already gone; its death is handled on its own
    }
    const restarts = this.#restarts.get(g.id) ?? 0;
    const proc: ProcessReport = {
      group: g.id,
      elements: g.elements.map((e) => e.name),
      pid: host.pid,
      startMs: Math.round((performance.now() - since) * 10) / 10,
      timing: { handshakeMs: Math.round(host.startMs * 10) / 10, bootMs: host.bootMs, setupMs: reply.setupMs ?? null },
      sandbox: {
        namespaces: seen.namespaces,
        noNewPrivs: seen.noNewPrivs,
        seccomp: reply.sandbox.seccomp,
        seccompFilters: seen.seccompFilters,
        allowedSyscalls: reply.sandbox.allowed,
        rlimits: reply.sandbox.rlimits,
        cgroup: cgroupNote,
      },
      restarts,
    };
    const at = this.report.processes.findIndex((p) => p.group === g.id);
    if (at >= 0) this.report.processes[at] = proc;
    else this.report.processes.push(proc);
    const rl = Object.entries(reply.sandbox.rlimits).map(([k, v]) => `${k}=${v}`).join(" ");
    this.pipeline.bus.post({
      type: "info",
      source: g.elements[0]!.name,
      message:
        `${g.elements.map((e) => e.name).join(", ")} run${g.elements.length === 1 ? "s" : ""} in element host ${g.id} (pid ${host.pid}, started in ${proc.startMs} ms): ` +
        `namespaces ${seen.namespaces.join(",") || "none"}; no_new_privs ${seen.noNewPrivs ? "on" : "off"}; ` +
        `seccomp ${reply.sandbox.seccomp === "filter" ? `filter (${reply.sandbox.allowed} system calls allowed, others EPERM)` : reply.sandbox.seccomp}; ` +
        `rlimits ${rl || "none"}; cgroup ${cgroupNote}`,
    });
    return host;
  }

  #wire(host: HostProcess, g: GroupPlan): void {
    const ch = host.channel;
    const l = this.#listener(g.id, host);
    ch.on("bus", (w) => l.bus(fromWire(w)));
    ch.on("eos", () => l.eos());
    ch.on("violation", (d) => l.violation(d.link, d.reason));
    ch.on("drained", (d) => l.drained(d.link, d.lastSequence, d.received));
    ch.on("released", (d) => l.released(d.link));
    host.onDied = (exit) => this.#died(g, host, exit);
  }

  /** Events from one process's partition (the application's, or a host's). */
  #listener(group: string, host?: HostProcess): PartitionListener {
    const current = () => host === undefined || this.hosts.get(group) === host;
    return {
      bus: (m: Message) => {
        if (!current() || this.#finished) return;
        this.pipeline.bus.post(m);
        if (m.type === "error") this.#fail(m, false);
      },
      eos: () => {
        if (!current()) return;
        this.#eos.add(group);
        this.#checkDone();
      },
      violation: (link, reason) => this.#violation(group, link, reason),
      drained: (link, lastSequence) => this.#drained(link, lastSequence),
      released: (link) => this.#released(link),
    };
  }

  #checkDone(): void {
    const plan = this.plan;
    if (!plan || this.#finished) return;
    const needed = plan.groups.filter((g) => g.elements.length > 0).map((g) => g.id);
    if (needed.every((id) => this.#eos.has(id))) {
      for (const p of this.#pending.values()) this.#reportRestart(p, true);
      this.#finished = true;
      this.#settle?.resolve();
    }
  }

  /** Fails the run with `m` (posted on the bus unless it came from there). */
  #fail(m: ErrorMessage, post = true): void {
    if (this.#finished) return;
    if (post) this.pipeline.bus.post(m);
    this.#firstError ??= m;
    const e = this.#firstError;
    this.#failure = new PipelineError(`${e.source}: ${e.message}${e.debug ? `\n  (${e.debug})` : ""}`, e.source, e);
    this.#finished = true;
    this.#hooks?.setState("error");
    this.#settle?.reject(this.#failure);
  }

  // ---- supervision ------------------------------------------------------------------------

  #startMonitor(): void {
    const hb = this.opts.heartbeat;
    this.#monitor = setInterval(() => {
      const now = performance.now();
      for (const h of this.hosts.values()) {
        if (h.state !== "running") continue;
        const silent = now - h.lastSeen;
        if (silent > hb.timeoutMs) h.kill(`hung: no heartbeat for ${Math.round(silent)} ms (the limit is ${hb.timeoutMs} ms)`);
      }
    }, Math.max(10, Math.min(hb.intervalMs, hb.timeoutMs / 4)));
  }

  #died(g: GroupPlan, host: HostProcess, exit: HostExit): void {
    // A host that never finished its handshake is reported by the start that waited for it.
    if (this.#finished || this.hosts.get(g.id) !== host || !host.handshaken) return;
    const who = g.elements.map((e) => e.name).join(", ");
    if (this.#eos.has(g.id)) {
      this.pipeline.bus.post({ type: "warning", source: g.elements[0]!.name, domain: "core", message: `${who}: element host ${g.id} (pid ${host.pid}) ${exit.reason} after it had finished (EOS); nothing was lost` });
      return;
    }
    const n = this.#restarts.get(g.id) ?? 0;
    const max = this.opts.restart.maxRestarts;
    if (n >= max) {
      const policy = max === 0 ? "there is no restart policy (set isolation.restart.maxRestarts to replace a dead host)" : `the restart policy is exhausted (${max} restart${max === 1 ? "" : "s"} allowed, ${n} done)`;
      this.#fail({
        type: "error",
        source: g.elements[0]!.name,
        domain: "core",
        message: `${who}: its isolated process (element host ${g.id}, pid ${host.pid}) died: ${exit.reason}; ${policy}`,
        debug: host.stderrTail.trim().split("\n").slice(-5).join("\n") || undefined,
      });
      return;
    }
    this.#restarts.set(g.id, n + 1);
    const noticed = performance.now();
    this.#queue = this.#queue.then(() => this.#restart(g, host, exit, n + 1, noticed)).catch((e: unknown) => {
      this.#fail({ type: "error", source: g.elements[0]!.name, domain: "core", message: `${who}: could not restart element host ${g.id}: ${(e as Error).message}` });
    });
  }

  async #restart(g: GroupPlan, dead: HostProcess, exit: HostExit, n: number, noticed: number): Promise<void> {
    const backoffMs = Math.min(this.opts.restart.backoffMs * 2 ** (n - 1), this.opts.restart.maxBackoffMs);
    await sleep(backoffMs);
    if (this.#finished) return;
    void dead.close(0);
    const plan = this.plan!;
    const inputs = plan.links.filter((l) => l.to === g);
    const outputs = plan.links.filter((l) => l.from === g);
    const p: PendingRestart = {
      record: {
        group: g.id,
        elements: g.elements.map((e) => e.name),
        pid: dead.pid,
        reason: exit.reason,
        restart: n,
        maxRestarts: this.opts.restart.maxRestarts,
        backoffMs,
        lost: [],
        lostCount: 0,
        redelivered: 0,
        newPid: null,
        downMs: null,
      },
      outputs,
      inputs,
      unreturned: new Map(),
      lastOut: new Map(),
      undrained: new Set(outputs.map((l) => l.id)),
      unreleased: new Set(outputs.map((l) => l.id)),
      relinked: false,
      reported: false,
    };
    for (const l of outputs) this.#pending.set(l.id, p);
    const resources = new Map([...inputs, ...outputs].map((l) => [l.id, LinkResources.create(`${l.id}#${n}`)]));
    try {
      for (const l of inputs) {
        const r = (await this.#relinkEnd(l.from.id, l.id, "out", resources.get(l.id)!.producer())) as RelinkReport;
        if (r.role === "out") {
          p.unreturned.set(l.id, r.unreturned);
          p.record.redelivered += r.redelivered;
        }
      }
      for (const l of outputs) await this.#relinkEnd(l.to.id, l.id, "in", resources.get(l.id)!.consumer());
      if (outputs.length === 0) await this.#releaseInputs(p);
      const host = await this.#startHost(g, resources, (await this.#takeStandby()) ?? undefined);
      this.#prepareStandby();
      p.record.newPid = host.pid;
      await host.channel.request("start", {});
      p.record.downMs = Math.round(performance.now() - noticed);
      p.relinked = true;
    } finally {
      for (const r of resources.values()) r.close();
    }
    this.#reportRestart(p, false);
  }

  /** Starts a spare host in the background while restarts remain allowed. */
  #prepareStandby(): void {
    if (this.#standby !== null || this.#finished) return;
    const left = [...this.plan!.groups].some((g) => g.isolated && (this.#restarts.get(g.id) ?? 0) < this.opts.restart.maxRestarts);
    if (!left) return;
    this.#standby = HostProcess.spawn({ group: "standby", namespaces: this.#ns.usable, startTimeoutMs: this.opts.startTimeoutMs }).catch(() => null);
  }

  /** The spare host if it is alive (the caller owns it), or null. */
  async #takeStandby(): Promise<HostProcess | null> {
    const s = this.#standby;
    this.#standby = null;
    const host = s === null ? null : await s;
    if (host !== null && host.state !== "running") {
      void host.close(0);
      return null;
    }
    return host;
  }

  /** Tells the surviving end of `link` (in `group`) to switch to new fds. */
  async #relinkEnd(group: string, link: string, role: "in" | "out", fds: LinkEndFds): Promise<RelinkReport> {
    if (group === APP_GROUP) {
      const local = this.#local!;
      const r = local.relink(link, dupEnd(fds));
      return r === null ? { role: "in" } : { role: "out", unreturned: r.unreturned, redelivered: r.redelivered };
    }
    const host = this.hosts.get(group);
    if (!host) throw new Error(`no host for group ${group}`);
    return (await host.channel.request("relink", { link, role, fds: [0, 1, 2, 3], fdCount: 4 }, { fds: endFdList(fds) })) as RelinkReport;
  }

  #drained(link: string, lastSequence: number | null): void {
    const p = this.#pending.get(link);
    if (!p) return;
    p.lastOut.set(link, lastSequence);
    p.undrained.delete(link);
    if (p.relinked) this.#reportRestart(p, false);
  }

  #released(link: string): void {
    const p = this.#pending.get(link);
    if (!p) return;
    p.unreleased.delete(link);
    if (p.unreleased.size === 0) {
      for (const l of p.outputs) if (this.#pending.get(l.id) === p) this.#pending.delete(l.id);
      void this.#releaseInputs(p);
    }
  }

  /** Nobody downstream reads what the dead host had taken any more: free it upstream. */
  async #releaseInputs(p: PendingRestart): Promise<void> {
    for (const l of p.inputs) {
      try {
        if (l.from.id === APP_GROUP) this.#local?.releaseQuarantine(l.id);
        else await this.hosts.get(l.from.id)?.channel.request("release", { link: l.id });
      } catch {
        // that host is gone too; its own death is being handled
      }
    }
  }

  /** Posts the restart warning once everything needed to say what was lost is known. */
  #reportRestart(p: PendingRestart, force: boolean): void {
    if (p.reported || !p.relinked || (p.undrained.size > 0 && !force)) return;
    p.reported = true;
    const r = p.record;
    const outs = [...p.lastOut.values()];
    let total = 0;
    for (const [link, seqs] of p.unreturned) {
      const lost = seqs.filter((s) => p.outputs.length === 0 || outs.length < p.outputs.length || outs.some((o) => o === null || s > o));
      if (lost.length > 0) r.lost.push({ link, sequences: lost });
      total += lost.length;
    }
    r.lostCount = total;
    this.report.restarts.push(r);
    const proc = this.report.processes.find((x) => x.group === r.group);
    if (proc) proc.restarts = r.restart;
    const who = r.elements.join(", ");
    const lostText =
      total === 0
        ? "No buffer was lost"
        : `Lost ${total} buffer${total === 1 ? "" : "s"}: ${r.lost.map((x) => `sequence${x.sequences.length === 1 ? "" : "s"} ${formatSequences(x.sequences)} from ${x.link.split("->")[0]}`).join("; ")} (taken by ${who} and never delivered downstream)`;
    const sourceNote = p.inputs.length === 0 ? ` ${who} is a source: the new process produces its stream again from the start.` : "";
    this.pipeline.bus.post({
      type: "warning",
      source: g0(r),
      domain: "core",
      message:
        `${who}: element host ${r.group} (pid ${r.pid}) died: ${r.reason}. Restarted it (restart ${r.restart} of ${r.maxRestarts}${r.newPid !== null ? `, new pid ${r.newPid}` : ""}${r.downMs !== null ? `, running again ${r.downMs} ms later, ${r.backoffMs} ms of it backoff` : ""}). ` +
        `${lostText}.${r.redelivered > 0 ? ` ${r.redelivered} buffer${r.redelivered === 1 ? "" : "s"} it had not read yet went to the new process.` : ""}${sourceNote}`,
    });
    this.pipeline.bus.post({ type: "element", source: g0(r), name: "isolation-restart", data: r });
  }

  /** A link end reported a protocol violation by the other end: cut that process off. */
  #violation(reporter: string, link: string, reason: string): void {
    const l = this.plan?.links.find((x) => x.id === link);
    if (!l || this.#finished) return;
    const offender = l.from.id === reporter ? l.to : l.from;
    if (offender.id === APP_GROUP) {
      this.#fail({ type: "error", source: l.src.element.name, domain: "core", message: `the application's end of link ${link} broke the link protocol: ${reason}` });
      return;
    }
    const host = this.hosts.get(offender.id);
    host?.kill(`cut off: it broke the link protocol on ${link} (${reason})`);
  }

  // ---- control ------------------------------------------------------------------------------

  /** EOS from every source, in every process (Ctrl-C). */
  sendEos(): void {
    this.#local?.sendEos();
    for (const h of this.hosts.values()) if (h.state === "running") h.channel.request("eos", {}).catch(() => {});
  }

  /** Ends the run at once (no EOS). */
  stop(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#failure = new PipelineError(`${this.pipeline.name} was stopped`, this.pipeline.name);
    this.#settle?.reject(this.#failure);
  }

  async #teardown(): Promise<void> {
    this.#finished = true;
    if (this.#monitor) clearInterval(this.#monitor);
    this.#monitor = null;
    await this.#queue.catch(() => {});
    const spare = this.#standby;
    this.#standby = null;
    const closing: Promise<unknown>[] = [...this.hosts.entries()].map(async ([group, h]) => {
      const exit = await h.close(this.opts.closeTimeoutMs);
      const proc = this.report.processes.find((x) => x.group === group);
      if (proc) proc.exit = exit.reason;
    });
    if (this.#local) closing.push(this.#local.close());
    if (spare !== null) closing.push(spare.then((h) => h?.close(this.opts.closeTimeoutMs)));
    await Promise.allSettled(closing);
    for (const l of this.#grants.values()) for (const g of l) closeQuietly(g.fd);
    this.#grants.clear();
  }
}

function g0(r: RestartRecord): string {
  return r.elements[0] ?? r.group;
}

/** Copies of an end's fds for the application's partition, which takes ownership of them. */
function dupEnd(fds: LinkEndFds): LinkEndFds {
  return { ring: dup(fds.ring), socket: dup(fds.socket), dataBell: dup(fds.dataBell), spaceBell: dup(fds.spaceBell) };
}

/** A bus message back from its wire form. */
export function fromWire(w: WireBusMessage): Message {
  switch (w.type) {
    case "error":
      return { type: "error", source: w.source, domain: (w.domain ?? "core") as ErrorMessage["domain"], message: w.message ?? "", debug: w.debug, cause: w.cause };
    case "warning":
      return { type: "warning", source: w.source, domain: (w.domain ?? "core") as ErrorMessage["domain"], message: w.message ?? "", debug: w.debug };
    case "info":
      return { type: "info", source: w.source, message: w.message ?? "" };
    case "element":
      return { type: "element", source: w.source, name: w.name ?? "", data: w.data };
    case "qos":
      return { type: "qos", source: w.source, dropped: w.dropped ?? 0, lateness: w.lateness ?? 0 };
    case "latency":
      return { type: "latency", source: w.source, latency: w.latency ?? 0 };
    case "stream-start":
      return { type: "stream-start", source: w.source };
  }
}

/** The graph checks Pipeline.prepare makes, before anything is spawned. */
function checkGraph(p: Pipeline): void {
  if (p.elements.length === 0) throw new PipelineError(`${p.name} is empty`, p.name);
  for (const el of p.elements) {
    for (const pad of el.pads) {
      if (pad.peer && !p.elements.includes(pad.peer.element)) {
        throw new PipelineError(`${pad.path} is linked to ${pad.peer.path}, which is not in ${p.name}: add it first`, el.name);
      }
      if (!pad.peer && pad.template.presence === "always") {
        throw new PipelineError(`${pad.path} is not linked: every ${pad.direction} pad of ${el.name} must be linked (link it, or remove ${el.name})`, el.name);
      }
    }
  }
}

/**
 * Runs `pipeline` with isolation (what Pipeline.run({ isolation }) calls). Resolves with the
 * report at EOS; rejects with a PipelineError naming the element on failure.
 */
export async function runIsolation(pipeline: Pipeline, option: IsolationOption, hooks: PipelineHooks, signal?: AbortSignal): Promise<IsolationReport> {
  return new IsolatedRun(pipeline, option).run(hooks, signal);
}

/**
 * Checks, negotiates and plans without starting anything, and describes the plan for people
 * (`parallax launch --isolate … --dry-run`). Throws what the run would throw before spawning.
 */
export function describePlan(pipeline: Pipeline, option: IsolationOption): string {
  const opts = normalizeOptions(option);
  checkGraph(pipeline);
  negotiate(pipeline.elements);
  const plan = planIsolation(pipeline.elements, opts, pipeline.registry);
  const lines = [`execution: ${opts.mode}${opts.patterns.length ? ` (${opts.patterns.join(", ")})` : ""}`];
  for (const g of plan.groups) {
    if (g.elements.length === 0) continue;
    lines.push(`  ${g.isolated ? `element host ${g.id}` : "application process"}: ${g.elements.map((e) => e.name).join(", ")}`);
  }
  for (const l of plan.links) lines.push(`  link ${l.id} (${l.from.id} → ${l.to.id}): ${l.caps}`);
  for (const p of plan.pinned) lines.push(`  kept in the application process: ${p.element} (${p.reason})`);
  return lines.join("\n");
}
