/**
 * The flow elements of catalog I (issue 6): N-to-1 and 1-to-N fittings, switches and stream
 * splitting. queue, tee and capsfilter are the engine's baseline and registered on their own.
 */
import type { ElementClass } from "../../src/graph/element.ts";
import { Concat } from "./concat.ts";
import { Funnel } from "./funnel.ts";
import { InputSelector } from "./input-selector.ts";
import { OutputSelector } from "./output-selector.ts";
import { StreamIdDemux } from "./streamiddemux.ts";
import { Valve } from "./valve.ts";

export const flowCatalog: ElementClass[] = [Funnel, InputSelector, OutputSelector, Concat, Valve, StreamIdDemux];

export { Concat, Funnel, InputSelector, OutputSelector, StreamIdDemux, Valve };
