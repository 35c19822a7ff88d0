/**
 * Graph bridge: typed stages in and out of the dynamic graph (`through`, `toGraph`,
 * `fromGraph`), so a typed pipeline can send Buffers through a launch fragment
 * (`"videoconvert ! video/x-raw,format=I420"`) and get them back.
 *
 * Each run builds one real Pipeline from `stagesrc ! <fragment> ! appsink` (or the half of it
 * that applies), with a registry that is the caller's plus `stagesrc`, so the fragment is
 * parsed, checked and negotiated exactly as a launch string is. `stagesrc` is the entry: a
 * Source whose `create()` pulls the typed stage upstream directly on the pipeline's task, so
 * there is no pump and no extra queue: a synchronous upstream runs inside the scheduler's
 * slices with no await per buffer, an async one blocks the task until its item is ready, and
 * a full appsink (or any blocked element) stops the pulling: backpressure end to end. The
 * exit is an `appsink`, bounded by `maxBuffers` (default DEFAULT_MAX_BUFFERS = 64).
 *
 * Errors: a typed stage that throws inside `create()` posts a stream error (so the pipeline
 * stops like for any element failure) and its own error object is what the terminal rejects
 * with; a pipeline error rejects with a PipelineError naming the element.
 *
 * Life of the pipeline: `through` and `fromGraph` prepare and activate it at the first pull and
 * keep it up until the stage is closed (the terminal ends, a take() is satisfied, an error, an
 * abort); closing stops it (synchronously: tasks end, elements stop and unprepare), releases
 * the buffers left in the appsink, disposes it (closes its bus), then closes upstream. Buffers
 * whose memory comes from a pool of an element of the fragment are valid until then: the
 * element unmaps its pool when it unprepares. Use them inside the run (map, forEach, fold, a
 * later through), or let `collect()` keep them (it copies pooled Buffers to the heap).
 */
import { Buffer } from "../buffer.ts";
import type { ErrorMessage } from "../bus.ts";
import { Caps } from "../caps/index.ts";
import { type ElementMeta, template } from "../graph/element.ts";
import { fromLaunch } from "../graph/from-launch.ts";
import type { Pad } from "../graph/pad.ts";
import { type Pipeline, PipelineError, type PipelineOptions } from "../graph/pipeline.ts";
import { PropertyError, type Static, Type } from "../graph/properties.ts";
import { type CreateResult, errorText, Source, WAIT } from "../graph/source.ts";
import { registry as defaultRegistry, Registry } from "../registry.ts";
import { AppSink, DEFAULT_MAX_BUFFERS } from "../../elements/app/appsink.ts";
import { type Cursor, DONE, PENDING, type Pull, RESOLVED, Signal } from "./cursor.ts";
import type { RunOptions } from "./drive.ts";

/** Factory name of the bridge source in the fragment's pipeline. */
export const STAGE_SRC_FACTORY = "stagesrc";
/** Element names the bridge gives its two ends (a fragment must not use them). */
export const STAGE_IN_NAME = "__typed_in";
export const STAGE_OUT_NAME = "__typed_out";

export type GraphOptions = PipelineOptions & {
  /** Caps of the buffers the typed stage feeds in (`through`, `toGraph`). Default ANY. */
  caps?: string;
  /** Buffers the exit appsink holds before it blocks the pipeline (`through`, `fromGraph`). */
  maxBuffers?: number;
  /** Called with each pipeline once it is built, before it starts (to watch its bus, say). */
  onPipeline?: (pipeline: Pipeline) => void;
};

const Props = Type.Object({
  caps: Type.String({ default: "ANY", description: "Caps of the buffers the typed stage feeds" }),
});
type P = Static<typeof Props>;

/**
 * stagesrc: the source end of a bridge. Pulls Buffers (or Uint8Arrays, wrapped without a copy)
 * from a typed stage's cursor on its own task. Ownership: it takes every item it pulls.
 */
