/**
 * Parallax: the public API. Import from here (`import { launch, Pipeline } from "parallax"`).
 * Importing registers the built-in elements.
 */
import "../elements/index.ts";
import { fromLaunch } from "./graph/from-launch.ts";
import type { PipelineOptions } from "./graph/pipeline.ts";

export { Buffer, BufferFlag, MSECOND, SECOND, TIME_NONE, USECOND, type Memory } from "./buffer.ts";
export { Bus, type Message, type MessageType, type PipelineState, type ErrorDomain } from "./bus.ts";
export { Caps, Structure, CapsParseError } from "./caps/index.ts";
export { ManualClock, SystemClock, systemClock, type Clock } from "./clock.ts";
export { Events, type Event, type Segment } from "./events.ts";
export { Flow, flowName, type FlowReturn } from "./flow.ts";
export { Element, NO_PROPERTIES, template, type ElementMeta, type ElementClass, type Scheduling } from "./graph/element.ts";
export { NegotiationError } from "./graph/negotiate.ts";
export { Pad, type PadTemplate } from "./graph/pad.ts";
export { Pipeline, PipelineError, linkPads, type PipelineOptions } from "./graph/pipeline.ts";
export { PropertyError, type Static } from "./graph/properties.ts";
// TypeBox's own Type, every builder (elements use the subset in src/graph/property-types.ts).
export { default as Type } from "typebox";
export { Sink, AsyncSink } from "./graph/sink.ts";
export { Source, AsyncSource, WAIT } from "./graph/source.ts";
export { AsyncTransform, Transform } from "./graph/transform.ts";
export { parseLaunch, SourceError } from "./launch/index.ts";
export { registry, Registry, UnknownElementError } from "./registry.ts";
export { fromLaunch };
export * from "../elements/index.ts";
export * from "./typed/index.ts";

/** Builds a pipeline from a gst-launch-style string (not started: call run()). */
export function launch(description: string, opts?: PipelineOptions) {
  return fromLaunch(description, opts);
}
