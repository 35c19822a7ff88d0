/**
 * The plan of an isolated run: which elements run in which process, and which links cross
 * from one process to another.
 *
 * Groups. The application's own process is the group "app". In isolated mode every other
 * element gets a group of its own; in grouped mode, elements matching a pattern are isolated
 * and linked matching elements share one group (a connected component: `dec ! conv` with both
 * matching is one process, not two). Explicit groups (`groups: { codecs: ["dec0", "enc0"] }`)
 * come first and always mean a separate process.
 *
 * Some elements cannot leave the application's process, and the plan says so with the reason
 * instead of silently keeping them: appsrc and appsink (the application pushes into and pulls
 * from them), and elements with an API callback set (signal-handoffs). Asking for one of them
 * by pattern or group is an error; isolated mode lists them in `pinned`. Elements that add pads
 * at run time (demuxers) cannot be isolated yet: the supervisor creates links before data flows.
 * An element class the host cannot make by factory name (not registered, and no module given)
 * is an error too, found here, before any process starts.
 */
import type { Caps } from "../caps/index.ts";
import type { Element } from "../graph/element.ts";
import type { Pad } from "../graph/pad.ts";
import type { Registry } from "../registry.ts";
import { globMatch, IsolationOptionsError, type ExecutionMode, type ResolvedOptions } from "./options.ts";

/** The application's process. */
export const APP_GROUP = "app";
/** Factories whose elements must stay in the application's process, and why. */
export const PINNED_FACTORIES: Readonly<Record<string, string>> = {
  appsrc: "the application pushes buffers into it from its own process",
  appsink: "the application pulls buffers out of it in its own process",
};

export type GroupPlan = { id: string; elements: Element[]; isolated: boolean };
export type CrossLink = {
  /** "src.pad->sink.pad" */
  id: string;
  src: Pad;
  sink: Pad;
  from: GroupPlan;
  to: GroupPlan;
  /** What the whole graph allows on the link, and the caps it fixed. */
  allowed: Caps;
  caps: Caps;
};
export type Pinned = { element: string; reason: string };
export type Plan = { mode: ExecutionMode; groups: GroupPlan[]; links: CrossLink[]; pinned: Pinned[] };

function pinReason(el: Element): string | null {
  const f = PINNED_FACTORIES[el.factoryName];
  if (f) return f;
  const cb = (el as unknown as { onHandoff?: unknown }).onHandoff;
  const p = el.props as { signalHandoffs?: boolean };
  if (typeof cb === "function" && p.signalHandoffs === true) return "it calls the application's onHandoff callback";
  return null;
}

function matches(patterns: readonly string[], el: Element): boolean {
  return patterns.some((p) => globMatch(p, el.factoryName) || globMatch(p, el.name));
}

/**
 * Cuts `elements` into process groups and lists the cross-process links. Caps come from the
 * pads (negotiate the whole graph first). Throws IsolationOptionsError for a request that
 * cannot be honoured (see the file header).
 */
