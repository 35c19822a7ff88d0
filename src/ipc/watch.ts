/**
 * FdWatch: runs a callback on the event loop whenever an fd becomes readable, without a thread
 * blocking and without polling.
 *
 * Bun exposes no "watch this fd" call, but `Bun.file(fd).stream()` reads the fd when its event
 * loop's epoll says it is readable. So an eventfd doorbell is watched by reading it through a
 * stream: each chunk is one or more rings (the counter resets on read), and the end of the
 * stream means the other end hung up (for a socket: the peer closed or died). The ipc library
 * uses it for three things: doorbells (eventfds), the liveness socket a peer holds open while
 * it lives, and the control connection on the producer's side (whose bytes are framed, see
 * protocol.ts).
 *
 * Bun reads through its own duplicate of the fd and closes it a few milliseconds after the
 * watch is cancelled; `stop()` returns a promise that settles when the reader has stopped.
 * Thread: the event loop that created it.
 */
export class FdWatch {
  #reader: ReadableStreamDefaultReader<Uint8Array> | null;
  readonly done: Promise<void>;
  #stopped = false;

  /**
   * Starts reading `fd`. `onData(bytes)` runs for every chunk read; `onEnd(error)` runs once
   * when the stream ends (null) or fails (the error), unless `stop()` was called first.
   */
  constructor(fd: number, onData: (bytes: Uint8Array) => void, onEnd: (error: unknown) => void) {
    const reader = Bun.file(fd).stream().getReader() as ReadableStreamDefaultReader<Uint8Array>;
    this.#reader = reader;
    this.done = (async () => {
      let err: unknown = null;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || this.#stopped) break;
          onData(value);
        }
      } catch (e) {
        err = e;
      }
      if (!this.#stopped) {
        this.#stopped = true;
        onEnd(err);
      }
    })();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Stops watching (idempotent); `onEnd` is not called. */
  stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#reader?.cancel().catch(() => {});
    }
    this.#reader = null;
    return this.done;
  }
}
