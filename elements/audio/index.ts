/**
 * Raw audio elements: test source, sample-format and channel conversion, resampling. The lead
 * registers `audioElements` in elements/index.ts; tests register them themselves
 * (`registry.register(...audioElements)`, which ignores repeats).
 */
import type { ElementClass } from "../../src/graph/element.ts";
import { AudioConvert } from "./audioconvert.ts";
import { AudioResample } from "./audioresample.ts";
import { AudioTestSrc } from "./audiotestsrc.ts";

export const audioElements: ElementClass[] = [AudioTestSrc, AudioConvert, AudioResample];

export { AudioConvert, AudioResample, AudioTestSrc };
