/**
 * Channel: one end of the control connection between a supervisor and an element host.
 *
 * It owns the control socket (a SEQPACKET fd) and, optionally, the fd side channel (see
 * protocol.ts). Messages go out with a nonblocking sendmsg (queued and retried if the socket is
 * momentarily full); they come in through an FdWatch on the event loop, are split into frames
 * and checked against their schemas. Requests get ids and are matched to replies; each request
 * has a timeout. Notifications go to the listener for their event.
 *
 * How a channel ends is reported once, through `onEnd`:
 *   "closed"    close() was called here;
 *   "eof"       the other side closed its end or died (the socket hit end-of-file);
 *   "protocol"  the other side sent something that is not the protocol (the error says what);
 * pending requests are rejected in every case. close() is idempotent.
 *
 * Thread: the event loop of the process that made it. Nothing here blocks.
 */
import * as fdpass from "../../ffi/fdpass.ts";
import { ErrnoError } from "../../ffi/errno.ts";
import { FdWatch } from "../ipc/watch.ts";
import {
  encodeMessage,
  FrameDecoder,
  ProtocolError,
  type EventName,
  type Message,
  type Method,
  type NotificationData,
} from "./protocol.ts";
import { closeQuietly } from "./fds.ts";

export type ChannelEnd = { reason: "closed" } | { reason: "eof" } | { reason: "protocol"; error: ProtocolError };

export class RequestError extends Error {
  override readonly name = "RequestError";
  constructor(
    readonly method: string,
    message: string,
    readonly code?: string,
    /** The element the failure is about, when the other side named one. */
    readonly source?: string,
  ) {
    super(message);
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout>; method: string };

const FD_PAYLOAD = new TextEncoder();
const FD_DECODE = new TextDecoder();

export class Channel {
  readonly fd: number;
  /** The fd side channel (supervisor → host), or -1. Owned by the channel. */
  readonly fdsFd: number;
  #watch: FdWatch | null;
  #decoder = new FrameDecoder();
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #outbox: Uint8Array[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #ended: ChannelEnd | null = null;
  #notify = new Map<string, (data: unknown) => void>();
  #onRequest: ((method: Method, params: unknown, id: number) => Promise<unknown>) | null = null;
  #onEnd: ((end: ChannelEnd) => void) | null = null;
  /** Bytes received, for diagnostics. */
  received = 0;

  /** Takes ownership of `fd` (and `fdsFd` if >= 0). Starts reading at once. */
  constructor(fd: number, fdsFd = -1) {
    this.fd = fd;
    this.fdsFd = fdsFd;
    fdpass.setNonblocking(fd, true);
    this.#watch = new FdWatch(
      fd,
      (bytes) => this.#data(bytes),
      () => this.#end({ reason: "eof" }),
    );
  }

  get ended(): ChannelEnd | null {
    return this.#ended;
  }

