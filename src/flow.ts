/**
 * Flow results: what a push returns upstream, synchronously, as GStreamer's GstFlowReturn.
 *
 * The data path never throws: a chain function returns one of these. OK and the "soft" results
 * (NOT_LINKED, FLUSHING, EOS) tell the pusher how to carry on; NOT_NEGOTIATED and ERROR are
 * fatal and are accompanied by an error message posted on the bus by whoever detected them.
 * Numbers are ranked as in GStreamer: anything below OK means "stop pushing".
 */
export const Flow = {
  OK: 0,
  /** The pad is not linked: the data went nowhere. Fatal for a source unless allowed. */
  NOT_LINKED: -1,
  /** The pad is flushing (a seek or a stop is in progress): stop quietly. */
  FLUSHING: -2,
  /** Downstream is at end of stream: send EOS and stop. */
  EOS: -3,
  /** Caps could not be agreed: fatal, an error was posted. */
  NOT_NEGOTIATED: -4,
  /** Fatal error, posted on the bus by the element that hit it. */
  ERROR: -5,
} as const;
export type FlowReturn = (typeof Flow)[keyof typeof Flow];

const NAMES: Record<number, string> = {
  0: "ok",
  [-1]: "not-linked",
  [-2]: "flushing",
  [-3]: "eos",
  [-4]: "not-negotiated",
  [-5]: "error",
};

export function flowName(flow: number): string {
  return NAMES[flow] ?? `flow(${flow})`;
}

/** Combines the results of pushing one buffer to several pads (tee), as gst_flow_combiner does. */
export function combineFlows(a: FlowReturn, b: FlowReturn): FlowReturn {
  if (a === Flow.OK || b === Flow.OK) {
    if (a === Flow.NOT_NEGOTIATED || a === Flow.ERROR) return a;
    if (b === Flow.NOT_NEGOTIATED || b === Flow.ERROR) return b;
    return Flow.OK;
  }
  // All unhappy: fatal wins, then flushing, then EOS, then not-linked.
  return (a < b ? a : b) as FlowReturn;
}
