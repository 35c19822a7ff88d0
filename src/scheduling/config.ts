/**
 * Scheduling modes and the real-time configuration (RtConfig): where the elements of a
 * pipeline run, and how the real-time partitions are paced.
 *
 *   async     every element runs on the event loop, as cooperative tasks (the default).
 *   hybrid    elements that are RT-safe (`meta.scheduling.rtSafe`) and do not ask for the event
 *             loop (`affinity !== "async"`) run in Worker partitions, driven in fixed cycles; the
 *             rest stays on the event loop; bridges join the two.
 *   realtime  as hybrid, but every element must be placeable in a partition: preparing fails,
 *             naming the element and the reason, if one is not (hybrid would leave it behind).
 *
 * A partition is paced by a driver: a timer whose period is one quantum (`quantum` samples at
 * `rate` Hz, or one frame at `framerate`), a manual driver that cycles only when told (tests),
 * or, for partitions without a live source, freewheeling (the next cycle starts as soon as the
 * last one made progress; PipeWire's freewheel mode). Whatever the driver, an element whose
 * processing in one cycle takes longer than the period is an xrun.
 *
 * Thread: plain data, used on the event loop (planning) and in the Workers (read-only copy).
 */

export type SchedulingMode = "async" | "hybrid" | "realtime";
export const SCHEDULING_MODES: readonly SchedulingMode[] = ["async", "hybrid", "realtime"];

/** "auto": a timer for partitions with a live source, freewheeling for the others. */
export type DriverKind = "auto" | "timer" | "manual" | "freewheel";
export const DRIVER_KINDS: readonly DriverKind[] = ["auto", "timer", "manual", "freewheel"];

/** Samples per cycle (PipeWire's default quantum). */
export const DEFAULT_QUANTUM = 1024;
/** Sample rate the quantum is counted in, in Hz. */
export const DEFAULT_RATE = 48_000;
/** Data Workers: partitions are spread over at most this many. */
export const DEFAULT_WORKERS = 1;
/** Entries per bridge ring (a power of two). */
export const DEFAULT_BRIDGE_CAPACITY = 256;
/**
 * The default priority setting: 0, the normal policy. `"auto"` asks for SCHED_FIFO at
 * AUTO_RT_PRIORITY for the Workers that run a timer-driven (live) partition — bounded work each
 * period, asleep in between, so a real-time thread cannot starve the machine — and keeps the
 * normal policy for the others (a freewheeling partition may be busy all the time); a refusal
 * is an info message, where an explicit priority's is a warning. Either way a refused Worker
 * runs on with the normal policy. Not the default: on the 2-core VMs this was measured on,
 * SCHED_FIFO did not lower the live latency (bench/latency.ts), and it raised the bridge's
 * median when the other vCPU was idle (a real-time wake-up is pushed to the idle vCPU, whose
 * wake-up costs ~50 µs in the hypervisor).
 */
export const DEFAULT_RT_PRIORITY = 0;
/** The SCHED_FIFO priority "auto" asks for (RealtimeKit's default ceiling is 20). */
export const AUTO_RT_PRIORITY = 20;
/** Highest SCHED_FIFO priority Linux accepts. */
export const MAX_RT_PRIORITY = 99;
/** Smallest and largest bridge rings. */
export const MIN_BRIDGE_CAPACITY = 16;
export const MAX_BRIDGE_CAPACITY = 1 << 16;

export type RtConfig = {
  /** Samples (or frames) per cycle. */
  quantum: number;
  /** Samples per second the quantum is counted in. */
  rate: number;
  /** Frames per second: when set (> 0), one cycle is one frame and rate/quantum are ignored. */
  framerate: number;
  /** Number of data Workers (partitions are spread over them). */
  workers: number;
  /** Entries per bridge ring; a power of two between 16 and 65536. */
  bridgeCapacity: number;
  /**
   * SCHED_FIFO priority for the Workers' threads (1..99), 0 to keep the normal policy (the
   * default), or "auto": AUTO_RT_PRIORITY for Workers with a timer-driven partition.
   */
  priority: number | "auto";
  /**
   * Modules each Worker imports after the built-in elements, so that elements not built in
   * (plugins, test fixtures) can be created there by factory name: absolute paths or file URLs
   * of modules that register their elements in the registry when imported.
   */
  modules: string[];
  /** How partitions are paced. */
  driver: DriverKind;
};

export type SchedulingOptions = { mode: SchedulingMode; rt?: Partial<RtConfig> };
/** What Pipeline accepts: a mode name or the mode with real-time options. */
export type SchedulingOption = SchedulingMode | SchedulingOptions;

export const DEFAULT_RT_CONFIG: Readonly<RtConfig> = Object.freeze({
  quantum: DEFAULT_QUANTUM,
  rate: DEFAULT_RATE,
  framerate: 0,
  workers: DEFAULT_WORKERS,
  bridgeCapacity: DEFAULT_BRIDGE_CAPACITY,
  priority: DEFAULT_RT_PRIORITY as RtConfig["priority"],
  modules: [] as string[],
  driver: "auto" as DriverKind,
});

/** Misuse of the scheduling options (thrown at the API boundary). */
export class SchedulingConfigError extends Error {
  override readonly name = "SchedulingConfigError";
}