  /** Called once when the channel ends (see the file header). */
  onEnd(fn: (end: ChannelEnd) => void): void {
    this.#onEnd = fn;
    if (this.#ended) queueMicrotask(() => fn(this.#ended!));
  }

  /** Handles requests (host side). The handler's result (or thrown error) becomes the reply. */
  onRequest(fn: (method: Method, params: unknown, id: number) => Promise<unknown>): void {
    this.#onRequest = fn;
  }

  /** Listens for one notification event (supervisor side). */
  on<E extends EventName>(event: E, fn: (data: NotificationData<E>) => void): void {
    this.#notify.set(event, fn as (d: unknown) => void);
  }

  /**
   * Sends a request and resolves with the reply's result; rejects with RequestError when the
   * other side answered with an error, or when the timeout passes or the channel ends first.
   * `fds` go over the side channel just before the request (the host takes them by id).
   */
  request(method: Method, params: Record<string, unknown>, opts: { fds?: readonly number[]; timeoutMs?: number } = {}): Promise<unknown> {
    if (this.#ended) return Promise.reject(new RequestError(method, `cannot send ${method}: the control channel has ended (${this.#ended.reason})`));
    const id = this.#nextId++;
    const fds = opts.fds ?? [];
    if (fds.length > 0) {
      if (this.fdsFd < 0) return Promise.reject(new RequestError(method, "this channel has no fd side channel"));
      try {
        fdpass.sendMsg(this.fdsFd, FD_PAYLOAD.encode(JSON.stringify({ id, count: fds.length })), fds);
      } catch (e) {
        return Promise.reject(new RequestError(method, `could not pass ${fds.length} fds for ${method}: ${(e as Error).message}`));
      }
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RequestError(method, `${method} got no reply within ${timeoutMs} ms`, "ETIMEDOUT"));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer, method });
      this.#send({ kind: "request", id, method, params });
    });
  }

  /** Sends a notification (host side). Dropped silently once the channel has ended. */
  notify<E extends EventName>(event: E, data: NotificationData<E>): void {
    this.#send({ kind: "notify", event, data });
  }

  /**
   * Host side: takes the fds the supervisor sent for request `id`. Throws ProtocolError when
   * they are not there or do not match. The caller owns the returned fds.
   */
  takeFds(id: number, count: number): number[] {
    if (count === 0) return [];
    if (this.fdsFd < 0) throw new ProtocolError("no fd side channel");
    const buf = new Uint8Array(256);
    const r = fdpass.recvMsg(this.fdsFd, buf, fdpass.MAX_FDS, fdpass.Msg.DONTWAIT);
    if (r === null) throw new ProtocolError(`request ${id} announced ${count} fds but none were sent`);
    let meta: { id?: number; count?: number } = {};
    try {
      meta = JSON.parse(FD_DECODE.decode(buf.subarray(0, r.bytes)));
    } catch {
      // reported below
    }
    if (meta.id !== id || meta.count !== count || r.fds.length !== count || r.fdsTruncated) {
      for (const fd of r.fds) closeQuietly(fd);
      throw new ProtocolError(`the fds on the side channel are for request ${meta.id} (${r.fds.length}), not request ${id} (${count})`);
    }
    return r.fds;
  }

  #send(msg: Message): void {
    if (this.#ended) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage(msg);
    } catch (e) {
      if (msg.kind === "reply") {
        bytes = encodeMessage({ kind: "reply", id: msg.id, ok: false, error: { message: (e as Error).message } });
      } else throw e;
    }
    this.#outbox.push(bytes);
    this.#flush();
  }

  #flush = (): void => {
    this.#flushTimer = null;
    while (this.#outbox.length > 0 && !this.#ended) {
      let sent: number | null;
      try {
        sent = fdpass.sendMsg(this.fd, this.#outbox[0]!, [], fdpass.Msg.DONTWAIT);
      } catch (e) {
        // EPIPE/ECONNRESET: the other side is gone; the watch will see end-of-file.
        if (e instanceof ErrnoError) {
          this.#outbox.length = 0;
          return;
        }
        throw e;
      }
      if (sent === null) {
        this.#flushTimer ??= setTimeout(this.#flush, 1);
        return;
      }
      this.#outbox.shift();
    }
  };

  #data(bytes: Uint8Array): void {
    if (this.#ended) return;
    this.received += bytes.byteLength;
    let msgs: Message[];
    try {
      msgs = this.#decoder.push(bytes);
    } catch (e) {
      this.#end({ reason: "protocol", error: e instanceof ProtocolError ? e : new ProtocolError(String(e)) });
      return;
    }
    for (const m of msgs) {
      if (this.#ended) return;
      this.#dispatch(m);
    }
  }

  #dispatch(m: Message): void {
    if (m.kind === "reply") {
      const p = this.#pending.get(m.id);
      if (!p) {
        this.#end({ reason: "protocol", error: new ProtocolError(`a reply to request ${m.id}, which is not pending`) });
        return;
      }
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new RequestError(p.method, m.error?.message ?? `${p.method} failed`, m.error?.code, m.error?.source));
    } else if (m.kind === "notify") {
      this.#notify.get(m.event)?.(m.data);
    } else {
      const handler = this.#onRequest;
      if (!handler) {
        this.#end({ reason: "protocol", error: new ProtocolError(`unexpected request ${m.method}`) });
        return;
      }
      handler(m.method, m.params, m.id).then(
        (result) => this.#send({ kind: "reply", id: m.id, ok: true, result: result ?? {} }),
        (err: unknown) => {
          const e = err as { code?: unknown; source?: unknown };
          const error: { message: string; code?: string; source?: string } = { message: err instanceof Error ? err.message : String(err) };
          if (typeof e?.code === "string") error.code = e.code;
          if (typeof e?.source === "string") error.source = e.source;
          this.#send({ kind: "reply", id: m.id, ok: false, error });
        },
      );
    }
  }

  #end(end: ChannelEnd): void {
    if (this.#ended) return;
    this.#ended = end;
    const why = end.reason === "protocol" ? `protocol error: ${end.error.message}` : end.reason === "eof" ? "the other side closed the channel" : "the channel was closed";
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new RequestError(p.method, `${p.method} did not complete: ${why}`));
    }
    this.#pending.clear();
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#onEnd?.(end);
  }

  /** Stops reading, fails pending requests, closes the fds. Idempotent. Resolves when the
   * reader has stopped. */
  async close(): Promise<void> {
    this.#end({ reason: "closed" });
    const w = this.#watch;
    if (w === null) return;
    this.#watch = null;
    await w.stop();
    closeQuietly(this.fd);
    if (this.fdsFd >= 0) closeQuietly(this.fdsFd);
  }

  /** Sends everything queued now, synchronously (best effort; for a host about to exit). */
  flushNow(): void {
    this.#flush();
  }
}
