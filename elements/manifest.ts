/**
 * The built-in element manifest: every built-in factory name with a loader that imports the
 * element's module on demand. Importing this module defines them all in the default registry
 * without loading any element code; `registry.load(names)` then imports only what a pipeline
 * uses. The `parallax` command starts this way (start-up time is mostly module loading, and
 * `bun build --compile --splitting` puts each dynamically imported module in its own chunk).
 *
 * elements/index.ts registers the same elements eagerly for the library API; a test
 * (elements/manifest.test.ts) checks that the two agree, name for name and class for class.
 * Each loader must name its module literally, so that the bundler sees and embeds it.
 */
import { registry, type ElementLoader } from "../src/registry.ts";

export const builtinLoaders: Readonly<Record<string, ElementLoader>> = {
  // app
  appsink: () => import("./app/appsink.ts").then((m) => m.AppSink),
  appsrc: () => import("./app/appsrc.ts").then((m) => m.AppSrc),
  // audio
  audioconvert: () => import("./audio/audioconvert.ts").then((m) => m.AudioConvert),
  audioresample: () => import("./audio/audioresample.ts").then((m) => m.AudioResample),
  audiotestsrc: () => import("./audio/audiotestsrc.ts").then((m) => m.AudioTestSrc),
  // flow
  capsfilter: () => import("./flow/capsfilter.ts").then((m) => m.CapsFilter),
  concat: () => import("./flow/concat.ts").then((m) => m.Concat),
  funnel: () => import("./flow/funnel.ts").then((m) => m.Funnel),
  "input-selector": () => import("./flow/input-selector.ts").then((m) => m.InputSelector),
  "output-selector": () => import("./flow/output-selector.ts").then((m) => m.OutputSelector),
  queue: () => import("./flow/queue.ts").then((m) => m.Queue),
  streamiddemux: () => import("./flow/streamiddemux.ts").then((m) => m.StreamIdDemux),
  tee: () => import("./flow/tee.ts").then((m) => m.Tee),
  valve: () => import("./flow/valve.ts").then((m) => m.Valve),
  // io
  consolesink: () => import("./io/consolesink.ts").then((m) => m.ConsoleSink),
  fdsink: () => import("./io/fdsink.ts").then((m) => m.FdSink),
  fdsrc: () => import("./io/fdsrc.ts").then((m) => m.FdSrc),
  filesink: () => import("./io/filesink.ts").then((m) => m.FileSink),
  filesrc: () => import("./io/filesrc.ts").then((m) => m.FileSrc),
  // ipc
  ipcsink: () => import("./ipc/ipcsink.ts").then((m) => m.IpcSink),
  ipcsrc: () => import("./ipc/ipcsrc.ts").then((m) => m.IpcSrc),
  // testing
  datasrc: () => import("./testing/datasrc.ts").then((m) => m.DataSrc),
  fakesink: () => import("./testing/fakesink.ts").then((m) => m.FakeSink),
  fakesrc: () => import("./testing/fakesrc.ts").then((m) => m.FakeSrc),
  identity: () => import("./testing/identity.ts").then((m) => m.Identity),
  testsrc: () => import("./testing/testsrc.ts").then((m) => m.TestSrc),
  // timing
  debounce: () => import("./timing/debounce.ts").then((m) => m.Debounce),
  delay: () => import("./timing/delay.ts").then((m) => m.Delay),
  ratelimit: () => import("./timing/ratelimit.ts").then((m) => m.RateLimit),
  throttle: () => import("./timing/throttle.ts").then((m) => m.Throttle),
  timeout: () => import("./timing/timeout.ts").then((m) => m.Timeout),
  // transform
  batch: () => import("./transform/batch.ts").then((m) => m.Batch),
  "concat-bytes": () => import("./transform/concat-bytes.ts").then((m) => m.ConcatBytes),
  "duplicate-filter": () => import("./transform/duplicate-filter.ts").then((m) => m.DuplicateFilter),
  filter: () => import("./transform/filter.ts").then((m) => m.FilterElement),
  "filter-map": () => import("./transform/filter-map.ts").then((m) => m.FilterMapElement),
  "flat-map": () => import("./transform/flat-map.ts").then((m) => m.FlatMapElement),
  join: () => import("./transform/join.ts").then((m) => m.Join),
  map: () => import("./transform/map.ts").then((m) => m.MapElement),
  "meta-extract": () => import("./transform/meta-extract.ts").then((m) => m.MetaExtract),
  "meta-inject": () => import("./transform/meta-inject.ts").then((m) => m.MetaInject),
  pad: () => import("./transform/pad.ts").then((m) => m.PadBytes),
  "regex-filter": () => import("./transform/regex-filter.ts").then((m) => m.RegexFilter),
  "sample-filter": () => import("./transform/sample-filter.ts").then((m) => m.SampleFilter),
  sequence: () => import("./transform/sequence.ts").then((m) => m.Sequence),
  slice: () => import("./transform/slice.ts").then((m) => m.Slice),
  split: () => import("./transform/split.ts").then((m) => m.Split),
  timestamper: () => import("./transform/timestamper.ts").then((m) => m.Timestamper),
  trim: () => import("./transform/trim.ts").then((m) => m.Trim),
  unbatch: () => import("./transform/unbatch.ts").then((m) => m.Unbatch),
  // video
  videoconvert: () => import("./video/videoconvert.ts").then((m) => m.VideoConvert),
  videorate: () => import("./video/videorate.ts").then((m) => m.VideoRate),
  videoscale: () => import("./video/videoscale.ts").then((m) => m.VideoScale),
  videotestsrc: () => import("./video/videotestsrc.ts").then((m) => m.VideoTestSrc),
};

for (const name in builtinLoaders) registry.define(name, builtinLoaders[name]!);
