/**
 * Human-readable renderings of buffers and times for logs, fakesink and consolesink.
 */
import { type Buffer, BufferFlag, TIME_NONE } from "../buffer.ts";

/** "0:00:01.000000000" like GStreamer's GST_TIME_FORMAT; "none" for TIME_NONE. */
export function formatTime(ns: number): string {
  if (ns === TIME_NONE || !Number.isFinite(ns)) return "none";
  const s = Math.floor(ns / 1e9);
  const frac = String(Math.round(ns % 1e9)).padStart(9, "0");
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}.${frac}`;
}

export function describeFlags(flags: number): string {
  const names = Object.entries(BufferFlag)
    .filter(([k, v]) => k !== "NONE" && (flags & v) !== 0)
    .map(([k]) => k.toLowerCase());
  return names.length ? names.join(" ") : "none";
}

export function describeBuffer(b: Buffer): string {
  return (
    `(${b.size} bytes, pts: ${formatTime(b.pts)}, dts: ${formatTime(b.dts)}, ` +
    `duration: ${formatTime(b.duration)}, offset: ${b.offset}, seq: ${b.sequence}, flags: ${describeFlags(b.flags)})`
  );
}

/** Classic 16-bytes-per-line hex dump with an ASCII column. */
export function hexDump(data: Uint8Array, max = 4096): string {
  const lines: string[] = [];
  const n = Math.min(data.length, max);
  for (let o = 0; o < n; o += 16) {
    const row = data.subarray(o, Math.min(o + 16, n));
    const hex = [...row].map((x) => x.toString(16).padStart(2, "0")).join(" ");
    const asc = [...row].map((x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : ".")).join("");
    lines.push(`${o.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${asc}`);
  }
  if (data.length > max) lines.push(`… ${data.length - max} more bytes`);
  return lines.join("\n");
}
