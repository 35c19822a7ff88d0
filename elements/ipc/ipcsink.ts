/**
 * ipcsink: hands the stream to a consumer in another process (`ipcsrc`, or any program using
 * src/ipc's Consumer) through a Unix socket at `path`, without copying pooled buffers.
 *
 *   parallax launch "filesrc location=movie.raw blocksize=1048576 ! ipcsink path=/tmp/px.sock"
 *   parallax launch "ipcsrc path=/tmp/px.sock ! fakesink"
 *
 * What crosses, and what it costs: a buffer whose memory is a memfd pool slot — what every
 * Parallax source allocates, and what an ipcsrc receives — goes by reference: a 128-byte
 * descriptor in a shared ring; its pool's memfd is passed once per connection. Any other
 * buffer (heap memory from an appsrc, say) is copied once into ipcsink's own memfd pool;
 * `stats().copied` counts those copies. The slot goes back to its pool when the consumer drops
 * the buffer. Events (stream-start, caps, segment, EOS, custom…) travel in order with the
 * buffers, as do every buffer field but `meta` (in-process data that does not cross).
 *
 * No consumer. Before the first consumer connects, and after one disconnects, the
 * `on-disconnect` policy applies:
 *   block (default)  hold the stream: the pushing task waits (buffers and events queue up)
 *                    until a consumer connects, which then receives everything in order;
 *   drop             drop buffers while no one listens; the next consumer still receives the
 *                    current stream-start, caps and segment before its first buffer;
 *   error            fail the pipeline when a connected consumer goes away (before the first
 *                    connection it waits, as block does).
 * A consumer that dies — SIGKILL included — never wedges the sink: it is noticed at once, every
 * slot it held comes back to its pool, and a replacement consumer's first buffer is DISCONT.
 * EOS is passed on (the pipeline's EOS) once it has been handed to the consumer (or dropped);
 * with on-disconnect=block and nobody connected it waits too (in `parallax launch` a second
 * Ctrl-C stops at once).
 * The socket file is removed when the element is unprepared.
 */
import type { Buffer } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Sink } from "../../src/graph/sink.ts";
import { Deque } from "../../src/runtime/deque.ts";
import type { Task } from "../../src/runtime/scheduler.ts";
import { Producer, type ProducerStats } from "../../src/ipc/producer.ts";
import { DEFAULT_RING_CAPACITY } from "../../src/ipc/ring.ts";

export const DEFAULT_ON_DISCONNECT = "block";
export const DEFAULT_RING_SIZE = DEFAULT_RING_CAPACITY;

const Props = Type.Object({
  path: Type.String({ default: "", description: "Unix socket path the consumer connects to (created here, removed on close)" }),
  onDisconnect: Type.Enum(["block", "drop", "error"], {
    default: DEFAULT_ON_DISCONNECT,
    description: "With no consumer connected: block (hold the stream until one connects), drop (drop buffers), error (fail when a consumer goes away)",
  }),
  ringSize: Type.Integer({ default: DEFAULT_RING_SIZE, minimum: 4, maximum: 65536, description: "Descriptors in flight to the consumer (rounded up to a power of two)" }),
});
type P = Static<typeof Props>;

type Offer = "sent" | "dropped" | "wait";

