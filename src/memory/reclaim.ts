/**
 * Reclaim: gives back the mappings and fds behind buffer memory once no JS code can reach it,
 * for memory whose owner is done while the application still holds buffers over it.
 *
 * A pool (or a mapped file) normally closes when its last buffer is released. A buffer the
 * application keeps without ever releasing it — pulled from an appsink and stored, say — must
 * stay readable for as long as it can be used, as a GstBuffer keeps its memory alive while it
 * is referenced; and once the application drops it, the memory must not leak. So the owner asks
 * for the resources to be freed when the ArrayBuffer over the mapping has been collected: every
 * view a Buffer hands out is made from that one ArrayBuffer, so its collection means no view can
 * touch the mapping any more and unmapping is safe. The GC decides when (`Bun.gc(true)` forces
 * it); closing through the normal path first cancels the request.
 *
 * `free` must not capture the target (or anything that reaches it), or it would never be
 * collected: pass plain numbers (address, size, fds).
 *
 * Thread: any; each thread has its own registry (module instance).
 */

const registry = new FinalizationRegistry<() => void>((free) => {
  try {
    free();
  } catch {
    // A finaliser has no caller to tell; the fds and mappings it frees are its own.
  }
});

/** Calls `free` after `target` has been garbage-collected, unless `cancelFree(token)` comes first. */
export function freeWhenUnreachable(target: object, free: () => void, token: object): void {
  registry.register(target, free, token);
}

/** Cancels the requests registered with `token` (the owner is freeing the resources itself). */
export function cancelFree(token: object): void {
  registry.unregister(token);
}
