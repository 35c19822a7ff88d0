/**
 * fdsink: writes every buffer to a file descriptor the process already has (GStreamer's
 * fdsink): `fd=1` (stdout, the default), a pipe or socket handed over by a parent, a file
 * opened by the application. The fd is borrowed: fdsink never closes it.
 *
 * Regular files and devices (block and character: /dev/null, a terminal) are written
 * synchronously, as GStreamer does, and EOS is reported at once; should such a write find the
 * fd non-blocking and full (EAGAIN: a terminal Bun made non-blocking), the element switches to
 * the asynchronous way below for the rest of the run. Pipes and sockets, whose reader may be
 * slow or even in this same process, are written through Bun's fd writer (epoll-driven; it
 * puts the fd in non-blocking mode, as Bun does with its own stdout, and writes through a dup
 * of it that fdsink closes at EOS or stop), behind a small bounded queue: a slow reader blocks the pushing task (backpressure), never the event loop. A write
 * error (EPIPE when the reader went away) is a resource error on the bus.
 */
import type { FileSink as BunFileSink } from "bun";
import type { Buffer } from "../../src/buffer.ts";
import * as fileio from "../../ffi/fileio.ts";
import type { Event } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { AsyncSink } from "../../src/graph/sink.ts";
import { errorText } from "../../src/graph/source.ts";

export const DEFAULT_FD = 1;

const Props = Type.Object({
  fd: Type.Integer({ default: DEFAULT_FD, minimum: 0, description: "File descriptor to write (1 = stdout); it is not closed" }),
});
type P = Static<typeof Props>;

export class FdSink extends AsyncSink<P> {
  static override meta: ElementMeta = {
    name: "fdsink",
    category: "io",
    description: "Writes buffers to a file descriptor (stdout by default; pipes, sockets, files)",
    pads: [template.sink("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "the file descriptor given by fd (inherited or passed in)",
    mode: "async",
  };

  #regular = false;
  #writer: BunFileSink | null = null;
  /** Bytes written since start. */
  written = 0;

  /** True when the fd is written synchronously (not a pipe or socket). */
  get regular(): boolean {
    return this.#regular;
  }

  override prepare(): void {
    const fd = this.props.fd;
    let st;
    try {
      st = fileio.fstat(fd);
    } catch (err) {
      throw new PropertyError(this.name, "fd", `${this.name}: fd ${fd} cannot be written: ${errorText(err)}`, "give fd= a descriptor this process has open");
    }
    this.#regular = !(st.isFIFO || st.isSocket);
  }

  override start(): void {
    super.start();
    this.written = 0;
  }

  override unprepare(): void {
    this.#endWriter();
  }

  /** Bun's writer works on its own dup of the fd: ending it closes that dup, never `fd`. */
  #endWriter(): Promise<void> {
    const w = this.#writer;
    this.#writer = null;
    if (w === null) return Promise.resolve();
    return Promise.resolve(w.end()).then(
      () => {},
      () => {},
    );
  }

  protected override async finish(): Promise<void> {
    // EOS: everything was flushed; let go of the dup so the reader sees end of file when the
    // application closes its fd.
    await this.#endWriter();
  }

  override chain(pad: Pad, buf: Buffer): FlowReturn {
    if (!this.#regular) return super.chain(pad, buf);
    const d = buf.data;
    let off = 0;
    try {
      while (off < d.length) off += fileio.write(this.props.fd, d, off, d.length - off, null);
    } catch (err) {
      if ((err as { code?: string }).code === "EAGAIN") {
        // A non-blocking fd that is full: write the rest (and all that follows) asynchronously.
        this.#regular = false;
        this.written += off;
        buf.data = d.subarray(off);
        return super.chain(pad, buf);
      }
      buf.release();
      return this.error("resource", `${this.name}: could not write fd ${this.props.fd}: ${errorText(err)}`);
    }
    this.written += d.length;
    this.rendered++;
    buf.release();
    return Flow.OK;
  }

  override event(pad: Pad, ev: Event): boolean {
    // Synchronous writes: everything is written already, EOS is reached now.
    if (this.#regular && ev.type === "eos" && pad.direction === "sink") {
      this.ctx?.sinkEos(this);
      return true;
    }
    return super.event(pad, ev);
  }

  async renderAsync(buf: Buffer): Promise<void> {
    const w = (this.#writer ??= Bun.file(this.props.fd).writer());
    const d = buf.data;
    // Either may hand back a promise: a write that waits, or a failure (EPIPE) as a rejection.
    const r = w.write(d);
    if (r instanceof Promise) await r;
    // Resolved once the bytes reached the kernel: the queue in front stays the only buffering.
    const f = w.flush();
    if (f instanceof Promise) await f;
    this.written += d.length;
  }
}
