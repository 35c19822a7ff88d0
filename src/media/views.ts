/**
 * Typed views of buffer bytes, made once and reused.
 *
 * Media elements read samples as Int16/Float32 and pixels as 32-bit words. Making a typed
 * array per buffer would allocate on the per-buffer path; pooled buffers reuse the same few
 * slots, so a view is cached per (memory, byte offset, length) and handed out again. Views of
 * memory that goes away are dropped with it (the cache is keyed weakly by ArrayBuffer).
 *
 * A view needs the byte offset to be a multiple of the element size. Pooled buffers always
 * are; a buffer sliced at an odd offset is not, and `view` returns null for it: callers then
 * copy through an aligned scratch array (`alignedCopy`).
 */

type ViewCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

type Entry = { offset: number; length: number; view: unknown };

const caches = new Map<unknown, WeakMap<ArrayBufferLike, Entry[]>>();

/** Entries kept per ArrayBuffer and type (pool slabs hold a few dozen slots). */
const MAX_ENTRIES = 128;

/**
 * A `ctor` view over exactly the bytes of `u8` (whose length must be a multiple of the element
 * size; extra bytes are left out), or null when `u8` is misaligned for it.
 */
export function view<T>(ctor: ViewCtor<T>, u8: Uint8Array): T | null {
  const size = ctor.BYTES_PER_ELEMENT;
  if (u8.byteOffset % size !== 0) return null;
  const length = Math.floor(u8.byteLength / size);
  let perType = caches.get(ctor);
  if (perType === undefined) caches.set(ctor, (perType = new WeakMap()));
  let list = perType.get(u8.buffer);
  if (list === undefined) perType.set(u8.buffer, (list = []));
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (e.offset === u8.byteOffset && e.length === length) return e.view as T;
  }
  const v = new ctor(u8.buffer, u8.byteOffset, length);
  if (list.length >= MAX_ENTRIES) list.shift();
  list.push({ offset: u8.byteOffset, length, view: v });
  return v;
}

/** An aligned scratch copy of `u8` as `ctor` (for the rare misaligned input), reusing `scratch`. */
export function alignedCopy<T extends { buffer: ArrayBufferLike; length: number }>(
  ctor: ViewCtor<T> & { new (length: number): T },
  u8: Uint8Array,
  scratch: T | null,
): T {
  const length = Math.floor(u8.byteLength / ctor.BYTES_PER_ELEMENT);
  const s = scratch !== null && scratch.length >= length ? scratch : new ctor(length);
  new Uint8Array(s.buffer, 0, length * ctor.BYTES_PER_ELEMENT).set(u8.subarray(0, length * ctor.BYTES_PER_ELEMENT));
  return s;
}
