/**
 * appsink: the application pulls buffers out of a pipeline (GStreamer's appsink).
 *
 * Bounded by default (`max-buffers`): when full, `drop=false` blocks the pushing task until the
 * application pulls (backpressure), `drop=true` drops the oldest buffer. Pull with `pull()`
 * (resolves null at EOS), `tryPull()` (no wait), or `for await (const buf of appsink)`.
 * Pulled buffers belong to the caller (release them when done to return pooled memory).
 */
import type { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Sink } from "../../src/graph/sink.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { Deque } from "../../src/runtime/deque.ts";
import type { Task } from "../../src/runtime/scheduler.ts";

export const DEFAULT_MAX_BUFFERS = 64;

const Props = Type.Object({
  caps: Type.String({ default: "ANY", description: "Caps the application accepts" }),
  maxBuffers: Type.Integer({ default: DEFAULT_MAX_BUFFERS, minimum: 1, description: "Queue limit in buffers" }),
  drop: Type.Boolean({ default: false, description: "Drop old buffers when full instead of blocking" }),
  sync: Type.Boolean({ default: false, description: "Hand buffers over at their running time" }),
});
type P = Static<typeof Props>;

export class AppSink extends Sink<P> implements AsyncIterable<Buffer> {
  static override meta: ElementMeta = {
    name: "appsink",
    category: "app",
    description: "Lets the application pull buffers out of the pipeline (bounded, with backpressure)",
    pads: [template.sink("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none; it stays in the application's process when the pipeline is isolated (the application pulls buffers out of it there)",
  };

  readonly #queue = new Deque<Buffer>(64);
  #eos = false;
  /** Set when the pipeline stopped (error, stop()) without EOS: pulls end with null too. */
  #stopped = true;
  #blocked: Task[] = [];
  #pullers: ((b: Buffer | null) => void)[] = [];
  #caps: Caps = Caps.any();
  dropped = 0;

  protected override validate(): void {
    try {
      this.#caps = Caps.parse(this.props.caps);
    } catch (err) {
      throw new PropertyError(this.name, "caps", `property "caps" of ${this.name}: ${(err as Error).message}`);
    }
  }

  override padCaps(_pad: Pad): Caps {
    return this.#caps;
  }

  /** The caps of the data, once negotiated. */
  get caps(): Caps | null {
    return this.sinkPad.caps;
  }

  get isEos(): boolean {
    return this.#eos && this.#queue.length === 0;
  }

  override start(): void {
    super.start();
    this.#eos = false;
    this.#stopped = false;
    for (const b of this.#queue.drain()) b.release();
  }

  override render(buf: Buffer): FlowReturn {
    // The base class releases after render: keep our own reference.
    const mine = buf.clone();
    const puller = this.#pullers.shift();
    if (puller) {
      puller(mine);
      return Flow.OK;
    }
    if (this.#queue.length >= this.props.maxBuffers) {
      if (this.props.drop) {
        this.#queue.shift()!.release();
        this.dropped++;
      }
    }
    this.#queue.push(mine);
    if (!this.props.drop && this.#queue.length >= this.props.maxBuffers) {
      const t = this.currentTask;
      if (t) {
        t.block();
        this.#blocked.push(t);
      }
    }
    return Flow.OK;
  }

  protected override handleEvent(_pad: Pad, ev: import("../../src/events.ts").Event): boolean {
    if (ev.type === "eos") {
      this.#eos = true;
      for (const p of this.#pullers.splice(0)) p(null);
    }
    return true;
  }

  /** The next buffer without waiting, or null if none is queued. */
  tryPull(): Buffer | null {
    const b = this.#queue.shift() ?? null;
    if (b && this.#blocked.length > 0 && this.#queue.length < this.props.maxBuffers) {
      for (const t of this.#blocked.splice(0)) t.unblock();
    }
    return b;
  }

  /** The next buffer; null once EOS has been reached and the queue is empty. */
  pull(): Promise<Buffer | null> {
    const b = this.tryPull();
    if (b) return Promise.resolve(b);
    if (this.#eos || this.#stopped) return Promise.resolve(null);
    return new Promise((r) => this.#pullers.push(r));
  }

  /** Ends waiting pulls (with null) when the pipeline stops without EOS. */
  override stop(): void {
    super.stop();
    this.#stopped = true;
    for (const p of this.#pullers.splice(0)) p(null);
    for (const t of this.#blocked.splice(0)) t.unblock();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const b = await this.pull();
      if (b === null) return;
      yield b;
    }
  }
}
