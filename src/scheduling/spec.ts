/**
 * What the event loop sends a data Worker to build its partitions (the start-up message), and
 * what the Worker reports back. Plain, structured-cloneable data: elements travel as factory
 * name + properties + negotiated pad caps, never as objects; shared state travels as
 * SharedArrayBuffers (control block, activation records, bridge rings).
 *
 * Protocol (mediasoup-style: one start-up handshake, then typed reports):
 *   event loop → Worker   `init` (once, right after the Worker is created)
 *   Worker → event loop   `ready` | `fatal`, then any of `bus`, `eos`, `failed`, `xrun`,
 *                         `priority`, and finally `stopped` after STATE=STOP was seen.
 * Run-time control goes through the control block (control.ts) and the control channel
 * (commands.ts), not messages: a Worker running cycles does not read its message port.
 */
import type { Message } from "../bus.ts";
import type { PadDirection, PadPresence } from "../graph/pad.ts";
import type { RtConfig } from "./config.ts";

export type PadSpec = {
  name: string;
  /** Template name ("src_%u" for a request pad). */
  template: string;
  direction: PadDirection;
  presence: PadPresence;
  /** Negotiated caps, as text (null: none). */
  caps: string | null;
  /** What the whole graph allows on the pad, as text. */
  allowed: string | null;
};

export type ElementSpec = {
  name: string;
  factory: string;
  props: Record<string, unknown>;
  pads: PadSpec[];
};

export type LinkSpec = { from: { element: string; pad: string }; to: { element: string; pad: string } };

export type BridgeSpec = {
  id: number;
  /** "in": from the event loop into the partition; "out": from the partition to the event loop. */
  direction: "in" | "out";
  /** The endpoint node's name in the partition ("bridge-in0"). */
  node: string;
  /** The partition pad the bridge feeds (in) or is fed by (out). */
  element: string;
  pad: string;
  ring: SharedArrayBuffer;
  /** The event loop's side, for messages ("queue0.src"). */
  outside: string;
};

export type DriverSpec = { kind: "timer" | "manual" | "freewheel"; periodNs: number };

export type PartitionSpec = {
  id: number;
  elements: ElementSpec[];
  links: LinkSpec[];
  bridges: BridgeSpec[];
  /** Node names in activation-record order (topological: inputs before what they feed). */
  nodes: string[];
  activation: SharedArrayBuffer;
  driver: DriverSpec;
};

export type WorkerInit = {
  type: "init";
  index: number;
  control: SharedArrayBuffer;
  /** The control channel's ring (commands.ts): property changes, applied between cycles. */
  commands: SharedArrayBuffer;
  /** The event loop's performance.timeOrigin: the Worker's clock uses the same time base. */
  mainTimeOrigin: number;
  rt: RtConfig;
  /** SCHED_FIFO priority this Worker asks for (0: none), resolved from rt.priority. */
  priority: number;
  /** The priority came from rt.priority "auto" (a refusal is then only an info message). */
  priorityAuto: boolean;
  partitions: PartitionSpec[];
};

export type WorkerReport =
  | { type: "ready"; worker: number }
  | { type: "fatal"; worker: number; message: string; element?: string }
  | { type: "bus"; msg: Message }
  | { type: "eos"; element: string }
  | { type: "failed"; element: string }
  | { type: "xrun"; partition: number; element: string; durationNs: number; budgetNs: number; count: number }
  | { type: "priority"; worker: number; requested: number; granted: boolean; detail: string }
  | { type: "stopped"; worker: number };
