/**
 * Bus: the out-of-band channel from elements to the application.
 *
 * Elements post messages (errors, warnings, EOS, state changes, element-specific data); the
 * application listens with typed callbacks (`bus.on("error", m => …)`) or iterates with
 * `for await (const msg of bus)`. Posting is synchronous and cheap; delivery to callbacks is
 * synchronous too (on the posting thread, which is the event loop in-process), and async
 * iterators receive every message posted after they started, in order.
 *
 * Errors carry a domain as GStreamer's do: core (the engine), library (a dependency failed),
 * resource (files, sockets, devices), stream (the data itself: decode errors, not-negotiated).
 */

export type ErrorDomain = "core" | "library" | "resource" | "stream";

export type PipelineState = "suspended" | "idle" | "running" | "error";

export type ErrorMessage = {
  type: "error";
  /** Name of the element that posted it ("pipeline" for the engine itself). */
  source: string;
  domain: ErrorDomain;
  /** For people: what went wrong and what to do. */
  message: string;
  /** For developers: details, the flow result, the system error. */
  debug?: string;
  cause?: unknown;
};
export type WarningMessage = {
  type: "warning";
  source: string;
  domain: ErrorDomain;
  message: string;
  debug?: string;
};
export type InfoMessage = { type: "info"; source: string; message: string };
export type EosMessage = { type: "eos"; source: string };
export type StateChangedMessage = {
  type: "state-changed";
  source: string;
  old: PipelineState;
  current: PipelineState;
};
export type ElementMessage = { type: "element"; source: string; name: string; data: unknown };
export type StreamStartMessage = { type: "stream-start"; source: string };
export type LatencyMessage = { type: "latency"; source: string; latency: number };
export type QosMessage = { type: "qos"; source: string; dropped: number; lateness: number };

export type Message =
  | ErrorMessage
  | WarningMessage
  | InfoMessage
  | EosMessage
  | StateChangedMessage
  | ElementMessage
  | StreamStartMessage
  | LatencyMessage
  | QosMessage;

export type MessageType = Message["type"];
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

type Listener = (msg: Message) => void;

export class Bus implements AsyncIterable<Message> {
  #listeners = new Map<string, Set<Listener>>();
  #iterators = new Set<{ queue: Message[]; wake: (() => void) | null; closed: boolean }>();
  #closed = false;

  /** Posts a message. Runs typed listeners synchronously, then feeds async iterators. */
  post(msg: Message): void {
    if (this.#closed) return;
    for (const key of [msg.type, "*"]) {
      const set = this.#listeners.get(key);
      if (set) for (const l of set) l(msg);
    }
    for (const it of this.#iterators) {
      it.queue.push(msg);
      const w = it.wake;
      if (w) {
        it.wake = null;
        w();
      }
    }
  }

  /** Listens for one message type ("*" for all). Returns a function that stops listening. */
  on<T extends MessageType>(type: T, fn: (msg: MessageOf<T>) => void): () => void;
  on(type: "*", fn: (msg: Message) => void): () => void;
  on(type: string, fn: (msg: never) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(fn as Listener);
    return () => set!.delete(fn as Listener);
  }

  /** Resolves with the next message of the given type. */
  once<T extends MessageType>(type: T): Promise<MessageOf<T>> {
    return new Promise((resolve) => {
      const off = this.on(type, (m) => {
        off();
        resolve(m);
      });
    });
  }

  /**
   * Iterates messages posted from now on until the bus is closed (when the pipeline is
   * disposed). Breaking out of the loop unsubscribes.
   */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    const it = { queue: [] as Message[], wake: null as (() => void) | null, closed: this.#closed };
    this.#iterators.add(it);
    const done = (): IteratorResult<Message> => {
      this.#iterators.delete(it);
      return { value: undefined, done: true };
    };
    return {
      next: async () => {
        while (it.queue.length === 0) {
          if (it.closed) return done();
          await new Promise<void>((r) => (it.wake = r));
        }
        return { value: it.queue.shift()!, done: false };
      },
      return: async () => done(),
    };
  }

  /** Ends all async iterations; later posts are ignored. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const it of this.#iterators) {
      it.closed = true;
      const w = it.wake;
      it.wake = null;
      w?.();
    }
  }
}
