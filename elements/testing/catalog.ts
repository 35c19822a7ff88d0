/**
 * The testing sources of catalog I (issue 6) that are not media: byte patterns and given
 * bytes. fakesrc, fakesink and identity are the engine's baseline and registered on their own.
 */
import type { ElementClass } from "../../src/graph/element.ts";
import { DataSrc } from "./datasrc.ts";
import { TestSrc } from "./testsrc.ts";

export const testingCatalog: ElementClass[] = [TestSrc, DataSrc];

export { DataSrc, TestSrc };
export type { Chunk } from "./datasrc.ts";
