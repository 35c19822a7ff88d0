/**
 * The timing elements of catalog I (issue 6): they act on the pipeline clock's running time
 * (`ctx.clock`), never on wall time directly, so tests drive them with a ManualClock.
 */
import type { ElementClass } from "../../src/graph/element.ts";
import { Debounce } from "./debounce.ts";
import { Delay } from "./delay.ts";
import { RateLimit } from "./ratelimit.ts";
import { Throttle } from "./throttle.ts";
import { Timeout } from "./timeout.ts";

export const timingElements: ElementClass[] = [Delay, Timeout, Debounce, Throttle, RateLimit];

export { Debounce, Delay, RateLimit, Throttle, Timeout };
export { Clocked, TimedQueue } from "./clocked.ts";
