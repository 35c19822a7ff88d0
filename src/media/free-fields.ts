/**
 * Caps mapping for raw-media filters that may change some fields (videoconvert frees `format`,
 * videoscale `width`/`height`, audioresample `rate`…): the output can be the input as it is
 * (preferred, so passthrough wins) or the input with those fields left open, within the
 * element's template on the other side. Shared by the video and audio filter bases.
 */
import { Caps, type Structure } from "../caps/index.ts";

export function freeFields(caps: Caps, fields: readonly string[], otherTemplate: Caps): Caps {
  if (caps.isAny()) return otherTemplate;
  const freed: Structure[] = [];
  for (let s of caps.structures) {
    for (const f of fields) s = s.without(f);
    freed.push(s);
  }
  return Caps.from([...caps.structures, ...freed]).intersect(otherTemplate);
}
