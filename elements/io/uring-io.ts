/**
 * The io_uring plumbing that filesrc and filesink share: choosing the I/O engine, and waiting
 * for completions on the event loop without blocking it. Loaded on first use, through
 * elements/io/io-mode.ts's `uringIo()` (mapped reads and kernel copies never need it).
 *
 * Engine. `io-mode=auto` (the default) uses io_uring when this process can set one up and the
 * file supports positioned I/O (a regular file or a block device); otherwise it falls back to
 * plain pread/pwrite (node:fs with a position), and for pipes and character devices to
 * ordinary sequential read/write. The fallback is announced once per process, as an `info`
 * message on the element's bus (debug level: `parallax launch` does not print it).
 *
 * Waiting. Cached file I/O usually completes inside the submitting system call, so an element
 * reaps its completions synchronously, without waiting. When a completion it needs is not
 * there yet (a cold read, a slow disk), the element blocks its task and calls
 * `onCompletion(cb)`: the ring's eventfd is switched on, watched by the event loop, and `cb`
 * runs once when a completion is ready. Notifications are switched off again at once, so a
 * streaming element pays no eventfd write per I/O.
 *
 * Thread: the event loop of the process that owns the element.
 */
import type { Bus } from "../../src/bus.ts";
import type { ErrnoError } from "../../ffi/errno.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import * as fileio from "../../ffi/fileio.ts";
import * as memfd from "../../ffi/memfd.ts";
import * as uring from "../../ffi/uring.ts";
import type { IoMode } from "./io-mode.ts";

let fallbackReported = false;

/**
 * Picks the engine for an open fd: "io-uring" or "sync". Throws (for prepare to report) when
 * `io-mode=io-uring` was asked for but cannot be had. Posts the once-per-process debug note
 * when auto mode falls back because io_uring is unavailable.
 */
export function chooseEngine(
  mode: IoMode,
  fd: number,
  bus: Bus | undefined,
  source: string,
  probe: () => ErrnoError | null = uring.probe,
): "io-uring" | "sync" {
  if (mode === "sync") return "sync";
  const st = fileio.fstat(fd);
  const positioned = st.isFile || st.isBlockDevice;
  const why = probe();
  if (mode === "io-uring") {
    if (why !== null) throw new Error(`${source}: io-mode=io-uring but io_uring is unavailable here (${why.code}); use io-mode=auto to fall back to pread/pwrite`);
    if (!positioned) throw new Error(`${source}: io-mode=io-uring needs a regular file or a block device; use io-mode=auto for pipes and devices`);
    return "io-uring";
  }
  if (!positioned) return "sync";
  if (why !== null) {
    if (!fallbackReported) {
      fallbackReported = true;
      bus?.post({ type: "info", source, message: `io_uring is unavailable (${why.code}): file elements use pread/pwrite instead` });
    }
    return "sync";
  }
  return "io-uring";
}

/** Forgets that the fallback was announced (for tests of the announcement). */
export function resetFallbackNote(): void {
  fallbackReported = false;
}

/** One io_uring plus a completion watcher for the event loop. Owned by one element. */
export class UringIo {
  readonly ring: uring.Ring;
  readonly done: uring.Completions;
  #efd = -1;
  #reader: { cancel(): Promise<void> } | null = null;
  #waiters: (() => void)[] = [];
  #closed = false;

  constructor(entries: number) {
    this.ring = new uring.Ring(entries);
    this.done = new uring.Completions(Math.min(entries, 64));
  }

  /** Queues a read of `len` bytes at `offset` into `buf`; false when the queue is full. */
  prepRead(fd: number, buf: Uint8Array, len: number, offset: number, userData: number): boolean {
    return this.ring.prepRw(uring.Op.READ, fd, buf, len, offset, userData);
  }

  /** Queues a write, run on the kernel's workers (Sqe.ASYNC); false when the queue is full. */
  prepWrite(fd: number, buf: Uint8Array, len: number, offset: number, userData: number): boolean {
    return this.ring.prepRw(uring.Op.WRITE, fd, buf, len, offset, userData, uring.Sqe.ASYNC);
  }

  /**
   * Calls `cb` once, from the event loop, when at least one completion is ready to reap (at
   * once, from a microtask, if one already is). Dropped if the ring is closed first.
   */
  onCompletion(cb: () => void): void {
    if (this.#closed) return;
    this.#waiters.push(cb);
    if (this.#waiters.length > 1) return;
    if (this.#efd < 0) {
      this.#efd = fdpass.eventfd(0, fdpass.Efd.NONBLOCK);
      this.ring.registerEventfd(this.#efd);
      this.#watch();
    }
    this.ring.eventfdNotify(true);
    // A completion posted before notifications were on did not signal: look once more.
    if (this.ring.ready() > 0) queueMicrotask(this.#fire);
  }

  readonly #fire = (): void => {
    if (this.#waiters.length === 0) return;
    this.ring.eventfdNotify(false);
    const w = this.#waiters.splice(0);
    for (const cb of w) cb();
  };

  #watch(): void {
    // Bun polls the fd on its event loop (through its own duplicate); each read is a wake-up.
    const reader = Bun.file(this.#efd).stream().getReader();
    this.#reader = reader;
    void (async () => {
      try {
        for (;;) {
          const { done } = await reader.read();
          if (done || this.#closed) return;
          this.#fire();
        }
      } catch {
        // cancelled by close()
      }
    })();
  }

  /**
   * Blocks the thread until `n` more completions are ready, reaping each batch into `done` and
   * handing every entry to `each`. For teardown and EOS: the kernel must be finished with a
   * buffer before it is released or unmapped.
   */
  drain(n: number, each: (userData: number, res: number) => void): void {
    let left = n;
    while (left > 0) {
      const got = this.ring.submitAndReap(1, this.done);
      for (let i = 0; i < got; i++) each(this.done.userData(i), this.done.res(i));
      left -= got;
    }
  }

  /** Tears the ring down. Call drain() first for I/O still in flight. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters.length = 0;
    this.#reader?.cancel().catch(() => {});
    this.#reader = null;
    this.ring.close();
    if (this.#efd >= 0) memfd.close(this.#efd);
    this.#efd = -1;
  }
}
