/**
 * VideoFilter: the common shape of raw-video transforms (GStreamer's GstVideoFilter) —
 * videoconvert, videoscale. The caps mapping, fixation near the input, caps events and the
 * output pool are RawFilter's (src/media/raw-filter.ts), over VideoInfo; a subclass says how
 * to turn one frame into another (`convert`). Per buffer: passed through (no copy) when input
 * and output are the same, else an output buffer from the pool is converted into, given the
 * input's metadata, and the input released.
 *
 * Errors on the data path (a buffer smaller than a frame, caps that cannot be read) are posted
 * on the bus and returned as Flow.ERROR / NOT_NEGOTIATED.
 */
import type { Buffer } from "../../src/buffer.ts";
import type { Caps } from "../../src/caps/index.ts";
import type { FlowReturn } from "../../src/flow.ts";
import { RawFilter } from "../../src/media/raw-filter.ts";
import { VideoCapsError, VideoInfo } from "../../src/media/video-info.ts";

export abstract class VideoFilter<P extends object = Record<string, unknown>> extends RawFilter<VideoInfo, P> {
  /** Converts one frame. `src` holds at least input.size bytes, `dst` output.size. */
  protected abstract convert(src: Uint8Array, dst: Uint8Array): void;

  protected infoFromCaps(caps: Caps): VideoInfo {
    return VideoInfo.fromCaps(caps);
  }

  protected isCapsError(err: unknown): boolean {
    return err instanceof VideoCapsError;
  }

  transform(buf: Buffer): Buffer | null | FlowReturn {
    if (this.passthrough) return buf;
    const input = this.inInfo;
    const output = this.outInfo;
    if (input === null || output === null) {
      buf.release();
      return this.error("stream", `${this.name}: received a buffer before caps`, "a caps event must precede video buffers");
    }
    if (buf.size < input.size) {
      const size = buf.size;
      buf.release();
      return this.error(
        "stream",
        `${this.name}: buffer of ${size} bytes is smaller than one ${input.format} ${input.width}x${input.height} frame (${input.size} bytes)`,
        "check the caps upstream: they must describe the frames",
      );
    }
    const out = this.pool!.acquireNow(output.size);
    this.convert(buf.data, out.data);
    out.copyMetadataFrom(buf);
    buf.release();
    return out;
  }
}
