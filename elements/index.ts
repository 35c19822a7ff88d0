/**
 * The built-in element catalog: every element class, registered in the default registry on
 * import. Categories follow the folder names (testing, flow, io, app, …).
 */
import { registry } from "../src/registry.ts";
import type { ElementClass } from "../src/graph/element.ts";
import { AppSink } from "./app/appsink.ts";
import { AppSrc } from "./app/appsrc.ts";
import { CapsFilter } from "./flow/capsfilter.ts";
import { Queue } from "./flow/queue.ts";
import { Tee } from "./flow/tee.ts";
import { FileSink } from "./io/filesink.ts";
import { FileSrc } from "./io/filesrc.ts";
import { FakeSink } from "./testing/fakesink.ts";
import { FakeSrc } from "./testing/fakesrc.ts";
import { Identity } from "./testing/identity.ts";

export const builtinElements: ElementClass[] = [
  FakeSrc,
  FakeSink,
  Identity,
  CapsFilter,
  Queue,
  Tee,
  FileSrc,
  FileSink,
  AppSrc,
  AppSink,
];

registry.register(...builtinElements);

export { AppSink, AppSrc, CapsFilter, FakeSink, FakeSrc, FileSink, FileSrc, Identity, Queue, Tee };
