/**
 * The built-in element catalog: every element class, registered in the default registry on
 * import (the library API, `import … from "parallax"`, starts this way). Categories follow the
 * folder names (testing, flow, io, app, …).
 *
 * The `parallax` command does not import this module: it defines the same elements lazily
 * through elements/manifest.ts and loads only those a pipeline names. A new element goes in
 * both places; elements/manifest.test.ts fails until it does.
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
import { flowCatalog } from "./flow/catalog.ts";
import { ioCatalog } from "./io/catalog.ts";
import { testingCatalog } from "./testing/catalog.ts";
import { timingElements } from "./timing/index.ts";
import { transformElements } from "./transform/index.ts";
import { videoElements } from "./video/index.ts";
import { audioElements } from "./audio/index.ts";
import { ipcElements } from "./ipc/index.ts";

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
// Catalog I (issue 6): non-media testing, io, flow, transform and timing elements.
registry.register(...testingCatalog, ...ioCatalog, ...flowCatalog, ...transformElements, ...timingElements);
// Raw video and audio (issue 6): test sources, converters, scaler, rate adapters, resampler.
registry.register(...videoElements, ...audioElements);
// Zero-copy transport between processes (issue 3): ipcsink, ipcsrc.
registry.register(...ipcElements);

export { AppSink, AppSrc, CapsFilter, FakeSink, FakeSrc, FileSink, FileSrc, Identity, Queue, Tee };
