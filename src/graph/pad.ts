/**
 * Pad: an element's connection point. Source pads push data out, sink pads receive it.
 *
 * A pad comes from a template (always, sometimes or request) that says what caps it can ever
 * carry. Linking joins a source pad to a sink pad; negotiation then fixes the caps of the link
 * before data flows (`caps`), and `allowed` keeps the whole-graph result for renegotiation.
 *
 * The data path is `srcPad.push(buffer)`: a direct, synchronous call into the peer element's
 * chain function, returning a flow result. It never awaits and allocates nothing. Ownership:
 * the callee takes the buffer, even when it returns an error.
 */
import type { Buffer } from "../buffer.ts";
import type { Caps } from "../caps/index.ts";
import { type Event, isSticky } from "../events.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import type { Element } from "./element.ts";

export type PadDirection = "src" | "sink";
export type PadPresence = "always" | "sometimes" | "request";

export type PadTemplate = {
  /** "src", "sink", or a pattern with %u / %d / %s for request and sometimes pads ("src_%u"). */
  name: string;
  direction: PadDirection;
  presence: PadPresence;
  caps: Caps;
};

export class Pad {
  peer: Pad | null = null;
  /** Fixed caps of the link, set by negotiation and by caps events. */
  caps: Caps | null = null;
  /** What the whole graph allows on this pad (negotiation's fixpoint before fixation). */
  allowed: Caps | null = null;
  #eos = false;
  #flushing = false;
  #notNegotiated = false;
  /**
   * What a push into this (sink) pad returns without reaching the element: Flow.OK (0) when
   * data is accepted, else FLUSHING, EOS or NOT_NEGOTIATED. One field, so the hot path checks
   * once.
   */
  refuse: FlowReturn = Flow.OK;

  /** Set after EOS went through; buffers after it are refused with Flow.EOS. */
  get eos(): boolean {
    return this.#eos;
  }
  set eos(v: boolean) {
    this.#eos = v;
    this.#update();
  }
  /** Set between flush-start and flush-stop: buffers are refused with Flow.FLUSHING. */
  get flushing(): boolean {
    return this.#flushing;
  }
  set flushing(v: boolean) {
    this.#flushing = v;
    this.#update();
  }
  /** Set when the last caps event was refused: buffers are refused with NOT_NEGOTIATED. */
  get notNegotiated(): boolean {
    return this.#notNegotiated;
  }
  set notNegotiated(v: boolean) {
    this.#notNegotiated = v;
    this.#update();
  }

  #update(): void {
    this.refuse = this.#flushing ? Flow.FLUSHING : this.#eos ? Flow.EOS : this.#notNegotiated ? Flow.NOT_NEGOTIATED : Flow.OK;
  }
  /** Buffers that went through this pad (for stats and graph dumps). */
  count = 0;
  /** Sticky events (stream-start, caps, segment) last seen, replayed after a relink. */
  readonly sticky = new Map<string, Event>();

  constructor(
    // biome-ignore lint: any element, whatever its property type
    readonly element: Element<any>,
    readonly name: string,
    readonly direction: PadDirection,
    readonly template: PadTemplate,
  ) {}

  /** "element.pad", as used in messages and graph dumps. */
  get path(): string {
    return `${this.element.name}.${this.name}`;
  }

  get isLinked(): boolean {
    return this.peer !== null;
  }

  /**
   * Pushes a buffer to the peer (source pads only). The callee takes the buffer. Runs on the
   * calling task; returns the peer's flow result.
   */
  push(buf: Buffer): FlowReturn {
    const peer = this.peer;
    if (peer === null) {
      buf.release();
      return Flow.NOT_LINKED;
    }
    this.count++;
    if (peer.refuse !== Flow.OK) {
      buf.release();
      return peer.refuse;
    }
    return peer.element.chain(peer, buf);
  }

  /**
   * Sends an event to the peer (downstream from a source pad; upstream from a sink pad).
   * Returns whether it was handled. Sticky events are remembered on this pad.
   */
  pushEvent(ev: Event): boolean {
    if (this.direction === "src") {
      if (isSticky(ev)) this.sticky.set(ev.type, ev);
      if (ev.type === "caps") this.caps = ev.caps;
    }
    const peer = this.peer;
    if (peer === null) return false;
    return peer.element.receiveEvent(peer, ev);
  }
}
