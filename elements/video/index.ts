/**
 * Raw video elements: test source, colour-space conversion, scaling and frame-rate
 * conversion. The lead registers `videoElements` in elements/index.ts; tests register them
 * themselves (`registry.register(...videoElements)`, which ignores repeats).
 */
import type { ElementClass } from "../../src/graph/element.ts";
import { VideoConvert } from "./videoconvert.ts";
import { VideoRate } from "./videorate.ts";
import { VideoScale } from "./videoscale.ts";
import { VideoTestSrc } from "./videotestsrc.ts";

export const videoElements: ElementClass[] = [VideoTestSrc, VideoConvert, VideoScale, VideoRate];

export { VideoConvert, VideoRate, VideoScale, VideoTestSrc };
