/**
 * Stage: a typed pipeline, checked at compile time. `Stage<T>` is a stream of items of type T
 * that has not run yet: a source (sources.ts), then operators (`map`, `filter`, `take`, …),
 * multi-input stages (merge.ts, zip.ts, join.ts, temporal-join.ts) and bridges into the
 * dynamic graph (`through`, `toGraph`, graph-bridge.ts), ended by a terminal (`collect`,
 * `forEach`, `fold`, `discard`) that runs it and returns a promise.
 *
 *   const squares = await pipeline(range(10)).map((n) => n * n).filter((n) => n % 2 === 0).collect();
 *
 * A stage is a description, like a launch string: each terminal opens a fresh chain of cursors
 * (cursor.ts) and runs it, so a stage over a re-iterable source (an array, a range) can run
 * again; one over a one-shot source (a generator object) yields nothing the second time.
 *
 * Types: T is covariant (`Stage<Buffer>` is a `Stage<Buffer | Uint8Array>`); a function given
 * to an operator must accept T, `through` and `toGraph` exist only on stages of Buffer or
 * Uint8Array (a mismatch is a compile error, TS2684), `zip` yields tuples.
 *
 * Execution: pull-based. Synchronous chains run with no await per item; async sources make the
 * terminal await only when an item is not ready (see drive.ts for slicing and teardown).
 */
import { Buffer } from "../buffer.ts";
import { type Cursor, DONE, dropItem, PENDING } from "./cursor.ts";
import { drive, type RunOptions } from "./drive.ts";
import { GraphCursor, type GraphOptions, runToGraph } from "./graph-bridge.ts";
import { FilterCursor, InspectCursor, MapAsyncCursor, MapCursor, SkipCursor, TakeCursor } from "./operators.ts";

export type { RunOptions };
/** The item type of a stage: `ItemOf<Stage<number>>` is `number`. */
export type ItemOf<S> = S extends Stage<infer T> ? T : never;

export class Stage<out T> implements AsyncIterable<T> {
  readonly #open: () => Cursor<T>;

  /** Wraps a cursor factory. Each call of `open` must give a fresh, independent cursor. */
  constructor(open: () => Cursor<T>) {
    this.#open = open;
  }

  /**
   * Opens a fresh cursor over this stage (the pull protocol of cursor.ts), for writing new
   * multi-input stages. The caller owns it and must `close()` it, whatever happens.
   */
  open(): Cursor<T> {
    return this.#open();
  }

  // ---- operators ----------------------------------------------------------------------

