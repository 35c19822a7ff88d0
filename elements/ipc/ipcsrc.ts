/**
 * ipcsrc: receives a stream from an `ipcsink` (or any src/ipc Producer) in another process,
 * through the Unix socket at `path`. Buffers arrive without a copy: their bytes are the
 * producer's pool memory, mapped here once per pool; releasing a buffer (the sink downstream
 * does) gives its slot back to the producer.
 *
 * The consumer may start first: ipcsrc retries until a producer listens at `path`, for up to
 * `timeout` ms (default 10 s; -1 waits for ever), then fails with what to do. The producer's
 * stream-start, caps, segment and every other event are passed on in order with the buffers
 * (ipcsrc sends no header of its own); its EOS is ipcsrc's EOS. If the producer goes away
 * before EOS — it died, or was stopped — ipcsrc fails the pipeline with a resource error
 * saying so. `caps` constrains negotiation before the producer is known (default ANY).
 */
import { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import { Flow } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, Source, WAIT } from "../../src/graph/source.ts";
import { Consumer, type ConsumerStats, DEFAULT_CONNECT_TIMEOUT_MS } from "../../src/ipc/consumer.ts";

export const DEFAULT_TIMEOUT_MS = DEFAULT_CONNECT_TIMEOUT_MS;

const Props = Type.Object({
  path: Type.String({ default: "", description: "Unix socket path of the producer (the ipcsink's path)" }),
  timeout: Type.Integer({
    default: DEFAULT_TIMEOUT_MS,
    minimum: -1,
    description: "How long to wait for the producer to appear, in ms (-1 = for ever): the consumer may start first",
  }),
  caps: Type.String({ default: "ANY", description: "Caps the producer is expected to send (for negotiation before it is connected)" }),
});
type P = Static<typeof Props>;

export class IpcSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "ipcsrc",
    category: "ipc",
    description: "Receives buffers from another process through shared memory (zero-copy)",
    pads: [template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "connect to the Unix socket at path",
  };

  #consumer: Consumer | null = null;
  #connecting: AbortController | null = null;
  #connectError: Error | null = null;
  #caps: Caps = Caps.any();

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

  /** The consumer's counters, or null before it connected. */
  stats(): ConsumerStats | null {
    return this.#consumer?.stats() ?? null;
  }

  get connected(): boolean {
    return this.#consumer !== null;
  }

  override prepare(): void {
    if (!this.props.path) throw new PropertyError(this.name, "path", `${this.name}: no socket path`, "set path= to the ipcsink's path");
  }

  override start(): void {
    super.start();
    this.#connectError = null;
    if (this.#consumer === null && this.#connecting === null) this.#connect();
  }

  #connect(): void {
    const ac = new AbortController();
    this.#connecting = ac;
    Consumer.connect(this.props.path, { timeoutMs: this.props.timeout, signal: ac.signal, name: this.name }).then(
      (c) => {
        if (ac.signal.aborted) return void c.close();
        this.#connecting = null;
        this.#consumer = c;
        this.postMessage("connected", { producerPid: c.producerPid, producer: c.producerName });
        this.#wake();
      },
      (err: Error) => {
        if (ac.signal.aborted) return;
        this.#connecting = null;
        this.#connectError = err;
        this.#wake();
      },
    );
  }

  #wake(): void {
    if (!this.#waitingConnect) return;
    this.#waitingConnect = false;
    this.task?.unblock();
  }

  /** The producer's events are the stream's header: send none of our own. */
  protected override sendHeader(): void {}

  #waitingConnect = false;

  create(): CreateResult {
    const c = this.#consumer;
    if (c === null) {
      if (this.#connectError !== null) return this.error("resource", this.#connectError.message);
      if (!this.#waitingConnect) {
        this.#waitingConnect = true;
        this.task!.block();
      }
      return WAIT;
    }
    for (;;) {
      const r = c.receive();
      if (r === null) {
        const task = this.task!;
        task.block();
        c.onReadable(() => task.unblock());
        return WAIT;
      }
      if (r instanceof Buffer) return r;
      if (r.type === "disconnected") {
        const why = r.reason === "died" ? "went away" : r.reason === "error" ? "broke the ipc protocol" : "closed the stream";
        return this.error("resource", `the producer at ${this.props.path} ${why} before end of stream; restart it, or check its errors`, r.detail);
      }
      if (r.type === "eos") return null;
      if (!this.srcPad.pushEvent(r) && r.type === "caps") return Flow.NOT_NEGOTIATED;
    }
  }

  override stop(): void {
    super.stop();
    this.#waitingConnect = false;
    this.#connecting?.abort(new Error("stopped"));
    this.#connecting = null;
  }

  override unprepare(): void {
    this.#connecting?.abort(new Error("stopped"));
    this.#connecting = null;
    const c = this.#consumer;
    this.#consumer = null;
    if (c !== null) void c.close();
  }
}
