/**
 * Partitioner: decides which elements run in real-time partitions and how the graph is cut.
 *
 * An element can be placed in a partition when
 *   - it declares itself real-time safe (`meta.scheduling.rtSafe`: no allocation, await or I/O
 *     per buffer) and does not ask for the event loop (`affinity !== "async"`);
 *   - it carries no application callback (a function-valued `on…` property such as fakesink's
 *     onHandoff): callbacks run on the event loop, where the application lives;
 *   - the Worker can recreate it: its class is registered under its factory name (the Worker
 *     creates elements from factory name + properties; classes registered by the application
 *     must come from a module listed in `rt.modules`).
 * Hybrid mode places every placeable element and leaves the rest on the event loop, saying why
 * (`Plan.placements`). Realtime mode requires every element to be placeable (checked by the
 * executor, which refuses to prepare otherwise).
 *
 * Partitions are the connected parts of the placed elements (following links both ways).
 * Each partition goes to a Worker (spread over at most `rt.workers`, largest first onto the
 * least loaded). Every link between a placed and an unplaced element becomes a bridge, in the
 * link's direction: "in" (event loop → partition) or "out" (partition → event loop). Two
 * partitions are never linked directly (they would be one). The partition's nodes (elements
 * and bridge endpoints) are put in topological order: the activation records' order.
 *
 * Thread: the event loop (planning happens in Pipeline.prepare, after negotiation).
 */
import type { Element } from "../graph/element.ts";
import type { Pad } from "../graph/pad.ts";
import { Source } from "../graph/source.ts";
import type { Registry } from "../registry.ts";
import type { RtConfig, SchedulingMode } from "./config.ts";

export type PlannedBridge = {
  id: number;
  partition: number;
  direction: "in" | "out";
  /** The event loop's pad: a src pad for "in", a sink pad for "out". */
  outside: Pad;
  /** The partition's pad: a sink pad for "in", a src pad for "out". */
  inside: Pad;
  /** The endpoint node's name inside the partition. */
  node: string;
};

export type PlannedPartition = {
  id: number;
  worker: number;
  elements: Element[];
  /** Links inside the partition: [src pad, sink pad]. */
  links: [Pad, Pad][];
  bridges: PlannedBridge[];
  /** Node names in activation order. */
  nodes: string[];
  /** A live source is in the partition (its driver is then a timer). */
  live: boolean;
};

export type Plan = {
  mode: SchedulingMode;
  /** Why each element stays on the event loop (null: placed in a partition). */
  placements: Map<Element, string | null>;
  partitions: PlannedPartition[];
  bridges: PlannedBridge[];
  /** Workers used (≤ rt.workers, ≤ partitions). */
  workers: number;
};

/** Null when `el` can run in a partition, else why not (for messages). */
export function placementReason(el: Element, registry: Registry): string | null {
  const s = el.meta.scheduling;
  if (s.affinity === "async") return "its affinity is async (it needs the event loop)";
  if (!s.rtSafe) return s.affinity === "realtime" ? "it asks for real-time but is not declared rtSafe" : "it is not declared rtSafe";
  for (const [k, v] of Object.entries(el)) {
    if (/^on[A-Z]/.test(k) && typeof v === "function") return `it has an application callback (${k}), which runs on the event loop`;
  }
  if (registry.get(el.factoryName) !== el.constructor) {
    return `its class is not registered as "${el.factoryName}", so a Worker cannot create it by name`;
  }
  return null;
}

/** Plans partitions and bridges for `elements` (already linked and negotiated). */
export function planPartitions(elements: readonly Element[], mode: SchedulingMode, rt: RtConfig, registry: Registry): Plan {
  const placements = new Map<Element, string | null>();
  for (const el of elements) placements.set(el, mode === "async" ? "the scheduling mode is async" : placementReason(el, registry));
  const placed = (el: Element) => placements.get(el) === null;

  // Connected parts of the placed elements.
  const partOf = new Map<Element, number>();
  const parts: Element[][] = [];
  for (const el of elements) {
    if (!placed(el) || partOf.has(el)) continue;
    const id = parts.length;
    const members: Element[] = [];
    const stack = [el];
    partOf.set(el, id);
    while (stack.length > 0) {
      const e = stack.pop()!;
      members.push(e);
      for (const p of e.pads) {
        const n = p.peer?.element;
        if (n && placed(n) && !partOf.has(n)) {
          partOf.set(n, id);
          stack.push(n);
        }
      }
    }
    // Keep the pipeline's order inside a partition (stable, readable node order).
    members.sort((a, b) => elements.indexOf(a) - elements.indexOf(b));
    parts.push(members);
  }

  const bridges: PlannedBridge[] = [];
  const partitions: PlannedPartition[] = parts.map((members, id) => {
    const links: [Pad, Pad][] = [];
    const mine: PlannedBridge[] = [];
    for (const el of members) {
      for (const p of el.pads) {
        const peer = p.peer;
        if (!peer) continue;
        const inside = placed(peer.element);
        if (p.direction === "src" && inside) links.push([p, peer]);
        else if (!inside) {
          const b: PlannedBridge = {
            id: bridges.length,
            partition: id,
            direction: p.direction === "sink" ? "in" : "out",
            outside: peer,
            inside: p,
            node: `${p.direction === "sink" ? "bridge-in" : "bridge-out"}${bridges.length}`,
          };
          bridges.push(b);
          mine.push(b);
        }
      }
    }
    return {
      id,
      worker: 0,
      elements: members,
      links,
      bridges: mine,
      nodes: topoOrder(members, links, mine),
      live: members.some((e) => e instanceof Source && e.isLive),
    };
  });

  // Spread over the Workers: largest partition first, onto the least loaded Worker.
  const workers = Math.min(rt.workers, partitions.length);
  const load = new Array<number>(workers).fill(0);
  for (const p of [...partitions].sort((a, b) => b.elements.length - a.elements.length)) {
    let w = 0;
    for (let i = 1; i < workers; i++) if (load[i]! < load[w]!) w = i;
    p.worker = w;
    load[w]! += p.elements.length;
  }
  return { mode, placements, partitions, bridges, workers };
}

/** Kahn's algorithm over elements and bridge endpoints; ties keep the given order. */
function topoOrder(members: Element[], links: [Pad, Pad][], bridges: PlannedBridge[]): string[] {
  const names = [...bridges.filter((b) => b.direction === "in").map((b) => b.node), ...members.map((e) => e.name), ...bridges.filter((b) => b.direction === "out").map((b) => b.node)];
  const edges = new Map<string, string[]>(names.map((n) => [n, []]));
  const indeg = new Map<string, number>(names.map((n) => [n, 0]));
  const add = (a: string, b: string) => {
    if (edges.get(a)!.includes(b)) return;
    edges.get(a)!.push(b);
    indeg.set(b, indeg.get(b)! + 1);
  };
  for (const [s, k] of links) add(s.element.name, k.element.name);
  for (const b of bridges) {
    if (b.direction === "in") add(b.node, b.inside.element.name);
    else add(b.inside.element.name, b.node);
  }
  const out: string[] = [];
  const ready = names.filter((n) => indeg.get(n) === 0);
  while (ready.length > 0) {
    const n = ready.shift()!;
    out.push(n);
    for (const m of edges.get(n)!) {
      const d = indeg.get(m)! - 1;
      indeg.set(m, d);
      if (d === 0) ready.push(m);
    }
  }
  if (out.length !== names.length) throw new Error("a real-time partition has a cycle");
  return out;
}
