/**
 * Partition: the part of a pipeline that runs in one process, with a boundary element at each
 * pad whose link leaves the process.
 *
 * An element host builds its partition from specs (`fromSpecs`: factory names and properties,
 * made through the registry); the supervisor builds the application process's partition from
 * the user's own element objects (`fromElements`), re-linking their cross-process pads to
 * boundary elements for the length of the run and restoring them in `close()`, so appsink and
 * API callbacks keep working where the application can reach them. Either way a partition is
 * an ordinary core Pipeline: it checks and negotiates its subgraph (boundary pads offer what
 * the whole graph allowed on their link), runs its tasks, and reports through its listener:
 * bus messages (errors, warnings, element messages), EOS once all its sinks — real ones and
 * boundary sinks — are done, and what its boundary ends report (violations, drains, releases).
 *
 * Thread: the event loop of the process it lives in.
 */
import type { Message } from "../bus.ts";
import { Caps } from "../caps/index.ts";
import type { Clock } from "../clock.ts";
import type { Element } from "../graph/element.ts";
import { linkPads, Pipeline } from "../graph/pipeline.ts";
import type { Registry } from "../registry.ts";
import { BoundarySink, BoundarySrc, type BoundaryListener } from "./boundary.ts";
import { closeEnd, type LinkEndFds } from "./link.ts";
import type { ElementSpec } from "./protocol.ts";

export interface PartitionListener extends BoundaryListener {
  /** A bus message from an element of this partition (not state changes, not EOS). */
  bus(msg: Message): void;
  /** Every sink of the partition reached EOS. */
  eos(): void;
}

/** One end of a cross-process link, as this partition holds it. */
export type CrossEnd = {
  link: string;
  role: "in" | "out";
  /** "element.pad" in this partition. */
  pad: string;
  /** "element.pad" on the other side. */
  peer: string;
  allowed: string;
  caps: string;
  fds: LinkEndFds;
};

export type Boundary = BoundarySink | BoundarySrc;

export class Partition {
  readonly pipeline: Pipeline;
  readonly ends = new Map<string, Boundary>();
  readonly listener: PartitionListener;
  #restore: (() => void)[] = [];
  #closed: Promise<void> | null = null;
  #eos = false;

  private constructor(name: string, listener: PartitionListener, registry?: Registry, clock?: Clock) {
    this.pipeline = new Pipeline({ name, registry, clock });
    this.listener = listener;
    this.pipeline.bus.on("*", (m) => {
      if (m.type === "state-changed") return;
      if (m.type === "eos") {
        if (!this.#eos) {
          this.#eos = true;
          listener.eos();
        }
        return;
      }
      listener.bus(m);
    });
  }

