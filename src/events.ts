/**
 * In-band events: control items that travel with the data, in order with buffers.
 *
 * A source pushes stream-start, then caps, then segment, then buffers, then EOS. Queues keep
 * events in order with the buffers around them. Flush-start and flush-stop are not serialized:
 * they overtake data (flush-start empties queues). Custom events carry application data.
 * Events are small immutable records; they are created at stream boundaries, not per buffer.
 */
import type { Caps } from "./caps/index.ts";

export type Segment = {
  /** Playback rate (1 = normal). */
  rate: number;
  /** Stream time of the first buffer, in ns. */
  start: number;
  /** Stream time where the segment ends, or TIME_NONE (-1) for open-ended. */
  stop: number;
  /** Stream time that maps to running time 0. */
  base: number;
  /** Format of start/stop: "time" (ns) or "bytes". */
  format: "time" | "bytes";
};

export type StreamStartEvent = { type: "stream-start"; streamId: string; groupId: number };
export type CapsEvent = { type: "caps"; caps: Caps };
export type SegmentEvent = { type: "segment"; segment: Segment };
export type EosEvent = { type: "eos" };
export type FlushStartEvent = { type: "flush-start" };
export type FlushStopEvent = { type: "flush-stop"; resetTime: boolean };
export type GapEvent = { type: "gap"; timestamp: number; duration: number };
export type CustomEvent = { type: "custom"; name: string; data: unknown; serialized: boolean };

export type Event =
  | StreamStartEvent
  | CapsEvent
  | SegmentEvent
  | EosEvent
  | FlushStartEvent
  | FlushStopEvent
  | GapEvent
  | CustomEvent;

export type EventType = Event["type"];

/** Serialized events keep their order with buffers; flushes overtake data. */
export function isSerialized(ev: Event): boolean {
  if (ev.type === "flush-start" || ev.type === "flush-stop") return false;
  if (ev.type === "custom") return ev.serialized;
  return true;
}

/** Sticky events are remembered on a pad and replayed to a pad linked later (or after flush). */
export function isSticky(ev: Event): boolean {
  return ev.type === "stream-start" || ev.type === "caps" || ev.type === "segment";
}

export const EOS_EVENT: EosEvent = Object.freeze({ type: "eos" }) as EosEvent;

export function defaultSegment(): Segment {
  return { rate: 1, start: 0, stop: -1, base: 0, format: "time" };
}

export const Events = {
  streamStart(streamId: string, groupId = 0): StreamStartEvent {
    return { type: "stream-start", streamId, groupId };
  },
  caps(caps: Caps): CapsEvent {
    return { type: "caps", caps };
  },
  segment(segment: Partial<Segment> = {}): SegmentEvent {
    return { type: "segment", segment: { ...defaultSegment(), ...segment } };
  },
  eos(): EosEvent {
    return EOS_EVENT;
  },
  flushStart(): FlushStartEvent {
    return { type: "flush-start" };
  },
  flushStop(resetTime = true): FlushStopEvent {
    return { type: "flush-stop", resetTime };
  },
  gap(timestamp: number, duration: number): GapEvent {
    return { type: "gap", timestamp, duration };
  },
  custom(name: string, data: unknown, serialized = true): CustomEvent {
    return { type: "custom", name, data, serialized };
  },
};
