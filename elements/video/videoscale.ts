/**
 * videoscale: resizes raw video (GStreamer's videoscale).
 *
 * Any size to any size in the same format, by `method` nearest-neighbour or bilinear (the
 * default, as GStreamer's). Negotiation keeps the format and framerate and frees width and
 * height: when downstream leaves the size open the input size is kept (frames pass through
 * untouched); when it fixes one side, the other follows the input's aspect ratio. The pixel
 * aspect ratio is carried through unchanged (GStreamer may instead change it to keep the
 * height: `videoscale ! video/x-raw,width=640` from 320x240 gives 640x480 here, 640x240 with
 * pixel-aspect-ratio 1/2 there).
 */
import { Caps } from "../../src/caps/index.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { VIDEO_CAPS_ALL, type VideoInfo } from "../../src/media/video-info.ts";
import { VideoScaler } from "../../src/media/video-scale.ts";
import { VideoFilter } from "./video-filter.ts";

export const DEFAULT_METHOD = "bilinear";

const Props = Type.Object({
  method: Type.Enum(["nearest-neighbour", "bilinear", "nearest"], {
    default: DEFAULT_METHOD,
    description: "Interpolation: nearest-neighbour (alias nearest) or bilinear",
  }),
});
type P = Static<typeof Props>;

export class VideoScale extends VideoFilter<P> {
  static override meta: ElementMeta = {
    name: "videoscale",
    category: "video",
    description: "Resizes raw video (nearest neighbour or bilinear)",
    pads: [template.sink(VIDEO_CAPS_ALL), template.src(VIDEO_CAPS_ALL)],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  protected override readonly freeFields = ["width", "height"];
  #scaler: VideoScaler | null = null;

  protected override fixateOutput(input: VideoInfo, caps: Caps): Caps {
    const s = caps.structures[0]!;
    const w = s.get("width");
    const h = s.get("height");
    const wFixed = typeof w === "number";
    const hFixed = typeof h === "number";
    // Keep the display aspect ratio: out_w / out_h = in_w / in_h (pixel aspect ratio unchanged).
    let prefer: Record<string, number>;
    if (wFixed && !hFixed) prefer = { height: Math.max(1, Math.round((w * input.height) / input.width)) };
    else if (hFixed && !wFixed) prefer = { width: Math.max(1, Math.round((h * input.width) / input.height)) };
    else prefer = { width: input.width, height: input.height };
    return Caps.from([s]).fixate(prefer);
  }

  protected override setup(input: VideoInfo, output: VideoInfo): void {
    this.#scaler = new VideoScaler(input, output, this.props.method === "bilinear" ? "bilinear" : "nearest");
  }

  protected override convert(src: Uint8Array, dst: Uint8Array): void {
    this.#scaler!.scale(src, dst);
  }
}
