/**
 * AudioInfo: what raw audio looks like in memory, from its caps.
 *
 * `audio/x-raw, format=S16LE, layout=interleaved, rate=48000, channels=2` describes frames of
 * `channels` samples each (interleaved: L R L R …), `bpf` bytes a frame, `rate` frames a
 * second. Buffers carry whole frames; their `offset` counts frames from the stream start and
 * their timestamps follow from it (sample n is at n × 1e9 / rate ns, rounded), so a stream
 * stays continuous however it is cut into buffers.
 *
 * Set-up only: elements build an AudioInfo when caps arrive, never per buffer.
 */
import { Caps, Structure } from "../caps/index.ts";
import { SECOND } from "../buffer.ts";

/** The raw audio sample formats Parallax's audio elements handle. */
export type AudioFormat = "S16LE" | "F32LE";

/** In preference order (S16LE first, GStreamer's native default on little-endian machines). */
export const AUDIO_FORMATS: readonly AudioFormat[] = ["S16LE", "F32LE"];

export const AUDIO_FORMATS_CAPS = `{ ${AUDIO_FORMATS.join(", ")} }`;

/** Largest rate and channel count in caps ranges (GStreamer's G_MAXINT). */
export const AUDIO_MAX = 2147483647;

/** Caps of any interleaved raw audio in the formats above (pad templates). */
export const AUDIO_CAPS_ALL =
  `audio/x-raw, format=(string)${AUDIO_FORMATS_CAPS}, layout=(string)interleaved, ` +
  `rate=(int)[ 1, ${AUDIO_MAX} ], channels=(int)[ 1, ${AUDIO_MAX} ]`;

/** GStreamer's default sample rate (GST_AUDIO_DEF_RATE). */
export const DEFAULT_RATE = 44100;

const WIDTHS: Record<AudioFormat, number> = { S16LE: 2, F32LE: 4 };

export function isAudioFormat(s: unknown): s is AudioFormat {
  return typeof s === "string" && Object.hasOwn(WIDTHS, s);
}

export class AudioCapsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AudioCapsError";
  }
}

export class AudioInfo {
  /** Bytes per sample of one channel. */
  readonly width: number;
  /** Bytes per frame (all channels). */
  readonly bpf: number;

  constructor(
    readonly format: AudioFormat,
    readonly rate: number,
    readonly channels: number,
  ) {
    if (!Number.isInteger(rate) || rate < 1) throw new AudioCapsError(`audio rate ${rate} is invalid: it must be a positive integer`);
    if (!Number.isInteger(channels) || channels < 1) {
      throw new AudioCapsError(`audio channels ${channels} is invalid: it must be a positive integer`);
    }
    this.width = WIDTHS[format];
    this.bpf = this.width * channels;
  }

  /** Running time of frame `n` (ns), rounded as gst_util_uint64_scale_round. */
  frameTime(n: number): number {
    return Math.round((n * SECOND) / this.rate);
  }

  /** Frames in `bytes` bytes (whole frames only). */
  frames(bytes: number): number {
    return Math.floor(bytes / this.bpf);
  }

  equals(o: AudioInfo): boolean {
    return this.format === o.format && this.rate === o.rate && this.channels === o.channels;
  }

  with(changes: Partial<{ format: AudioFormat; rate: number; channels: number }>): AudioInfo {
    return new AudioInfo(changes.format ?? this.format, changes.rate ?? this.rate, changes.channels ?? this.channels);
  }

  toCaps(): Caps {
    return Caps.from([
      Structure.of("audio/x-raw", { format: this.format, layout: "interleaved", rate: this.rate, channels: this.channels }),
    ]);
  }

  /** Reads fixed `audio/x-raw` caps; throws AudioCapsError naming what is missing or wrong. */
  static fromCaps(caps: Caps | Structure): AudioInfo {
    const s = caps instanceof Caps ? caps.structures[0] : caps;
    if (!s || s.name !== "audio/x-raw") {
      throw new AudioCapsError(`expected audio/x-raw caps, got ${caps instanceof Caps ? caps.toString() : s?.toString()}`);
    }
    const format = s.get("format");
    if (!isAudioFormat(format)) {
      throw new AudioCapsError(`unsupported audio format ${JSON.stringify(format)}: use one of ${AUDIO_FORMATS.join(", ")} (insert audioconvert)`);
    }
    const layout = s.get("layout");
    if (layout !== undefined && layout !== "interleaved") {
      throw new AudioCapsError(`unsupported audio layout ${JSON.stringify(layout)}: only interleaved audio is handled`);
    }
    const rate = s.get("rate");
    const channels = s.get("channels");
    if (typeof rate !== "number" || typeof channels !== "number") {
      throw new AudioCapsError(`audio caps need fixed rate and channels, got ${s}`);
    }
    return new AudioInfo(format, rate, channels);
  }
}