  /** Applies `f` to each item, synchronously, on the task that pulls. */
  map<U>(f: (x: T) => U): Stage<U> {
    return new Stage(() => new MapCursor(this.#open(), f));
  }

  /** Applies an async `f` to each item, one call in flight at a time (order kept). */
  mapAsync<U>(f: (x: T) => PromiseLike<U>): Stage<U> {
    return new Stage(() => new MapAsyncCursor(this.#open(), f));
  }

  /** Keeps the items `p` accepts (a type guard narrows the item type). Drops release Buffers. */
  filter<S extends T>(p: (x: T) => x is S): Stage<S>;
  filter(p: (x: T) => boolean): Stage<T>;
  filter(p: (x: T) => boolean): Stage<T> {
    return new Stage(() => new FilterCursor(this.#open(), p));
  }

  /** The first `n` items; upstream is closed as soon as the n-th one is out. */
  take(n: number): Stage<T> {
    checkCount("take", n);
    return new Stage(() => new TakeCursor(this.#open(), n));
  }

  /** All but the first `n` items (those are dropped; Buffers among them are released). */
  skip(n: number): Stage<T> {
    checkCount("skip", n);
    return new Stage(() => new SkipCursor(this.#open(), n));
  }

  /** Calls `f` with each item and passes the item on unchanged. */
  inspect(f: (x: T) => void): Stage<T> {
    return new Stage(() => new InspectCursor(this.#open(), f));
  }

  // ---- bridges into the dynamic graph ---------------------------------------------------

  /**
   * Runs the items through a launch fragment of the dynamic graph and yields what comes out:
   * `stage.through("videoconvert ! video/x-raw,format=I420", { caps: "video/x-raw,…" })`. Each
   * run builds `stagesrc ! <fragment> ! appsink` in its own Pipeline; the stagesrc element
   * pulls this stage's items on the pipeline's task (announcing `opts.caps`), and the output
   * is bounded by the appsink (`opts.maxBuffers`). Ownership: the pipeline takes the items;
   * the Buffers yielded belong to the consumer. Closing the stage (take, an error, an abort)
   * stops the pipeline and awaits its teardown.
   */
  through(this: Stage<Buffer | Uint8Array>, fragment: string, opts: GraphOptions = {}): Stage<Buffer> {
    return new Stage<Buffer>(() => new GraphCursor(this.open(), fragment, opts));
  }

  // ---- terminals ----------------------------------------------------------------------

  /**
   * Runs the stage into a launch fragment that ends in a sink (`toGraph("queue ! filesink
   * location=out.raw")`) and resolves when that pipeline reaches EOS. Rejects with the first
   * error of a stage or of the pipeline (a typed stage's own error is rethrown as thrown).
   * Aborting stops the pipeline at once and rejects with the signal's reason. Either way the
   * pipeline is torn down and upstream closed before the promise settles.
   */
  toGraph(this: Stage<Buffer | Uint8Array>, fragment: string, opts: GraphOptions & RunOptions = {}): Promise<void> {
    return runToGraph(this.open(), fragment, opts);
  }

  /**
   * Runs the stage and resolves with every item, in order. What it returns outlives the run,
   * so a Buffer whose memory is pooled (memfd slots, often owned by an element of a `through`
   * fragment, which unmaps them when the run ends) is kept as a heap copy and the pooled one
   * released as it arrives; this also keeps a bounded pool from running dry. Heap Buffers and
   * other values are kept as they are (Buffers nested in tuples too: copy those yourself).
   * Rejects with the first error of any stage, after tearing everything down. Aborting closes
   * the chain and rejects with the signal's reason.
   */
  async collect(opts?: RunOptions): Promise<T[]> {
    const out: T[] = [];
    await drive(
      this.#open(),
      (x) => {
        out.push(typeof x === "object" && x instanceof Buffer && x.memory !== null ? (detach(x) as T) : x);
      },
      opts,
    );
    return out;
  }

  /**
   * Runs the stage, calling `f` with each item; if `f` returns a promise the next item waits
   * for it (backpressure). `f` takes each item: release Buffers when done with them (a pooled
   * one held on to keeps its slot). Errors and aborts as for `collect`; an abort while `f`'s
   * promise is pending stops waiting for it at once.
   */
  forEach(f: (x: T) => void | PromiseLike<void>, opts?: RunOptions): Promise<void> {
    return drive(this.#open(), f, opts);
  }

  /**
   * Runs the stage, folding the items into one value from `init`; `f` takes each item (as for
   * `forEach`). Errors and aborts as for `collect`.
   */
  async fold<A>(f: (acc: A, x: T) => A, init: A, opts?: RunOptions): Promise<A> {
    let acc = init;
    await drive(
      this.#open(),
      (x) => {
        acc = f(acc, x);
      },
      opts,
    );
    return acc;
  }

  /**
   * Runs the stage for its side effects, dropping each item (Buffers are released), and
   * resolves with how many there were. Errors and aborts as for `collect`.
   */
  async discard(opts?: RunOptions): Promise<number> {
    let n = 0;
    await drive(
      this.#open(),
      (x) => {
        n++;
        dropItem(x);
      },
      opts,
    );
    return n;
  }

  /**
   * `for await (const x of stage)`: pays one await per item (use a terminal on hot paths).
   * Breaking out of the loop closes the chain; an error closes it before it is thrown.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const c = this.#open();
    const end = async (): Promise<IteratorResult<T>> => {
      await c.close();
      return { done: true, value: undefined };
    };
    return {
      next: async () => {
        for (;;) {
          let x: T | typeof DONE | typeof PENDING;
          try {
            x = c.next();
          } catch (err) {
            await c.close().catch(() => {});
            throw err;
          }
          if (x === PENDING) {
            await c.wait();
            continue;
          }
          if (x === DONE) return end();
          return { done: false, value: x };
        }
      },
      return: end,
    };
  }
}

/** A heap copy of a pooled Buffer (data and metadata); the pooled reference is released. */
function detach(b: Buffer): Buffer {
  const copy = new Buffer(b.data.slice());
  copy.copyMetadataFrom(b);
  b.release();
  return copy;
}

function checkCount(op: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${op}(${n}): the count must be a whole number ≥ 0`);
  }
}
