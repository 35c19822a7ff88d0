/**
 * Source: an element with one always src pad and a task that produces buffers.
 *
 * `create()` is called by the source's task, synchronously, for each buffer: it returns a
 * buffer to push, null at end of stream, a flow result to stop on, or WAIT after it blocked its
 * own task (a live source waiting for its clock time, an exhausted pool). The base class sends
 * stream-start, the negotiated caps and a segment before the first buffer, and EOS at the end.
 *
 * AsyncSource is the async variant for I/O-bound producers: `produce()` returns a promise; the
 * task blocks while it is pending. It pays an await per buffer, so use it for I/O, not compute.
 */
import type { Buffer } from "../buffer.ts";
import { Events } from "../events.ts";
import { Flow, type FlowReturn, flowName } from "../flow.ts";
import { Step, type StepResult, type Task } from "../runtime/scheduler.ts";
import { Element } from "./element.ts";
import type { Pad } from "./pad.ts";

/** Returned by create(): nothing now, the task was blocked and will be woken. */
export const WAIT = 1 as const;
export type CreateResult = Buffer | null | FlowReturn | typeof WAIT;

export abstract class Source<P extends object = Record<string, unknown>> extends Element<P> {
  protected task: Task | null = null;
  #headerSent = false;
  #streamCounter = 0;
  /** Buffers pushed since start. */
  produced = 0;

  get srcPad(): Pad {
    return this.pads[0]!;
  }

  /** Live sources produce at the pace of the clock; sinks then sync to it. */
  get isLive(): boolean {
    return (this.props as { isLive?: boolean }).isLive === true;
  }

  /** Produces the next buffer. Runs on the source's task. */
  abstract create(): CreateResult;

  override start(): void {
    this.#headerSent = false;
    this.produced = 0;
    this.task = this.ctx!.scheduler.add(this.name, this.#step);
  }

  override stop(): void {
    if (this.task) {
      this.task.done = true;
      this.task = null;
    }
    this.#cancelWait?.();
    this.#cancelWait = null;
  }

  /** Sends stream-start, caps and segment (called before the first buffer). */
  protected sendHeader(): void {
    const pad = this.srcPad;
    pad.pushEvent(Events.streamStart(`${this.name}/${this.#streamCounter++}`));
    // ANY means untyped bytes: there is no format to announce.
    if (pad.caps && !pad.caps.isAny()) pad.pushEvent(Events.caps(pad.caps));
    pad.pushEvent(Events.segment());
  }

  /** Announces new caps mid-stream (renegotiation downstream). */
  protected setOutputCaps(caps: import("../caps/index.ts").Caps): boolean {
    return this.srcPad.pushEvent(Events.caps(caps));
  }

  #step = (): StepResult => {
    if (!this.#headerSent) {
      this.#headerSent = true;
      this.sendHeader();
    }
    const r = this.create();
    if (r === null) {
      this.srcPad.pushEvent(Events.eos());
      return Step.DONE;
    }
    if (typeof r === "number") {
      if (r === WAIT) return Step.WAIT;
      return this.#onFlow(r);
    }
    this.produced++;
    const flow = this.srcPad.push(r);
    return flow === Flow.OK ? Step.CONTINUE : this.#onFlow(flow);
  };

  #onFlow(flow: FlowReturn): StepResult {
    switch (flow) {
      case Flow.OK:
        return Step.CONTINUE;
      case Flow.EOS:
        this.srcPad.pushEvent(Events.eos());
        return Step.DONE;
      case Flow.FLUSHING:
        return Step.DONE;
      case Flow.NOT_LINKED:
        this.error(
          "stream",
          `${this.name}: internal data stream error: ${this.srcPad.path} is not linked`,
          `flow ${flowName(flow)}`,
        );
        return Step.DONE;
      default:
        // not-negotiated / error: whoever returned it posted the error; make sure we stop.
        this.ctx?.failed(this);
        return Step.DONE;
    }
  }

  #cancelWait: (() => void) | null = null;

  /**
   * For live sources: true when running time has reached `t` (ns). Otherwise blocks the task
   * until it does and returns false; return WAIT from create() then.
   */
  protected reachedRunningTime(t: number): boolean {
    const ctx = this.ctx!;
    if (ctx.runningTime() >= t) return true;
    const task = this.task!;
    task.block();
    this.#cancelWait = ctx.clock.schedule(ctx.baseTime + t, () => {
      this.#cancelWait = null;
      task.unblock();
    });
    return false;
  }
}

/** Async variant: `produce()` may await (I/O). One request is in flight at a time. */
export abstract class AsyncSource<P extends object = Record<string, unknown>> extends Source<P> {
  #pending: CreateResult | undefined = undefined;
  #inFlight = false;

  /** Produces the next buffer; resolves null at end of stream. */
  abstract produce(): Promise<Buffer | null>;

  override create(): CreateResult {
    if (this.#pending !== undefined) {
      const r = this.#pending;
      this.#pending = undefined;
      return r;
    }
    if (this.#inFlight) return WAIT;
    const task = this.task!;
    this.#inFlight = true;
    task.block();
    this.produce().then(
      (b) => {
        this.#inFlight = false;
        this.#pending = b;
        task.unblock();
      },
      (err: unknown) => {
        this.#inFlight = false;
        this.#pending = this.error("resource", `${this.name}: ${errorText(err)}`, undefined, err);
        task.unblock();
      },
    );
    return WAIT;
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
