/**
 * Test and benchmark elements for real-time partitions, registered when this module is
 * imported. They are not built in: a pipeline that places them in a partition lists this module
 * in `rt.modules` (FIXTURES_MODULE), which is how any element that is not built in reaches a
 * data Worker — the Worker imports the module, the module registers its classes, and the
 * Worker creates the element by factory name.
 *
 * - busywait: passes buffers through; every `every`-th buffer it busy-waits `spin-us`
 *   microseconds first (an element that overruns its quantum, to provoke xruns).
 * - latencyprobe: a sink that records running time minus pts of each buffer (how long a buffer
 *   stamped with the clock by a live source took to get here) and posts the distribution as
 *   the element message "latency" at EOS. `latencyprobe-loop` is the same with affinity async
 *   (it stays on the event loop, so the measurement includes a bridge).
 *
 * Thread: whichever runs the element (event loop or data Worker).
 */
import { type Buffer, TIME_NONE } from "../buffer.ts";
import type { Event } from "../events.ts";
import { template, type ElementMeta } from "../graph/element.ts";
import type { Pad } from "../graph/pad.ts";
import { Type, type Static } from "../graph/properties.ts";
import { Sink } from "../graph/sink.ts";
import { Transform } from "../graph/transform.ts";
import { registry } from "../registry.ts";

/** The module to list in `rt.modules` so that a data Worker knows these elements. */
export const FIXTURES_MODULE = new URL("./fixtures.ts", import.meta.url).href;

export const DEFAULT_EVERY = 0;
export const DEFAULT_SPIN_US = 0;

const BusyProps = Type.Object({
  every: Type.Integer({ default: DEFAULT_EVERY, minimum: 0, description: "Spin on every N-th buffer (0 = never)" }),
  spinUs: Type.Integer({ default: DEFAULT_SPIN_US, minimum: 0, description: "Microseconds to busy-wait" }),
});

export class BusyWait extends Transform<Static<typeof BusyProps>> {
  static override meta: ElementMeta = {
    name: "busywait",
    category: "testing",
    description: "Passes buffers through, busy-waiting on every N-th one (to provoke xruns)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: BusyProps,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #count = 0;
  /** Buffers it spun on since start. */
  spins = 0;

  override start(): void {
    this.#count = 0;
    this.spins = 0;
  }

  transform(buf: Buffer): Buffer {
    const p = this.props;
    if (p.every > 0 && ++this.#count % p.every === 0) {
      this.spins++;
      const until = performance.now() + p.spinUs / 1000;
      while (performance.now() < until) {
        // busy: this is the point of the element
      }
    }
    return buf;
  }
}

const ProbeProps = Type.Object({
  sync: Type.Boolean({ default: false, description: "Render buffers at their running time" }),
});

export type LatencyReport = { count: number; minNs: number; p50Ns: number; p99Ns: number; maxNs: number; samplesNs: number[] };

export class LatencyProbe extends Sink<Static<typeof ProbeProps>> {
  static override meta: ElementMeta = {
    name: "latencyprobe",
    category: "testing",
    description: "Records running time minus pts per buffer; posts the distribution at EOS",
    pads: [template.sink("ANY")],
    properties: ProbeProps,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #samples: Float64Array = new Float64Array(1024);
  #n = 0;

  override start(): void {
    super.start();
    this.#n = 0;
  }

  render(buf: Buffer): void {
    if (buf.pts === TIME_NONE || !this.ctx) return;
    const lat = this.ctx.runningTime() - buf.pts;
    if (this.#n === this.#samples.length) {
      const bigger = new Float64Array(this.#samples.length * 2);
      bigger.set(this.#samples);
      this.#samples = bigger;
    }
    this.#samples[this.#n++] = lat;
  }

  protected override handleEvent(_pad: Pad, ev: Event): boolean {
    if (ev.type === "eos") this.postMessage("latency", this.report());
    return true;
  }

  /** The distribution so far; `samplesNs` in arrival order (to drop a warm-up, say). */
  report(): LatencyReport {
    const inOrder = Array.from(this.#samples.subarray(0, this.#n));
    const s = [...inOrder].sort((a, b) => a - b);
    const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : 0);
    return { count: s.length, minNs: s[0] ?? 0, p50Ns: at(0.5), p99Ns: at(0.99), maxNs: s[s.length - 1] ?? 0, samplesNs: inOrder };
  }
}

export class LatencyProbeLoop extends LatencyProbe {
  static override meta: ElementMeta = { ...LatencyProbe.meta, name: "latencyprobe-loop", scheduling: { affinity: "async", rtSafe: true } };
}

for (const cls of [BusyWait, LatencyProbe, LatencyProbeLoop]) {
  if (!registry.has(cls.meta.name)) registry.register(cls);
}
