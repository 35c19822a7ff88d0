/**
 * Graph dumps: the pipeline as Graphviz DOT or as JSON, with the negotiated caps on each link
 * and buffer counts, so a pipeline can be looked at without environment variables.
 */
import type { Pipeline } from "../graph/pipeline.ts";
import { kebab } from "../graph/properties.ts";

export type GraphJson = {
  name: string;
  state: string;
  elements: {
    name: string;
    factory: string;
    properties: Record<string, unknown>;
    pads: { name: string; direction: string; caps: string | null; peer: string | null; buffers: number }[];
  }[];
  links: { from: string; to: string; caps: string | null; buffers: number }[];
};

export function toJson(p: Pipeline): GraphJson {
  return {
    name: p.name,
    state: p.state,
    elements: p.elements.map((e) => ({
      name: e.name,
      factory: e.factoryName,
      properties: Object.fromEntries(Object.entries(e.props).map(([k, v]) => [kebab(k), v])),
      pads: e.pads.map((pad) => ({
        name: pad.name,
        direction: pad.direction,
        caps: pad.caps?.toString() ?? null,
        peer: pad.peer?.path ?? null,
        buffers: pad.count,
      })),
    })),
    links: p.elements.flatMap((e) =>
      e.pads
        .filter((pad) => pad.direction === "src" && pad.peer)
        .map((pad) => ({ from: pad.path, to: pad.peer!.path, caps: pad.caps?.toString() ?? null, buffers: pad.count })),
    ),
  };
}

const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function toDot(p: Pipeline): string {
  const out = [`digraph ${q(p.name)} {`, "  rankdir=LR;", '  node [shape=box, fontname="monospace", fontsize=10];'];
  for (const e of p.elements) {
    const changed = Object.entries(e.props)
      .filter(([, v]) => v !== "" && v !== false && v !== -1)
      .slice(0, 6)
      .map(([k, v]) => `${kebab(k)}=${String(v)}`);
    out.push(`  ${q(e.name)} [label=${q([`${e.name}`, `(${e.factoryName})`, ...changed].join("\\n"))}];`);
  }
  for (const e of p.elements) {
    for (const pad of e.pads) {
      if (pad.direction !== "src" || !pad.peer) continue;
      const caps = pad.caps?.toString() ?? "unnegotiated";
      const label = `${pad.name} → ${pad.peer.name}\\n${caps.replace(/, /g, "\\n")}`;
      out.push(`  ${q(e.name)} -> ${q(pad.peer.element.name)} [label=${q(label)}, fontsize=9];`);
    }
  }
  out.push("}");
  return out.join("\n") + "\n";
}

/** One line per link: "a.src → b.sink  caps", for `launch -v` and `--dry-run`. */
export function toText(p: Pipeline): string {
  const lines: string[] = [];
  for (const e of p.elements) {
    for (const pad of e.pads) {
      if (pad.direction !== "src" || !pad.peer) continue;
      lines.push(`${pad.path} → ${pad.peer.path}: ${pad.caps?.toString() ?? "unnegotiated"}`);
    }
  }
  return lines.join("\n");
}
