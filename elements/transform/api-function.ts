/**
 * API elements: transforms whose work is a JavaScript function (map, filter, filter-map,
 * flat-map). A function cannot be typed in a launch string, so it is given from TypeScript:
 *
 *   new MapElement("upper", { fn: (buf) => … })          // constructor option
 *   pipeline.make("map", { fn: (buf) => … })             // same option through the registry
 *   (pipeline.getElement("m") as MapElement).fn = …     // settable field, before running
 *
 * `fn` is taken out of the property record before the schema sees it. Without a function the
 * element refuses to prepare, with a message that says how to give one; `fn=…` in a launch
 * string is refused with the same advice. A function that throws becomes an error on the bus
 * (domain "stream") and Flow.ERROR, never an exception on the data path.
 */
import { errorText } from "../../src/graph/source.ts";
import { PropertyError } from "../../src/graph/properties.ts";

/** Splits `fn` off a property record, checking it is a function. */
export function takeFunction<F>(element: string, factory: string, props: Record<string, unknown>): { fn: F | null; rest: Record<string, unknown> } {
  if (!("fn" in props)) return { fn: null, rest: props };
  const { fn, ...rest } = props;
  if (fn !== null && fn !== undefined && typeof fn !== "function") {
    throw new PropertyError(
      element,
      "fn",
      `property "fn" of ${element} must be a JavaScript function, got ${typeof fn === "string" ? `"${fn}"` : typeof fn}`,
      howToGive(factory),
    );
  }
  return { fn: (fn ?? null) as F | null, rest };
}

/** Throws (at prepare) when no function was given. */
export function requireFunction(element: string, factory: string, fn: unknown): void {
  if (typeof fn !== "function") {
    throw new PropertyError(element, "fn", `${element} (${factory}) has no function to run: ${factory} is an API element`, howToGive(factory));
  }
}

function howToGive(factory: string): string {
  return (
    `give it from TypeScript: pipeline.make("${factory}", { fn }) or new ${className(factory)}(name, { fn }), ` +
    `or set .fn on the element before running; a launch string cannot carry a function`
  );
}

function className(factory: string): string {
  return factory.replace(/(^|-)([a-z])/g, (_, _d: string, c: string) => c.toUpperCase()) + "Element";
}

/** The message for a function that threw. */
export function threw(element: string, factory: string, err: unknown): string {
  return `${element}: the ${factory} function threw: ${errorText(err)}`;
}
