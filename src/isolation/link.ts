/**
 * LinkResources: what one cross-process link is made of, created by the supervisor and handed
 * to its two ends (boundary.ts): a descriptor ring in a memfd (src/ipc/ring.ts), a SEQPACKET
 * socket pair for the messages beside it (link-protocol.ts), and two eventfd doorbells (data
 * for the consumer, space for the producer).
 *
 * The supervisor makes them so that neither end has to trust the other to set the link up,
 * and so that a link can be replaced (a restarted host gets a fresh one) without either end
 * listening on anything. Each end receives its own copies of the fds: over the fd side channel
 * for a host, as duplicates for an end in the supervisor's own process. The supervisor closes
 * its copies once both ends have theirs (`close()`, idempotent).
 */
import * as fdpass from "../../ffi/fdpass.ts";
import * as memfd from "../../ffi/memfd.ts";
import { DescriptorRing } from "../ipc/ring.ts";
import { closeQuietly } from "./fds.ts";

/** Descriptors in flight per link (a power of two). */
export const LINK_RING_CAPACITY = 512;
/** Buffers one consumer may hold at once (bounds the return ring and the producer's ledger). */
export const LINK_RETURN_CAPACITY = 1024;

/** The fds of one end, in the order they travel: ring memfd, socket, data bell, space bell. */
export type LinkEndFds = { ring: number; socket: number; dataBell: number; spaceBell: number };

export function endFdList(e: LinkEndFds): number[] {
  return [e.ring, e.socket, e.dataBell, e.spaceBell];
}

export function endFromList(fds: readonly number[]): LinkEndFds {
  return { ring: fds[0]!, socket: fds[1]!, dataBell: fds[2]!, spaceBell: fds[3]! };
}

/** Closes all four fds of an end (never throws). */
export function closeEnd(e: LinkEndFds): void {
  closeQuietly(e.ring);
  closeQuietly(e.socket);
  closeQuietly(e.dataBell);
  closeQuietly(e.spaceBell);
}

export class LinkResources {
  #ring: number;
  #producerSock: number;
  #consumerSock: number;
  #dataBell: number;
  #spaceBell: number;
  #closed = false;

  private constructor(ring: number, p: number, c: number, d: number, s: number) {
    this.#ring = ring;
    this.#producerSock = p;
    this.#consumerSock = c;
    this.#dataBell = d;
    this.#spaceBell = s;
  }

  /** Makes the ring, socket pair and doorbells of one link. `name` shows in /proc/<pid>/fd. */
  static create(name: string, capacity = LINK_RING_CAPACITY, returnCapacity = LINK_RETURN_CAPACITY): LinkResources {
    const ring = DescriptorRing.create({ capacity, returnCapacity }, `parallax-link:${name}`);
    let ringFd = -1;
    try {
      ringFd = memfd.dup(ring.segment.fd);
    } finally {
      ring.close();
    }
    const opened: number[] = [ringFd];
    try {
      const [p, c] = fdpass.socketpair();
      opened.push(p, c);
      const d = fdpass.eventfd(0, fdpass.Efd.NONBLOCK);
      opened.push(d);
      const s = fdpass.eventfd(0, fdpass.Efd.NONBLOCK);
      return new LinkResources(ringFd, p, c, d, s);
    } catch (e) {
      for (const fd of opened) closeQuietly(fd);
      throw e;
    }
  }

  /** The producer end's fds, borrowed (send them; the receiver gets copies). */
  producer(): LinkEndFds {
    this.#check();
    return { ring: this.#ring, socket: this.#producerSock, dataBell: this.#dataBell, spaceBell: this.#spaceBell };
  }

  /** The consumer end's fds, borrowed. */
  consumer(): LinkEndFds {
    this.#check();
    return { ring: this.#ring, socket: this.#consumerSock, dataBell: this.#dataBell, spaceBell: this.#spaceBell };
  }

  /** Duplicates of one end's fds, owned by the caller (for an end in this process). */
  dup(role: "out" | "in"): LinkEndFds {
    const e = role === "out" ? this.producer() : this.consumer();
    const out: number[] = [];
    try {
      for (const fd of endFdList(e)) out.push(memfd.dup(fd));
    } catch (err) {
      for (const fd of out) closeQuietly(fd);
      throw err;
    }
    return endFromList(out);
  }

  #check(): void {
    if (this.#closed) throw new Error("the link's resources were already handed over and closed");
  }

  /** Closes the supervisor's copies. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const fd of [this.#ring, this.#producerSock, this.#consumerSock, this.#dataBell, this.#spaceBell]) closeQuietly(fd);
  }
}