  /**
   * An element host's partition: makes each element by factory name (through `registry`),
   * links them, and adds the boundary ends. Takes ownership of every end's fds, even on
   * failure. Throws what element creation or linking throws.
   */
  static fromSpecs(
    name: string,
    elements: readonly ElementSpec[],
    links: readonly { from: string; to: string }[],
    ends: readonly CrossEnd[],
    registry: Registry,
    listener: PartitionListener,
  ): Partition {
    const p = new Partition(name, listener, registry);
    try {
      for (const e of elements) p.pipeline.add(registry.make(e.factory, e.name, e.props));
      for (const l of links) {
        const [a, ap] = splitPad(l.from);
        const [b, bp] = splitPad(l.to);
        p.pipeline.link(p.#el(a), p.#el(b), { srcPad: ap, sinkPad: bp });
      }
      for (const end of ends) p.#addEnd(end, (boundary) => {
        const [el, pad] = splitPad(end.pad);
        if (end.role === "out") p.pipeline.link(p.#el(el), boundary, { srcPad: pad });
        else p.pipeline.link(boundary, p.#el(el), { sinkPad: pad });
      });
    } catch (e) {
      p.#dropUnusedEnds(ends);
      throw e;
    }
    return p;
  }

  /**
   * The application process's partition over the user's own elements. Each cross pad is
   * re-linked to a boundary element until close(); links among `elements` stay as they are.
   * Takes ownership of every end's fds.
   */
  static fromElements(name: string, elements: readonly Element[], ends: readonly CrossEnd[], clock: Clock, listener: PartitionListener): Partition {
    const p = new Partition(name, listener, undefined, clock);
    try {
      p.pipeline.add(...elements);
      for (const end of ends) p.#addEnd(end, (boundary) => {
        const [el, padName] = splitPad(end.pad);
        const own = elements.find((e) => e.name === el);
        const pad = padName === undefined ? undefined : own?.pad(padName);
        if (!own || !pad) throw new Error(`no pad ${end.pad} in the application's partition`);
        const before = pad.peer;
        pad.peer = null;
        const other = boundary.pads[0]!;
        if (end.role === "out") linkPads(pad, other);
        else linkPads(other, pad);
        p.#restore.push(() => {
          other.peer = null;
          pad.peer = before;
        });
      });
    } catch (e) {
      p.#dropUnusedEnds(ends);
      for (const r of p.#restore.splice(0).reverse()) r();
      throw e;
    }
    return p;
  }

  #el(name: string): Element {
    const el = this.pipeline.getElement(name);
    if (!el) throw new Error(`no element named "${name}" in partition ${this.pipeline.name}`);
    return el;
  }

  #addEnd(end: CrossEnd, link: (b: Boundary) => void): void {
    const cfg = {
      link: end.link,
      peer: end.peer,
      allowed: Caps.parse(end.allowed),
      caps: Caps.parse(end.caps),
      fds: end.fds,
      listener: this.listener,
    };
    const b = end.role === "out" ? new BoundarySink(`ipc-out[${end.link}]`, cfg) : new BoundarySrc(`ipc-in[${end.link}]`, cfg);
    this.ends.set(end.link, b);
    this.pipeline.add(b);
    link(b);
  }

  /** Ends whose boundary was never made still own their fds: close them. */
  #dropUnusedEnds(ends: readonly CrossEnd[]): void {
    for (const end of ends) {
      const b = this.ends.get(end.link);
      if (b) b.unprepare();
      else closeEnd(end.fds);
    }
  }

  /** Checks the subgraph, prepares its elements (opening files, links), negotiates. */
  prepare(): void {
    this.pipeline.prepare();
  }

  /** Data flows. */
  start(): void {
    this.pipeline.activate();
  }

  /** Sends EOS from this partition's sources (the application asked to stop cleanly). */
  sendEos(): void {
    this.pipeline.sendEos();
  }

  /** Replaces one link end after the other side's process was replaced. */
  relink(link: string, fds: LinkEndFds): { unreturned: number[]; redelivered: number } | null {
    const b = this.ends.get(link);
    if (!b) {
      closeEnd(fds);
      throw new Error(`partition ${this.pipeline.name} has no end of link ${link}`);
    }
    if (b instanceof BoundarySink) return b.relink(fds);
    b.relink(fds);
    return null;
  }

  /** Lets a producer end free what a dead consumer had taken. Returns how many buffers. */
  releaseQuarantine(link: string): number {
    const b = this.ends.get(link);
    return b instanceof BoundarySink ? b.releaseQuarantine() : 0;
  }

  /**
   * Stops, releases every resource (element files, pools, link ends) and, for the
   * application's partition, restores the user's links. Idempotent; resolves when every
   * watcher has stopped.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.pipeline.suspend();
    const waits = [...this.ends.values()].map((b) => b.closed());
    for (const r of this.#restore.splice(0).reverse()) r();
    this.pipeline.bus.close();
    this.#closed = Promise.all(waits).then(() => {});
    return this.#closed;
  }
}

function splitPad(path: string): [string, string | undefined] {
  const i = path.lastIndexOf(".");
  if (i < 0) return [path, undefined];
  return [path.slice(0, i), path.slice(i + 1)];
}