export class StageSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: STAGE_SRC_FACTORY,
    category: "app",
    description: "Feeds the items of a typed stage into the pipeline (pulled on its task)",
    pads: [template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };

  #caps: Caps = Caps.any();
  #cursor: Cursor<Buffer | Uint8Array> | null = null;
  /** Set when the typed stage upstream threw; `failure` is what it threw. */
  failed = false;
  failure: unknown = undefined;

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

  /** Gives the element the cursor it pulls from. The bridge keeps ownership (it closes it). */
  attach(cursor: Cursor<Buffer | Uint8Array>): void {
    this.#cursor = cursor;
  }

  create(): CreateResult {
    const c = this.#cursor;
    if (c === null) return null;
    let x: Pull<Buffer | Uint8Array>;
    try {
      x = c.next();
    } catch (err) {
      return this.#fail(err, `a typed stage upstream failed: ${errorText(err)}`);
    }
    if (x === DONE) return null;
    if (x === PENDING) {
      const task = this.task!;
      task.block();
      void c.wait().then(() => task.unblock());
      return WAIT;
    }
    if (x instanceof Buffer) return x;
    if (x instanceof Uint8Array) return Buffer.wrap(x);
    const what = x === null ? "null" : typeof x === "object" ? (x as object).constructor?.name : typeof x;
    return this.#fail(
      new TypeError(`${this.name}: a typed stage gave ${what}; only Buffer or Uint8Array items can enter the graph`),
      `a typed stage gave ${what}, not a Buffer or Uint8Array`,
    );
  }

  #fail(err: unknown, message: string): CreateResult {
    this.failed = true;
    this.failure = err;
    return this.error("stream", `${this.name}: ${message}`, err instanceof Error ? err.stack : undefined, err);
  }
}

type Built = { pipeline: Pipeline; src: StageSrc | null; sink: AppSink | null };

/** Builds (does not start) the pipeline of one bridge run. Throws SourceError / PropertyError. */
function build(fragment: string, input: boolean, output: boolean, opts: GraphOptions): Built {
  const base = opts.registry ?? defaultRegistry;
  const reg = new Registry();
  reg.register(...base.list().filter((c) => c.meta.name !== STAGE_SRC_FACTORY), StageSrc);
  if (!reg.has("appsink")) reg.register(AppSink);
  const text =
    (input ? `${STAGE_SRC_FACTORY} name=${STAGE_IN_NAME} ! ` : "") +
    fragment +
    (output ? ` ! appsink name=${STAGE_OUT_NAME}` : "");
  const { caps, maxBuffers, onPipeline: _, ...pipelineOpts } = opts;
  const pipeline = fromLaunch(text, { ...pipelineOpts, registry: reg });
  try {
    const src = input ? (pipeline.getElement(STAGE_IN_NAME) as StageSrc) : null;
    if (src !== null && caps !== undefined) src.set("caps", caps);
    let sink: AppSink | null = null;
    if (output) {
      const el = pipeline.getElement(STAGE_OUT_NAME);
      if (!(el instanceof AppSink)) {
        throw new Error(`the registry's "appsink" is not Parallax's AppSink; a typed bridge needs it`);
      }
      sink = el;
      sink.set("maxBuffers", maxBuffers ?? DEFAULT_MAX_BUFFERS);
    }
    return { pipeline, src, sink };
  } catch (err) {
    pipeline.dispose();
    throw err;
  }
}

/**
 * The cursor of `through` (with an upstream) and `fromGraph` (without): yields the Buffers the
 * pipeline's appsink receives. The pipeline is built, prepared and activated at the first
 * `next()`, and stays up until `close()`: it is not suspended at EOS (as `run()` would do),
 * because suspending unprepares the elements, and an element's pool then unmaps the memory of
 * the buffers still queued in the appsink or held downstream.
 */
export class GraphCursor implements Cursor<Buffer> {
  #built: Built | null = null;
  #started = false;
  #stash: Buffer | null = null;
  /** An error was posted on the bus: the next `next()` throws it. */
  #failing = false;
  #firstError: ErrorMessage | null = null;
  #startError: unknown = undefined;
  /** The pipeline reached EOS on every sink. */
  #eos = false;
  #closed = false;
  #closing: Promise<void> | null = null;
  readonly #signal = new Signal();

  constructor(
    private readonly up: Cursor<Buffer | Uint8Array> | null,
    private readonly fragment: string,
    private readonly opts: GraphOptions,
  ) {}

