/**
 * `parallax inspect`: the gst-inspect-1.0 equivalent. Without an argument, every element by
 * category; with one, its description, pad templates with caps, properties (type, default,
 * range or choices), scheduling and the authority it needs when isolated.
 *
 * The command loads element modules itself (the built-ins are defined lazily by
 * elements/manifest.ts): all of them for the list, only the one asked about otherwise.
 */
import "../../elements/manifest.ts";
import type { ElementClass } from "../graph/element.ts";
import { describeType, kebab, schemaDefault, schemaDescription, isMutable } from "../graph/properties.ts";
import { registry as defaultRegistry, type Registry } from "../registry.ts";
import { stderr, stdout, type TextSink } from "./output.ts";
import type { TSchema } from "typebox";

/**
 * Runs `parallax inspect [element]`; returns the exit status (0, or 1 for an unknown element,
 * with the nearest names as a hint on `err`).
 */
export async function runInspect(args: string[], out: TextSink = stdout, err: TextSink = stderr, reg: Registry = defaultRegistry): Promise<number> {
  const factory = args[0];
  if (factory === undefined) {
    await reg.load();
    out.write(inspectList(reg) + "\n");
    return 0;
  }
  await reg.load([factory]);
  const cls = reg.get(factory);
  if (!cls) {
    const s = reg.suggest(factory);
    err.write(`No such element "${factory}"${s.length ? `; did you mean ${s.join(", ")}?` : ""}\n`);
    return 1;
  }
  out.write(inspectElement(cls) + "\n");
  return 0;
}

export function inspectList(reg: Registry): string {
  const byCat = new Map<string, ElementClass[]>();
  const all = reg.list();
  for (const c of all) {
    const l = byCat.get(c.meta.category) ?? [];
    l.push(c);
    byCat.set(c.meta.category, l);
  }
  const lines: string[] = [];
  for (const [cat, list] of byCat) {
    lines.push(`${cat}:`);
    for (const c of list) lines.push(`  ${c.meta.name.padEnd(20)} ${c.meta.description}`);
  }
  lines.push("", `${all.length} elements`);
  return lines.join("\n");
}

export function inspectElement(cls: ElementClass): string {
  const m = cls.meta;
  const lines = [
    `Factory Details:`,
    `  Name:         ${m.name}`,
    `  Category:     ${m.category}`,
    `  Description:  ${m.description}`,
    `  Mode:         ${m.mode ?? "sync"}`,
    `  Scheduling:   affinity=${m.scheduling.affinity}, rt-safe=${m.scheduling.rtSafe}`,
    `  Authority:    ${m.authority ?? "not declared"}`,
    ``,
    `Pad Templates:`,
  ];
  for (const t of m.pads) {
    lines.push(`  ${t.direction.toUpperCase()} template: '${t.name}'`);
    lines.push(`    Availability: ${t.presence}`);
    lines.push(`    Capabilities:`);
    const caps = t.caps.toString();
    for (const s of caps.split("; ")) lines.push(`      ${s}`);
    lines.push("");
  }
  lines.push("Element Properties:");
  const props = m.properties.properties as Record<string, TSchema>;
  const keys = Object.keys(props);
  if (keys.length === 0) lines.push("  none");
  for (const k of keys) {
    const s = props[k]!;
    lines.push(`  ${kebab(k).padEnd(20)}: ${schemaDescription(s)}`);
    lines.push(`  ${"".padEnd(20)}  ${describeType(s)}. Default: ${JSON.stringify(schemaDefault(s))}${isMutable(s) ? " (changeable while running)" : ""}`);
  }
  return lines.join("\n");
}