export function planIsolation(elements: readonly Element[], opts: ResolvedOptions, registry: Registry): Plan {
  const byName = new Map(elements.map((e) => [e.name, e]));
  const groupOf = new Map<Element, GroupPlan>();
  const groups: GroupPlan[] = [];
  const app: GroupPlan = { id: APP_GROUP, elements: [], isolated: false };
  groups.push(app);
  const pinned: Pinned[] = [];

  const isolate = (el: Element, why: string): void => {
    const reason = pinReason(el);
    if (reason !== null) throw new IsolationOptionsError(`${el.name} (${el.factoryName}) cannot be isolated (${why}): ${reason}; leave it out of the isolated set`);
    if (el.meta.pads.some((t) => t.presence === "sometimes")) {
      throw new IsolationOptionsError(`${el.name} (${el.factoryName}) adds pads while it runs, and such elements cannot be isolated yet (links across processes are made before data flows); run it in the application's process`);
    }
    const cls = registry.get(el.factoryName);
    if (cls !== el.constructor && opts.modules.length === 0) {
      throw new IsolationOptionsError(
        `${el.name} cannot be isolated: an element host makes elements by factory name, and "${el.factoryName}" is ${cls ? "registered to another class" : "not registered"}; register the class in a module and pass that module in isolation.modules`,
      );
    }
  };

  // Explicit groups first.
  for (const [id, names] of Object.entries(opts.groups)) {
    if (id === APP_GROUP) throw new IsolationOptionsError(`"${APP_GROUP}" is the application's own process; give the group another name`);
    const g: GroupPlan = { id, elements: [], isolated: true };
    for (const n of names) {
      const el = byName.get(n);
      if (!el) throw new IsolationOptionsError(`group "${id}" names "${n}", which is not in the pipeline (elements: ${[...byName.keys()].join(", ")})`);
      if (groupOf.has(el)) throw new IsolationOptionsError(`${n} is in two groups ("${groupOf.get(el)!.id}" and "${id}")`);
      isolate(el, `group "${id}"`);
      g.elements.push(el);
      groupOf.set(el, g);
    }
    if (g.elements.length > 0) groups.push(g);
  }

  const wanted = new Set<Element>();
  for (const el of elements) {
    if (groupOf.has(el)) continue;
    if (opts.mode === "isolated") {
      const reason = pinReason(el);
      if (reason !== null) {
        pinned.push({ element: el.name, reason });
        continue;
      }
      isolate(el, "isolated mode");
      wanted.add(el);
    } else if (opts.mode === "grouped" && matches(opts.patterns, el)) {
      isolate(el, `it matches ${opts.patterns.filter((p) => globMatch(p, el.factoryName) || globMatch(p, el.name)).join(", ")}`);
      wanted.add(el);
    }
  }

  if (opts.mode === "isolated") {
    for (const el of wanted) {
      const g: GroupPlan = { id: el.name, elements: [el], isolated: true };
      groups.push(g);
      groupOf.set(el, g);
    }
  } else {
    // Connected components of the matching elements.
    for (const el of wanted) {
      if (groupOf.has(el)) continue;
      const g: GroupPlan = { id: "", elements: [], isolated: true };
      const stack = [el];
      while (stack.length > 0) {
        const x = stack.pop()!;
        if (groupOf.has(x)) continue;
        groupOf.set(x, g);
        g.elements.push(x);
        for (const p of x.pads) if (p.peer && wanted.has(p.peer.element) && !groupOf.has(p.peer.element)) stack.push(p.peer.element);
      }
      g.elements.sort((a, b) => elements.indexOf(a) - elements.indexOf(b));
      g.id = g.elements.map((e) => e.name).join("+");
      groups.push(g);
    }
  }

  for (const el of elements) {
    if (!groupOf.has(el)) {
      app.elements.push(el);
      groupOf.set(el, app);
    }
  }
  if (groups.length === 1) {
    const what = opts.mode === "grouped" ? `no element matches ${opts.patterns.join(", ")}` : "every element must stay in the application's process";
    throw new IsolationOptionsError(`nothing to isolate: ${what} (elements: ${elements.map((e) => `${e.name} (${e.factoryName})`).join(", ")})`);
  }

  const links: CrossLink[] = [];
  for (const el of elements) {
    for (const src of el.pads) {
      if (src.direction !== "src" || src.peer === null) continue;
      const from = groupOf.get(el)!;
      const to = groupOf.get(src.peer.element);
      if (!to) throw new IsolationOptionsError(`${src.path} is linked to ${src.peer.path}, which is not in the pipeline`);
      if (from === to) continue;
      const caps = src.caps ?? src.template.caps;
      links.push({ id: `${src.path}->${src.peer.path}`, src, sink: src.peer, from, to, allowed: src.allowed ?? caps, caps });
    }
  }
  return { mode: opts.mode, groups, links, pinned };
}