  next(): Pull<Buffer> {
    if (this.#closed) return DONE;
    if (!this.#started) this.#start();
    if (this.#startError !== undefined) throw this.#startError;
    if (this.#failing) throw this.#error();
    const s = this.#stash;
    if (s !== null) {
      this.#stash = null;
      return s;
    }
    const { pipeline, sink } = this.#built!;
    const b = sink!.tryPull();
    if (b !== null) return b;
    if (sink!.isEos && this.#eos) return DONE;
    if (pipeline.state === "suspended") {
      throw new PipelineError(`${pipeline.name} was stopped before the end of its stream`, pipeline.name);
    }
    return PENDING;
  }

  wait(): Promise<void> {
    if (this.#failing) return RESOLVED;
    const { pipeline, sink } = this.#built!;
    // The appsink has its EOS: wait for the rest of the pipeline (other sinks) or an error.
    if (sink!.isEos || pipeline.state === "suspended") return this.#signal.wait();
    return sink!.pull().then((b) => {
      if (b === null) return; // EOS or a stop: next() tells which
      if (this.#closed) b.release();
      else this.#stash = b;
    });
  }

  #error(): unknown {
    const src = this.#built?.src;
    if (src?.failed) return src.failure;
    const e = this.#firstError;
    const name = this.#built?.pipeline.name ?? "pipeline";
    return new PipelineError(
      e ? `${e.source}: ${e.message}${e.debug ? `\n  (${e.debug})` : ""}` : `${name} failed`,
      e?.source ?? name,
      e ?? undefined,
    );
  }

  #start(): void {
    this.#started = true;
    try {
      this.#built = build(this.fragment, this.up !== null, true, this.opts);
      const { pipeline, src } = this.#built;
      if (src !== null && this.up !== null) src.attach(this.up);
      pipeline.bus.on("error", (m) => {
        this.#firstError ??= m;
        this.#failing = true;
        this.#signal.notify();
      });
      pipeline.bus.on("eos", (m) => {
        if (m.source !== pipeline.name) return;
        this.#eos = true;
        this.#signal.notify();
      });
      pipeline.bus.on("state-changed", (m) => {
        if (m.source === pipeline.name && m.current === "suspended") this.#signal.notify();
      });
      this.opts.onPipeline?.(pipeline);
      pipeline.prepare(); // checks the graph and negotiates: throws what it finds
      pipeline.activate();
    } catch (err) {
      this.#startError = err;
      throw err;
    }
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#teardown());
  }

  async #teardown(): Promise<void> {
    this.#closed = true;
    const built = this.#built;
    if (built !== null) {
      // Synchronous: tasks stop, every element stops and unprepares, the pipeline is suspended.
      built.pipeline.stop();
      this.#stash?.release();
      this.#stash = null;
      const sink = built.sink!;
      for (let b = sink.tryPull(); b !== null; b = sink.tryPull()) b.release();
      built.pipeline.dispose();
    }
    await this.up?.close();
  }
}

/**
 * The `toGraph` terminal: runs `stagesrc ! <fragment>` to EOS. Owns `up` (closes it whatever
 * happens). Aborting stops the pipeline at once and rejects with the signal's reason.
 */
export async function runToGraph(
  up: Cursor<Buffer | Uint8Array>,
  fragment: string,
  opts: GraphOptions & RunOptions,
): Promise<void> {
  let built: Built | null = null;
  let error: unknown = null;
  let failed = false;
  const signal = opts.signal;
  const onAbort = () => built?.pipeline.stop();
  try {
    if (signal?.aborted) throw signal.reason;
    built = build(fragment, true, false, opts);
    const { pipeline, src } = built;
    src!.attach(up);
    opts.onPipeline?.(pipeline);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await pipeline.run();
    } catch (err) {
      throw src!.failed ? src!.failure : signal?.aborted ? signal.reason : err;
    }
  } catch (err) {
    failed = true;
    error = err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (built !== null) {
      built.pipeline.stop();
      built.pipeline.dispose();
    }
  }
  try {
    await up.close();
  } catch (err) {
    if (!failed) {
      failed = true;
      error = err;
    }
  }
  if (failed) throw error;
}
