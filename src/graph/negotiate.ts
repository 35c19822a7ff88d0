/**
 * Negotiation: agree on fixed caps for every link of the graph before any data flows.
 *
 * Two phases over the whole graph (not link by link as buffers arrive):
 *  1. Constrain: every pad starts with what its element can carry (`padCaps`); links intersect
 *     their two ends, elements map caps across themselves (`transformCaps`), repeated until
 *     nothing changes. The result is stored on each pad as `allowed` (kept for renegotiation).
 *  2. Fixate: links are fixed from the sources downstream (`fixateCaps`, nearest to what the
 *     source prefers), re-constraining after each choice so later links see it.
 * Memory kind travels as caps features (`video/x-raw(memory:memfd)`), so it is agreed together
 * with the format. A failure names both pads, what each offered, what narrowed each offer, and
 * the field where the intersection became empty.
 */
import { Caps } from "../caps/caps.ts";
import type { Element } from "./element.ts";
import type { Pad } from "./pad.ts";

/** Upper bound on constraint passes; real graphs settle in a handful. */
const MAX_PASSES = 64;

export class NegotiationError extends Error {
  constructor(
    message: string,
    readonly upstream: string,
    readonly downstream: string,
    readonly upstreamOffer: string,
    readonly downstreamOffer: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = "NegotiationError";
  }
}

type State = { allowed: Map<Pad, Caps>; why: Map<Pad, string> };

export function negotiate(elements: readonly Element[]): void {
  // Plain loops here and below, not flatMap/filter/some: negotiation runs in every launch, and
  // each array builtin's first call in a process costs a compilation (start-up, issue 7).
  const pads: Pad[] = [];
  for (const e of elements) for (const p of e.pads) pads.push(p);
  const st: State = { allowed: new Map(), why: new Map() };
  for (const p of pads) {
    st.allowed.set(p, p.element.padCaps(p));
    st.why.set(p, `${p.element.factoryName}'s ${p.name} pad`);
  }
  const links: Pad[] = [];
  for (const p of pads) if (p.direction === "src" && p.peer !== null) links.push(p);
  constrain(elements, links, st);
  for (const p of pads) p.allowed = st.allowed.get(p)!;

  for (const src of orderFromSources(elements, links)) {
    const cur = st.allowed.get(src)!;
    if (cur.isAny() || cur.isFixed()) continue;
    const fixed = src.element.fixateCaps(src, cur);
    st.allowed.set(src, fixed);
    st.allowed.set(src.peer!, fixed);
    st.why.set(src, `fixation of ${src.path}`);
    st.why.set(src.peer!, `fixation of ${src.path}`);
    constrain(elements, links, st);
  }
  for (const src of links) {
    const c = st.allowed.get(src)!;
    if (!c.isAny() && !c.isFixed()) {
      throw new NegotiationError(
        `could not fix caps on ${src.path} → ${src.peer!.path}: ${c} still has choices`,
        src.path,
        src.peer!.path,
        c.toString(),
        c.toString(),
        "add a caps filter that picks one value for each open field",
      );
    }
    src.caps = c;
    src.peer!.caps = c;
  }
}

function constrain(elements: readonly Element[], links: Pad[], st: State): void {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = false;
    for (const s of links) {
      const k = s.peer!;
      const a = st.allowed.get(s)!;
      const b = st.allowed.get(k)!;
      const c = a.intersect(b);
      if (c.isEmpty()) throw linkError(s, k, a, b, st);
      if (!c.isEqual(a)) {
        st.allowed.set(s, c);
        st.why.set(s, `what ${k.path} accepts`);
        changed = true;
      }
      if (!c.isEqual(b)) {
        st.allowed.set(k, c);
        st.why.set(k, `what ${s.path} offers`);
        changed = true;
      }
    }
    for (const el of elements) {
      const sinks: Pad[] = [];
      const srcs: Pad[] = [];
      for (const p of el.pads) if (p.peer) (p.direction === "sink" ? sinks : srcs).push(p);
      if (sinks.length === 0 || srcs.length === 0) continue;
      for (const [from, to] of [
        [sinks, srcs],
        [srcs, sinks],
      ] as const) {
        for (const p of from) {
          const mapped = el.transformCaps(p.direction, st.allowed.get(p)!);
          for (const q of to) {
            const before = st.allowed.get(q)!;
            const n = before.intersect(mapped);
            if (n.isEmpty()) throw elementError(el, p, q, st.allowed.get(p)!, before, st);
            if (!n.isEqual(before)) {
              st.allowed.set(q, n);
              st.why.set(q, `what ${el.name} can make of ${p.path}`);
              changed = true;
            }
          }
        }
      }
    }
    if (!changed) return;
  }
}

function hasLinkedSink(e: Element): boolean {
  for (const p of e.pads) if (p.direction === "sink" && p.peer) return true;
  return false;
}

/** Source pads with a peer, ordered from the sources downstream (breadth first). */
function orderFromSources(elements: readonly Element[], links: Pad[]): Pad[] {
  const out: Pad[] = [];
  const seen = new Set<Element>();
  const queue: Element[] = [];
  for (const e of elements) if (!hasLinkedSink(e)) queue.push(e);
  while (queue.length) {
    const el = queue.shift()!;
    if (seen.has(el)) continue;
    seen.add(el);
    for (const p of el.pads) {
      if (p.direction === "src" && p.peer) {
        out.push(p);
        queue.push(p.peer.element);
      }
    }
  }
  for (const l of links) if (!out.includes(l)) out.push(l);
  return out;
}

function linkError(s: Pad, k: Pad, a: Caps, b: Caps, st: State): NegotiationError {
  const why = a.explainMismatch(b);
  const msg = [
    `negotiation failed: ${s.path} → ${k.path} have no caps in common`,
    `  ${s.path} offers:  ${a}   (from ${st.why.get(s)})`,
    `  ${k.path} accepts: ${b}   (from ${st.why.get(k)})`,
    `  the intersection is empty${why ? ` at ${why}` : ""}`,
  ].join("\n");
  const hint = converterHint(a, b);
  return new NegotiationError(`${msg}\nhint: ${hint}`, s.path, k.path, a.toString(), b.toString(), hint);
}

function elementError(el: Element, p: Pad, q: Pad, from: Caps, to: Caps, st: State): NegotiationError {
  const mapped = el.transformCaps(p.direction, from);
  const msg = [
    `negotiation failed inside ${el.name} (${el.factoryName}): ${p.path} and ${q.path} cannot agree`,
    `  ${p.path} is limited to: ${from}   (from ${st.why.get(p)})`,
    `  ${el.name} could then produce on ${q.name}: ${mapped}`,
    `  but ${q.path} is limited to: ${to}   (from ${st.why.get(q)})`,
  ].join("\n");
  const hint = converterHint(from, to);
  return new NegotiationError(`${msg}\nhint: ${hint}`, p.path, q.path, from.toString(), to.toString(), hint);
}

function converterHint(a: Caps, b: Caps): string {
  const media = (c: Caps) => c.structures[0]?.name ?? "";
  const ma = media(a);
  const mb = media(b);
  if (ma && ma === mb && ma.startsWith("video/x-raw")) {
    return "insert videoconvert (format) and/or videoscale (size) between them, or change the caps filter";
  }
  if (ma && ma === mb && ma.startsWith("audio/x-raw")) {
    return "insert audioconvert (format, channels) and/or audioresample (rate) between them";
  }
  if (ma && mb && ma !== mb) return `${ma} cannot become ${mb} without a decoder/encoder or converter`;
  return "change the caps filter or the element properties so both sides agree";
}
