/**
 * appsrc: the application pushes buffers into a pipeline (GStreamer's appsrc).
 *
 * Bounded by default (`max-buffers`, `max-bytes`): `push(buf)` returns false when full and
 * gives the buffer back untaken (the caller still owns it); `write(buf)` awaits room
 * (backpressure); `pipeFrom(iterable)` feeds a sync or async iterable and ends the stream.
 * `endOfStream()` sends EOS after what is queued. `caps` announces the data's format. With
 * `leaky-type`, a full appsrc drops the new (upstream) or oldest (downstream) buffer instead.
 */
import { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, Source, WAIT } from "../../src/graph/source.ts";
import { Deque } from "../../src/runtime/deque.ts";

export const DEFAULT_MAX_BUFFERS = 64;
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

const Props = Type.Object({
  caps: Type.String({ default: "ANY", description: "Caps of the data the application pushes" }),
  maxBuffers: Type.Integer({ default: DEFAULT_MAX_BUFFERS, minimum: 1, description: "Queue limit in buffers" }),
  maxBytes: Type.Integer({ default: DEFAULT_MAX_BYTES, minimum: 0, description: "Queue limit in bytes (0 = none)" }),
  leakyType: Type.Enum(["none", "upstream", "downstream"], { default: "none", description: "What to drop when full" }),
  isLive: Type.Boolean({ default: false, description: "The data is live" }),
});
type P = Static<typeof Props>;

export class AppSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "appsrc",
    category: "app",
    description: "Lets the application push buffers into the pipeline (bounded, with backpressure)",
    pads: [template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none; it stays in the application's process when the pipeline is isolated (the application pushes buffers into it there)",
  };

  readonly #queue = new Deque<Buffer>(64);
  #bytes = 0;
  #eos = false;
  #roomWaiters: (() => void)[] = [];
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

  get queued(): number {
    return this.#queue.length;
  }

  #full(): boolean {
    const p = this.props;
    return this.#queue.length >= p.maxBuffers || (p.maxBytes > 0 && this.#bytes >= p.maxBytes);
  }

  /**
   * Queues a buffer without waiting. Returns false when the queue is full (and not leaky):
   * the buffer was not taken. Throws after endOfStream().
   */
  push(buf: Buffer | Uint8Array): boolean {
    if (this.#eos) throw new Error(`${this.name}: push after endOfStream()`);
    const b = buf instanceof Buffer ? buf : Buffer.wrap(buf);
    if (this.#full()) {
      const leaky = this.props.leakyType;
      if (leaky === "none") return false;
      this.dropped++;
      if (leaky === "upstream") {
        b.release();
        return true;
      }
      const old = this.#queue.shift()!;
      this.#bytes -= old.size;
      old.release();
    }
    this.#queue.push(b);
    this.#bytes += b.size;
    this.task?.wake();
    return true;
  }

  /** Queues a buffer, waiting for room. Aborting the wait leaves the buffer with the caller. */
  async write(buf: Buffer | Uint8Array): Promise<void> {
    while (!this.push(buf)) {
      await new Promise<void>((r) => this.#roomWaiters.push(r));
    }
  }

  /** Feeds every item of the iterable, then ends the stream. */
  async pipeFrom(items: Iterable<Buffer | Uint8Array> | AsyncIterable<Buffer | Uint8Array>): Promise<void> {
    for await (const b of items) await this.write(b);
    this.endOfStream();
  }

  /** Ends the stream once the queued buffers have gone out. */
  endOfStream(): void {
    this.#eos = true;
    this.task?.wake();
  }

  override start(): void {
    super.start();
  }

  override stop(): void {
    super.stop();
    for (const w of this.#roomWaiters.splice(0)) w();
  }

  override unprepare(): void {
    for (const b of this.#queue.drain()) b.release();
    this.#bytes = 0;
    this.#eos = false;
  }

  create(): CreateResult {
    const b = this.#queue.shift();
    if (b === undefined) return this.#eos ? null : WAIT;
    this.#bytes -= b.size;
    if (this.#roomWaiters.length > 0) for (const w of this.#roomWaiters.splice(0)) w();
    return b;
  }
}
