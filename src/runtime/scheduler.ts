/**
 * Scheduler: runs the pipeline's tasks cooperatively on Bun's event loop.
 *
 * A Task is GStreamer's streaming thread turned into a resumable step function: a source's
 * loop (create a buffer, push it down a synchronous chain) or a queue's output side. The
 * scheduler calls ready tasks round-robin inside a time slice, then yields to the event loop
 * (setImmediate) so timers, I/O, signals and the bus keep running. A task that cannot go on
 * blocks itself (`block()` — a full queue, a sink waiting for its clock time, an exhausted
 * pool) and is made ready again by whoever unblocks it. Nothing awaits per buffer.
 *
 * Thread: everything here runs on the event loop of the process (or Worker) that owns it.
 */

/** What a task step tells the scheduler. */
export const Step = {
  /** Call me again. */
  CONTINUE: 0,
  /** I blocked myself (or have nothing to do): skip me until woken. */
  WAIT: 1,
  /** I am finished: remove me. */
  DONE: 2,
} as const;
export type StepResult = (typeof Step)[keyof typeof Step];

/** Steps between checks of the time slice (reading the clock costs ~30 ns). */
const STEPS_PER_CLOCK_CHECK = 64;
/** How long the scheduler runs before yielding to the event loop, in ms. */
const SLICE_MS = 4;

export class Task {
  /** How many reasons currently keep this task from running. */
  blockers = 0;
  /** Set when the step returned WAIT without any blocker: idle until `wake()`. */
  idle = false;
  done = false;
  #scheduler: Scheduler;

  constructor(
    scheduler: Scheduler,
    readonly name: string,
    readonly step: () => StepResult,
  ) {
    this.#scheduler = scheduler;
  }

  get ready(): boolean {
    return !this.done && this.blockers === 0 && !this.idle;
  }

  /** Adds one reason not to run. Pair every block() with one unblock(). */
  block(): void {
    this.blockers++;
  }

  /** Removes one reason not to run; schedules the task when none are left. */
  unblock(): void {
    if (this.blockers > 0) this.blockers--;
    if (this.blockers === 0) this.#scheduler.kick();
  }

  /** Wakes an idle task (it returned WAIT with nothing to wait on, e.g. an empty queue). */
  wake(): void {
    if (this.idle) {
      this.idle = false;
      this.#scheduler.kick();
    }
  }
}

export class Scheduler {
  readonly tasks: Task[] = [];
  /** The task whose step is running now, so a chain function can block its caller. */
  current: Task | null = null;
  #scheduled = false;
  #running = false;
  #stopped = true;
  /** Called when a task step throws: the pipeline turns it into a bus error. */
  onCrash: (task: Task, err: unknown) => void = () => {};
  /** Called whenever a run loop ends with no task ready (for "all done" detection). */
  onIdle: () => void = () => {};

  add(name: string, step: () => StepResult): Task {
    const t = new Task(this, name, step);
    this.tasks.push(t);
    this.kick();
    return t;
  }

  start(): void {
    this.#stopped = false;
    this.kick();
  }

  /** Stops running steps; tasks stay as they are so start() resumes them. */
  stop(): void {
    this.#stopped = true;
  }

  clear(): void {
    this.tasks.length = 0;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Makes sure a run loop is coming. Cheap to call often. */
  kick(): void {
    if (this.#scheduled || this.#running || this.#stopped) return;
    this.#scheduled = true;
    setImmediate(this.#loop);
  }

  /**
   * Runs ready tasks synchronously until none is ready or `maxSteps` steps ran (test harness,
   * manual drivers). Returns the number of steps run.
   */
  runReady(maxSteps = 1_000_000): number {
    let steps = 0;
    const wasStopped = this.#stopped;
    this.#stopped = false;
    this.#running = true;
    try {
      let progress = true;
      while (progress && steps < maxSteps) {
        progress = false;
        for (const t of this.tasks) {
          if (!t.ready) continue;
          progress = true;
          this.current = t;
          try {
            const r = t.step();
            if (r === Step.WAIT && t.blockers === 0) t.idle = true;
            else if (r === Step.DONE) t.done = true;
          } catch (err) {
            t.done = true;
            this.onCrash(t, err);
          }
          this.current = null;
          if (++steps >= maxSteps) break;
        }
      }
    } finally {
      this.current = null;
      this.#running = false;
      this.#stopped = wasStopped;
    }
    for (let i = this.tasks.length - 1; i >= 0; i--) if (this.tasks[i]!.done) this.tasks.splice(i, 1);
    return steps;
  }

  #loop = (): void => {
    this.#scheduled = false;
    if (this.#stopped) return;
    this.#running = true;
    const deadline = performance.now() + SLICE_MS;
    let anyReady = false;
    try {
      outer: for (;;) {
        anyReady = false;
        const tasks = this.tasks;
        for (let i = 0; i < tasks.length; i++) {
          const t = tasks[i]!;
          if (!t.ready) continue;
          anyReady = true;
          this.current = t;
          let n = 0;
          while (t.ready) {
            let r: StepResult;
            try {
              r = t.step();
            } catch (err) {
              t.done = true;
              this.onCrash(t, err);
              break;
            }
            if (r === Step.WAIT) {
              if (t.blockers === 0) t.idle = true;
              break;
            }
            if (r === Step.DONE) {
              t.done = true;
              break;
            }
            if (++n === STEPS_PER_CLOCK_CHECK) {
              n = 0;
              if (performance.now() >= deadline || this.#stopped) break outer;
            }
          }
          this.current = null;
          if (this.#stopped) break outer;
        }
        if (!anyReady || performance.now() >= deadline) break;
      }
    } finally {
      this.current = null;
      this.#running = false;
    }
    // Drop finished tasks.
    for (let i = this.tasks.length - 1; i >= 0; i--) if (this.tasks[i]!.done) this.tasks.splice(i, 1);
    if (this.#stopped) return;
    // A loop, not some(): a builtin's first call costs a compilation, at start-up (issue 7).
    let ready = false;
    for (const t of this.tasks) {
      if (t.ready) {
        ready = true;
        break;
      }
    }
    if (ready) this.kick();
    else this.onIdle();
  };
}
