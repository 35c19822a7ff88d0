/**
 * AudioFilter: the common shape of raw-audio transforms (GStreamer's GstAudioFilter) —
 * audioconvert, audioresample. The caps mapping, fixation near the input, caps events and the
 * output pool are RawFilter's (src/media/raw-filter.ts), over AudioInfo; a subclass converts
 * in its own `transform`, starting with `checkInput`.
 */
import type { Buffer } from "../../src/buffer.ts";
import type { Caps } from "../../src/caps/index.ts";
import type { FlowReturn } from "../../src/flow.ts";
import { AudioCapsError, AudioInfo } from "../../src/media/audio-info.ts";
import { RawFilter } from "../../src/media/raw-filter.ts";

/** Budget of pooled audio memory per element. */
export const AUDIO_POOL_BUDGET = 4 * 1024 * 1024;

export abstract class AudioFilter<P extends object = Record<string, unknown>> extends RawFilter<AudioInfo, P> {
  protected override readonly poolBudget = AUDIO_POOL_BUDGET;

  protected infoFromCaps(caps: Caps): AudioInfo {
    return AudioInfo.fromCaps(caps);
  }

  protected isCapsError(err: unknown): boolean {
    return err instanceof AudioCapsError;
  }

  /** Common checks before converting: caps known. Returns the input info or a posted error. */
  protected checkInput(buf: Buffer): AudioInfo | FlowReturn {
    const input = this.inInfo;
    if (input === null || this.outInfo === null) {
      buf.release();
      return this.error("stream", `${this.name}: received a buffer before caps`, "a caps event must precede audio buffers");
    }
    return input;
  }
}
