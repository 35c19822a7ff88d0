/**
 * From a launch string to a Pipeline: the semantic half of gst-launch's parser.
 *
 * parseLaunch (src/launch/) gives the syntax; here factories are looked up, properties are
 * converted and checked against each element's schema, caps filters become capsfilter
 * elements, references (`t.`, `t.src_0`, `mux.sink_%u`) are resolved by name (also to elements
 * named later in the string), and links are made. Every mistake becomes a SourceError that
 * points at the offending text with a caret and says what to do.
 */
import { Caps } from "../caps/caps.ts";
import { parseLaunch, SourceError } from "../launch/index.ts";
import type { ElementAst, NodeAst, Pos } from "../launch/index.ts";
import { UnknownElementError } from "../registry.ts";
import type { Element } from "./element.ts";
import { Pipeline, type PipelineOptions } from "./pipeline.ts";
import { camel, kebab, PropertyError } from "./properties.ts";

/** Builds (does not start) a pipeline from a gst-launch-style description. */
export function fromLaunch(text: string, opts: PipelineOptions = {}): Pipeline {
  const ast = parseLaunch(text);
  const pipeline = new Pipeline(opts);
  const made = new Map<NodeAst, Element>();

  // Explicit names first, so automatic names never take them.
  const named = new Map<string, ElementAst>();
  for (const n of ast.nodes) {
    if (n.kind === "element" && n.name !== undefined) {
      if (named.has(n.name)) {
        throw new SourceError(`two elements are named "${n.name}"`, text, n.namePos ?? n.pos, "element names must be unique");
      }
      named.set(n.name, n);
    }
  }

  for (const n of ast.nodes) {
    if (n.kind === "element") made.set(n, makeElement(pipeline, n, text, named));
    else if (n.kind === "caps") {
      try {
        Caps.parse(n.text);
      } catch (err) {
        throw new SourceError(`invalid caps filter: ${firstLine(err)}`, text, n.pos, "check the caps syntax: media/type,field=value,…");
      }
      const name = uniqueAvoiding(pipeline, "capsfilter", named);
      made.set(n, pipeline.add(pipeline.registry.make("capsfilter", name, { caps: n.text })).getElement(name)!);
    }
  }

  const resolve = (n: NodeAst): Element => {
    if (n.kind !== "ref") return made.get(n)!;
    const el = pipeline.getElement(n.element);
    if (!el) {
      const names = pipeline.elements.map((e) => e.name);
      throw new SourceError(
        `no element named "${n.element}"`,
        text,
        n.pos,
        names.length ? `named elements: ${names.join(", ")}; name one with name=${n.element}` : `give an element name=${n.element}`,
      );
    }
    return el;
  };

  for (const l of ast.links) {
    const a = resolve(l.from);
    const b = resolve(l.to);
    const srcPad = l.from.kind === "ref" ? l.from.pad : undefined;
    const sinkPad = l.to.kind === "ref" ? l.to.pad : undefined;
    try {
      pipeline.link(a, b, { srcPad, sinkPad });
    } catch (err) {
      throw new SourceError(`cannot link ${a.name} to ${b.name}: ${firstLine(err)}`, text, l.pos, linkHint(a, b));
    }
  }
  return pipeline;
}

/** `named`: the names given explicitly in the description, which automatic names avoid. */
function makeElement(pipeline: Pipeline, n: ElementAst, text: string, named: ReadonlyMap<string, unknown>): Element {
  const cls = pipeline.registry.get(n.factory);
  const factoryPos: Pos = { start: n.pos.start, end: n.pos.start + n.factory.length };
  if (!cls) {
    const e = new UnknownElementError(n.factory, pipeline.registry.suggest(n.factory));
    throw new SourceError(e.message, text, factoryPos, e.hint);
  }
  const props: Record<string, unknown> = {};
  for (const p of n.props) props[p.key] = stripType(p.value);
  let name = n.name;
  if (name === undefined) {
    do name = pipeline.uniqueName(n.factory);
    while (named.has(name));
  }
  try {
    const el = pipeline.registry.make(n.factory, name, props);
    pipeline.add(el);
    return el;
  } catch (err) {
    if (err instanceof PropertyError) {
      const p = n.props.find((x) => camel(x.key) === camel(err.property));
      throw new SourceError(err.message, text, p ? (p.key === err.property || camel(p.key) === camel(err.property) ? p.valuePos : p.pos) : factoryPos, err.hint);
    }
    throw new SourceError(`${n.factory}: ${firstLine(err)}`, text, factoryPos);
  }
}

/** `(int)5` → `5`: launch strings may type values as GStreamer's do. */
function stripType(v: string): string {
  // Most values carry no "(type)": skip the expression, whose first use costs a compilation.
  if (v.charCodeAt(0) !== 0x28) return v;
  const m = /^\((?:int|uint|gint|guint|int64|uint64|double|float|string|boolean|bool|gboolean|gchararray|fraction|i|d|s|b)\)\s*(.*)$/s.exec(v);
  return m ? m[1]! : v;
}

function uniqueAvoiding(pipeline: Pipeline, factory: string, named: Map<string, unknown>): string {
  let name: string;
  do name = pipeline.uniqueName(factory);
  while (named.has(name));
  return name;
}

function linkHint(a: Element, b: Element): string {
  const srcs = a.meta.pads.filter((p) => p.direction === "src").map((p) => p.name);
  const sinks = b.meta.pads.filter((p) => p.direction === "sink").map((p) => p.name);
  return `${a.name} has src pads [${srcs.join(", ") || "none"}], ${b.name} has sink pads [${sinks.join(", ") || "none"}]`;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
}

export { kebab };