/** Checks and completes scheduling options. Throws SchedulingConfigError saying what to fix. */
export function resolveScheduling(opt: SchedulingOption | undefined): { mode: SchedulingMode; rt: RtConfig } {
  const o: SchedulingOptions = opt === undefined ? { mode: "async" } : typeof opt === "string" ? { mode: opt } : opt;
  if (!SCHEDULING_MODES.includes(o.mode)) {
    throw new SchedulingConfigError(`unknown scheduling mode "${o.mode}": use one of ${SCHEDULING_MODES.join(", ")}`);
  }
  const rt: RtConfig = { ...DEFAULT_RT_CONFIG, modules: [...DEFAULT_RT_CONFIG.modules], ...o.rt } as RtConfig;
  const int = (k: keyof RtConfig, min: number, max: number) => {
    const v = rt[k] as number;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new SchedulingConfigError(`rt.${k} must be an integer in [${min}, ${max}], got ${v}`);
    }
  };
  int("quantum", 1, 1 << 20);
  int("rate", 1, 10_000_000);
  int("workers", 1, 64);
  int("bridgeCapacity", MIN_BRIDGE_CAPACITY, MAX_BRIDGE_CAPACITY);
  if (rt.priority !== "auto" && !(Number.isInteger(rt.priority) && rt.priority >= 0 && rt.priority <= MAX_RT_PRIORITY)) {
    throw new SchedulingConfigError(`rt.priority must be "auto" or an integer in [0, ${MAX_RT_PRIORITY}] (0: the normal policy), got ${rt.priority}`);
  }
  if ((rt.bridgeCapacity & (rt.bridgeCapacity - 1)) !== 0) {
    throw new SchedulingConfigError(`rt.bridgeCapacity must be a power of two, got ${rt.bridgeCapacity}`);
  }
  if (!(typeof rt.framerate === "number" && rt.framerate >= 0 && Number.isFinite(rt.framerate))) {
    throw new SchedulingConfigError(`rt.framerate must be a number >= 0 (0: use quantum/rate), got ${rt.framerate}`);
  }
  if (!DRIVER_KINDS.includes(rt.driver)) {
    throw new SchedulingConfigError(`rt.driver must be one of ${DRIVER_KINDS.join(", ")}, got ${rt.driver}`);
  }
  if (!Array.isArray(rt.modules) || rt.modules.some((m) => typeof m !== "string" || m.length === 0)) {
    throw new SchedulingConfigError("rt.modules must be a list of module paths or file URLs");
  }
  return { mode: o.mode, rt };
}

/** The length of one cycle in ns: one frame at `framerate`, else `quantum` samples at `rate`. */
export function periodNs(rt: Pick<RtConfig, "quantum" | "rate" | "framerate">): number {
  return rt.framerate > 0 ? Math.round(1e9 / rt.framerate) : Math.round((rt.quantum * 1e9) / rt.rate);
}

/** Parses a CLI value (`--scheduling=hybrid`). Throws SchedulingConfigError. */
export function parseSchedulingMode(text: string): SchedulingMode {
  const m = text.trim().toLowerCase();
  if (m === "rt" || m === "real-time") return "realtime";
  if (!SCHEDULING_MODES.includes(m as SchedulingMode)) {
    throw new SchedulingConfigError(`unknown scheduling mode "${text}": use async, hybrid or realtime`);
  }
  return m as SchedulingMode;
}

/** The CLI's names for RtConfig fields (`--rt=quantum=256,workers=2,priority=auto`). */
const RT_FLAG_KEYS: Record<string, keyof RtConfig> = {
  quantum: "quantum",
  rate: "rate",
  framerate: "framerate",
  workers: "workers",
  capacity: "bridgeCapacity",
  "bridge-capacity": "bridgeCapacity",
  priority: "priority",
  driver: "driver",
};

/**
 * Parses a CLI value of real-time options, `key=value` pairs separated by commas:
 * quantum, rate, framerate, workers, capacity (bridge entries), priority (0..99 or auto),
 * driver. Values are checked later, with the mode, by resolveScheduling. Throws
 * SchedulingConfigError naming the unknown key or malformed pair.
 */
export function parseRtFlag(text: string): Partial<RtConfig> {
  const rt: Record<string, unknown> = {};
  for (const raw of text.split(",")) {
    const pair = raw.trim();
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq).trim().toLowerCase();
    const key = RT_FLAG_KEYS[name];
    if (eq < 0 || key === undefined) {
      const known = Object.keys(RT_FLAG_KEYS).join(", ");
      throw new SchedulingConfigError(
        key === undefined ? `unknown real-time option "${name}" in --rt: use ${known}` : `--rt option "${name}" needs a value (${name}=…)`,
      );
    }
    const value = pair.slice(eq + 1).trim();
    if (key === "driver" || (key === "priority" && value === "auto")) rt[key] = value;
    else {
      const n = Number(value);
      if (value === "" || !Number.isFinite(n)) throw new SchedulingConfigError(`--rt ${name}=${value}: expected a number`);
      rt[key] = n;
    }
  }
  return rt as Partial<RtConfig>;
}
