/**
 * The io elements of catalog I (issue 6): file descriptors and the console. filesrc and
 * filesink are registered on their own.
 */
import type { ElementClass } from "../../src/graph/element.ts";
import { ConsoleSink } from "./consolesink.ts";
import { FdSink } from "./fdsink.ts";
import { FdSrc } from "./fdsrc.ts";

export const ioCatalog: ElementClass[] = [FdSrc, FdSink, ConsoleSink];

export { ConsoleSink, FdSink, FdSrc };
