/**
 * sample-filter: keeps a sample of the buffers.
 *
 *  - `mode=every-nth`: every `n`-th buffer, starting with the first (n=1 keeps all);
 *  - `mode=first-n`: the first `n` buffers, then ends the stream: EOS goes downstream at once
 *    and upstream gets Flow.EOS, so sources stop (num-buffers for any point of a pipeline);
 *  - `mode=random`: each buffer with `probability`, from a seeded generator (mulberry32), so
 *    the same `seed` keeps the same buffers run after run.
 *
 * Counting restarts with each stream (stream-start) and after a flush.
 */
import type { Buffer } from "../../src/buffer.ts";
import { type Event, Events } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

export const DEFAULT_MODE = "every-nth";
export const DEFAULT_N = 1;
export const DEFAULT_PROBABILITY = 1;
export const DEFAULT_SEED = 0;

const Props = Type.Object({
  mode: Type.Enum(["every-nth", "first-n", "random"], { default: DEFAULT_MODE, description: "Keep every n-th buffer, the first n, or a random share" }),
  n: Type.Integer({ default: DEFAULT_N, minimum: 1, description: "The n of every-nth and first-n", mutable: true }),
  probability: Type.Number({ default: DEFAULT_PROBABILITY, minimum: 0, maximum: 1, description: "Share of buffers kept with mode=random", mutable: true }),
  seed: Type.Integer({ default: DEFAULT_SEED, minimum: 0, maximum: 4294967295, description: "Seed of the random generator (same seed, same choices)" }),
});
type P = Static<typeof Props>;

export class SampleFilter extends Transform<P> {
  static override meta: ElementMeta = {
    name: "sample-filter",
    category: "transform",
    description: "Keeps every n-th buffer, the first n, or a seeded random share",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #i = 0;
  #state = 0;
  #ended = false;
  /** Buffers dropped since start. */
  dropped = 0;

  override start(): void {
    this.#restart();
    this.#state = this.props.seed >>> 0;
    this.dropped = 0;
  }

  #restart(): void {
    this.#i = 0;
    this.#ended = false;
  }

  /** mulberry32: a small, fast, seedable generator; uniform in [0, 1). */
  #random(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  transform(buf: Buffer): Buffer | null | FlowReturn {
    const p = this.props;
    const i = this.#i++;
    let keep: boolean;
    switch (p.mode) {
      case "every-nth":
        keep = i % p.n === 0;
        break;
      case "first-n":
        if (this.#ended || i >= p.n) {
          buf.release();
          return this.#end();
        }
        keep = true;
        break;
      default:
        keep = this.#random() < p.probability;
    }
    if (keep) {
      if (p.mode === "first-n" && i === p.n - 1) {
        const flow = this.srcPad.push(buf);
        this.#end();
        return flow === Flow.OK ? Flow.EOS : flow;
      }
      return buf;
    }
    this.dropped++;
    buf.release();
    return null;
  }

  #end(): FlowReturn {
    if (!this.#ended) {
      this.#ended = true;
      this.srcPad.pushEvent(Events.eos());
    }
    return Flow.EOS;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      if (ev.type === "stream-start" || ev.type === "flush-stop") this.#restart();
      // first-n already ended the stream downstream.
      if (ev.type === "eos" && this.#ended) return true;
    }
    return this.forwardEvent(pad, ev);
  }
}
