/**
 * Shadows: the event-loop copies of elements that run in a real-time partition. The user's
 * pipeline keeps them (graph, names, `getElement`), but their twins in a data Worker do the
 * work. While the partition lives, a property change made on the shadow — `el.set("drop",
 * true)` or a plain assignment `el.props.drop = true` — is checked there exactly as on any
 * element (name, type, range, `mutable` while running, `validate()`), kept there (so reading it
 * back gives the current value), and forwarded through the Worker's control channel
 * (commands.ts), which applies it to the twin between two cycles, in order.
 *
 * `forwardProperties` puts the interception on one element and returns the function that takes
 * it off (the executor calls it at suspend, when the element becomes an ordinary one again).
 *
 * Thread: the event loop.
 */
import type { Element } from "../graph/element.ts";
import { coerceProperty } from "../graph/properties.ts";

/** Receives a property change that the shadow accepted: key (camelCase) and coerced value. */
export type PropertySink = (key: string, value: unknown) => void;

/**
 * Makes `set()` and assignments to `props` on `el` go to `send` too. Throws what `set()` throws
 * (PropertyError) and, when the value cannot be sent to a Worker, a TypeError; in both cases
 * the shadow keeps its previous value.
 */
export function forwardProperties(el: Element, send: PropertySink): () => void {
  const raw = el.props as Record<string, unknown>;
  const ownSet = Object.hasOwn(el, "set") ? el.set : undefined;
  const protoSet = Object.getPrototypeOf(el).set as Element["set"];
  // True while the element's own set() runs: its writes to `props` go straight to the object.
  let inside = false;

  const set = (name: string, value: unknown): void => {
    const key = coerceProperty(el.name, el.meta.properties, name, value).key;
    const had = Object.hasOwn(raw, key);
    const old = raw[key];
    inside = true;
    try {
      protoSet.call(el, name, value);
    } finally {
      inside = false;
    }
    try {
      send(key, raw[key]);
    } catch (e) {
      if (had) raw[key] = old;
      else delete raw[key];
      throw e;
    }
  };

  el.set = set;
  el.props = new Proxy(raw, {
    set(target, k, v) {
      if (inside || typeof k !== "string") return Reflect.set(target, k, v);
      set(k, v);
      return true;
    },
  });

  return () => {
    el.props = raw;
    if (ownSet !== undefined) el.set = ownSet;
    else delete (el as { set?: unknown }).set;
  };
}
