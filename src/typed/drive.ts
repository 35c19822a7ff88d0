/**
 * Drive: the loop behind every terminal of a typed pipeline (collect, forEach, fold, discard).
 *
 * It pulls the last cursor of the chain until DONE, handing each item to a sink function. It
 * awaits only when the chain says PENDING (an async source is not ready), when the sink
 * function returns a promise (an async forEach), and once per time slice: whatever the chain,
 * the loop looks at the clock every ITEMS_PER_CLOCK_CHECK steps (and after every wait) and,
 * once SLICE_MS have passed since it last yielded, yields to the event loop with setImmediate.
 * So an endless source with no take() cannot starve timers, I/O or an abort signal, even when
 * a filter drops all of it (the engine's scheduler slices its tasks the same way).
 *
 * Teardown: whatever ends the loop (DONE, an error in any stage, the sink function throwing,
 * an abort), the chain is closed and that close is awaited before the terminal settles, so a
 * settled terminal means every iterator was returned and every dynamic pipeline torn down. The
 * first error wins; a close error is reported only if nothing failed before it.
 */
import { type Cursor, DONE, PENDING } from "./cursor.ts";

/** How long a synchronous chain runs before yielding to the event loop, in ms. */
export const SLICE_MS = 4;
/** Items between two looks at the clock (a look costs ~30 ns). */
const ITEMS_PER_CLOCK_CHECK = 1024;

export type RunOptions = {
  /**
   * Aborting stops the run: the chain is closed (iterators returned, dynamic pipelines torn
   * down), then the terminal rejects with the signal's reason. Items already handed to the
   * sink function stay handed over.
   */
  signal?: AbortSignal;
};

const NO_ERROR: unique symbol = Symbol("no-error");

/**
 * Pulls every item of `cursor` into `sink` (which may return a promise to be awaited before the
 * next item), then closes the cursor. Runs on the event loop; see the header for abort and
 * teardown behaviour. Takes ownership of the cursor: it is closed whatever happens.
 */
export async function drive<T>(
  cursor: Cursor<T>,
  sink: (x: T) => unknown,
  opts: RunOptions = {},
): Promise<void> {
  const signal = opts.signal;
  let error: unknown = NO_ERROR;
  // One small promise per wait, raced by hand: racing a long-lived abort promise would leave
  // a reaction on it per wait (the Promise.race leak).
  let wake: ((reason: unknown) => void) | null = null;
  const onAbort = () => wake?.(signal!.reason);
  const until =
    signal === undefined
      ? (p: PromiseLike<unknown>) => p
      : (p: PromiseLike<unknown>) =>
          new Promise<unknown>((resolve, reject) => {
            if (signal.aborted) return reject(signal.reason);
            wake = reject;
            p.then(resolve, reject);
          });
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let n = 0;
    let deadline = performance.now() + SLICE_MS;
    if (signal?.aborted) throw signal.reason;
    for (;;) {
      const x = cursor.next();
      if (x === PENDING) {
        await until(cursor.wait());
        // A wait may resolve without the event loop turning (a stage yielding after many
        // drops, a buffered item): look at the slice as if ITEMS_PER_CLOCK_CHECK had passed.
        n = ITEMS_PER_CLOCK_CHECK - 1;
      } else if (x === DONE) {
        break;
      } else {
        const r = sink(x);
        if (r !== undefined && typeof (r as PromiseLike<unknown>).then === "function") {
          await until(r as PromiseLike<unknown>);
        }
      }
      if (++n === ITEMS_PER_CLOCK_CHECK) {
        n = 0;
        if (performance.now() >= deadline) {
          // The one macrotask yield: timers, I/O and abort listeners run here.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (signal?.aborted) throw signal.reason;
          deadline = performance.now() + SLICE_MS;
        }
      }
    }
  } catch (err) {
    error = err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    wake = null;
  }
  try {
    await cursor.close();
  } catch (err) {
    if (error === NO_ERROR) error = err;
  }
  if (error !== NO_ERROR) throw error;
}