export class IpcSink extends Sink<P> {
  static override meta: ElementMeta = {
    name: "ipcsink",
    category: "ipc",
    description: "Sends buffers to another process through shared memory (zero-copy for pooled buffers)",
    pads: [template.sink("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "create and listen on the Unix socket at path",
  };

  #producer: Producer | null = null;
  readonly #pending = new Deque<Buffer | Event>(16);
  #blocked: Task | null = null;
  #waiting = false;
  #hadConsumer = false;
  #failed = false;
  #eosSent = false;
  /** Buffers dropped (on-disconnect=drop) since start. */
  dropped = 0;

  protected override validate(): void {
    if (this.props.path.length > 107) {
      throw new PropertyError(this.name, "path", `property "path" of ${this.name} is ${this.props.path.length} bytes; Unix socket paths are limited to 107`, "use a shorter path, e.g. under /tmp or $XDG_RUNTIME_DIR");
    }
  }

  /** The producer's counters (sent by reference, copied, lent, …), or null when not prepared. */
  stats(): ProducerStats | null {
    return this.#producer?.stats() ?? null;
  }

  /** Whether a consumer is connected now. */
  get connected(): boolean {
    return this.#producer?.connected ?? false;
  }

  override prepare(): void {
    const p = this.props;
    if (!p.path) throw new PropertyError(this.name, "path", `${this.name}: no socket path`, "set path=/tmp/NAME.sock (the consumer uses the same path)");
    let cap = 4;
    while (cap < p.ringSize) cap <<= 1;
    const producer = Producer.listen(p.path, { name: this.name, capacity: cap });
    producer.onConnect = (info) => {
      this.#hadConsumer = true;
      this.postMessage("consumer-connected", { pid: info.pid, name: info.name });
      this.#flush();
    };
    producer.onDisconnect = (info) => {
      this.postMessage("consumer-disconnected", { pid: info.pid, reason: info.reason, reclaimed: info.reclaimed, unread: info.unread });
      if (this.props.onDisconnect === "error" && this.running && !this.#failed && !this.#eosSent) {
        this.#failed = true;
        this.#drop();
        this.error("resource", `the consumer (pid ${info.pid}) ${info.reason === "died" ? "died" : "disconnected"}; on-disconnect=error stops the pipeline (use block or drop to carry on)`, info.detail);
        return;
      }
      this.#flush();
    };
    this.#producer = producer;
  }

  override start(): void {
    super.start();
    this.dropped = 0;
    this.#failed = false;
    this.#eosSent = false;
  }

  /** Unused: chain() takes each buffer itself (the sink keeps it until the consumer is done). */
  render(_buf: Buffer): FlowReturn {
    return Flow.OK;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.#failed) {
      buf.release();
      return Flow.ERROR;
    }
    if (this.#pending.length === 0 && this.#offer(buf) !== "wait") {
      this.rendered++;
      return Flow.OK;
    }
    this.#pending.push(buf);
    this.#hold();
    return Flow.OK;
  }

  /** Every event goes to the consumer, in order with the buffers (flushes included). */
  override event(_pad: Pad, ev: Event): boolean {
    if (ev.type === "flush-start") {
      // Everything queued is discarded; the flush itself goes on to the consumer.
      for (let it = this.#pending.shift(); it !== undefined; it = this.#pending.shift()) if (!("type" in it)) it.release();
      this.#release();
    }
    if (this.#pending.length === 0 && this.#offer(ev) !== "wait") return true;
    this.#pending.push(ev);
    this.#hold();
    return true;
  }

  /** Tries to hand one item to the producer. */
  #offer(item: Buffer | Event): Offer {
    const producer = this.#producer;
    if (producer === null) {
      if ("type" in item) return "dropped";
      item.release();
      return "dropped";
    }
    const isEvent = "type" in item;
    const r = isEvent ? producer.trySendEvent(item) : producer.trySend(item);
    if (r === "ok") {
      if (isEvent && item.type === "eos") this.#endOfStream();
      return "sent";
    }
    if (r === "full") return "wait";
    // Nobody connected.
    if (this.props.onDisconnect !== "drop") return "wait";
    if (isEvent) {
      producer.remember(item);
      if (item.type === "eos") this.#endOfStream();
    } else {
      item.release();
      this.dropped++;
    }
    return "dropped";
  }

  #endOfStream(): void {
    this.#eosSent = true;
    this.ctx?.sinkEos(this);
  }

  /** Blocks the pushing task until the queue drains, and waits for the producer. */
  #hold(): void {
    const t = this.currentTask;
    if (t !== null && this.#blocked === null) {
      t.block();
      this.#blocked = t;
    }
    this.#waitWritable();
  }

  #waitWritable(): void {
    if (this.#waiting || this.#producer === null) return;
    this.#waiting = true;
    this.#producer.onWritable(() => {
      this.#waiting = false;
      this.#flush();
    });
  }

  /** Sends what is queued, in order, as far as the producer takes it. */
  readonly #flush = (): void => {
    if (this.#failed) return;
    for (let it = this.#pending.peek(); it !== undefined; it = this.#pending.peek()) {
      if (this.#offer(it) === "wait") {
        this.#waitWritable();
        return;
      }
      this.#pending.shift();
      if (!("type" in it)) this.rendered++;
    }
    this.#release();
  };

  #release(): void {
    const t = this.#blocked;
    this.#blocked = null;
    t?.unblock();
  }

  #drop(): void {
    for (let it = this.#pending.shift(); it !== undefined; it = this.#pending.shift()) if (!("type" in it)) it.release();
    this.#release();
  }

  override stop(): void {
    super.stop();
    this.#drop();
  }

  override unprepare(): void {
    this.#drop();
    const p = this.#producer;
    this.#producer = null;
    this.#waiting = false;
    if (p !== null) void p.close();
  }

  /** Whether a consumer ever connected since prepare. */
  get hadConsumer(): boolean {
    return this.#hadConsumer;
  }
}
