/**
 * `parallax inspect`: the gst-inspect-1.0 equivalent. Without an argument, every element by
 * category; with one, its description, pad templates with caps, properties (type, default,
 * range or choices), scheduling and the authority it needs when isolated.
 */
import type { ElementClass } from "../graph/element.ts";
import { describeType, kebab, schemaDefault, schemaDescription, isMutable } from "../graph/properties.ts";
import type { Registry } from "../registry.ts";
import type { TSchema } from "typebox";

export function inspectList(reg: Registry): string {
  const byCat = new Map<string, ElementClass[]>();
  for (const c of reg.list()) {
    const l = byCat.get(c.meta.category) ?? [];
    l.push(c);
    byCat.set(c.meta.category, l);
  }
  const lines: string[] = [];
  for (const [cat, list] of byCat) {
    lines.push(`${cat}:`);
    for (const c of list) lines.push(`  ${c.meta.name.padEnd(20)} ${c.meta.description}`);
  }
  lines.push("", `${reg.list().length} elements`);
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
