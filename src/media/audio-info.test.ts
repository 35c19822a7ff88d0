import { expect, test } from "bun:test";
import { Caps } from "../caps/index.ts";
import { AudioCapsError, AudioInfo } from "./audio-info.ts";

test("AudioInfo reads caps and counts frames and time", () => {
  const i = AudioInfo.fromCaps(Caps.parse("audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2"));
  expect([i.format, i.rate, i.channels, i.width, i.bpf]).toEqual(["S16LE", 48000, 2, 2, 4]);
  expect(i.frames(4098)).toBe(1024);
  expect(i.frameTime(48000)).toBe(1_000_000_000);
  // Rounded as gst_util_uint64_scale_round: 1 frame at 44.1 kHz is 22675.7 ns.
  expect(new AudioInfo("F32LE", 44100, 1).frameTime(1)).toBe(22676);
  expect(AudioInfo.fromCaps(i.toCaps()).equals(i)).toBe(true);
});

test("AudioInfo refuses what it cannot handle, saying what to do", () => {
  expect(() => AudioInfo.fromCaps(Caps.parse("audio/x-raw,format=S24LE,rate=48000,channels=2"))).toThrow(/insert audioconvert/);
  expect(() => AudioInfo.fromCaps(Caps.parse("audio/x-raw,format=S16LE,layout=non-interleaved,rate=48000,channels=2"))).toThrow(/interleaved/);
  expect(() => AudioInfo.fromCaps(Caps.parse("audio/x-raw,format=S16LE,rate=[1,2],channels=2"))).toThrow(AudioCapsError);
});
