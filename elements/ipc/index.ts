/**
 * The ipc elements: ipcsink and ipcsrc carry a stream between two processes through shared
 * memory (src/ipc/). Registered with the built-in catalog as `ipcElements`.
 */
import type { ElementClass } from "../../src/graph/element.ts";
import { IpcSink } from "./ipcsink.ts";
import { IpcSrc } from "./ipcsrc.ts";

export const ipcElements: ElementClass[] = [IpcSink, IpcSrc];

export { IpcSink, IpcSrc };
