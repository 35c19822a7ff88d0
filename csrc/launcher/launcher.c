/*
 * The `parallax` launcher: the program at dist/parallax, which starts the compiled executable
 * (dist/parallax-runtime, written by `bun build --compile`) with the JavaScriptCore options it
 * should start with, by replacing itself with it (execv: same process, arguments, standard
 * streams, signals and exit status). JavaScriptCore reads its options from the environment
 * once, before any JavaScript runs, so nothing inside the executable can set them: hence a
 * launcher, built by scripts/build.ts beside the executable.
 *
 * The one option: BUN_JSC_useWarmUpMarkedBlocks=0. Once a process has allocated 64 blocks of
 * garbage-collected heap, JavaScriptCore starts a thread that faults in 32 more ahead of use.
 * A one-buffer `parallax launch` allocates ≈ 69, so that thread started near the end of every
 * short launch, and on these VMs (the first touch of a page costs 6–15 µs) it competed with the
 * main thread's own page faults and held up the exit: 3–7 ms of a ≈ 30 ms launch (BENCHMARKS.md,
 * case s0). A running pipeline does not allocate per buffer, so it has nothing to lose. A value
 * already in the environment is kept. The launcher itself costs ≈ 0.5 ms.
 *
 * Exit status 127, with a message, when the executable beside it cannot be started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char RUNTIME_SUFFIX[] = "-runtime";

int main(int argc, char **argv) {
  (void)argc;
  char path[PATH_MAX];
  /* The real file, so that a symbolic link to the launcher (on PATH, say) still finds it. */
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof RUNTIME_SUFFIX);
  if (n <= 0 || (size_t)n >= sizeof path - sizeof RUNTIME_SUFFIX) {
    fprintf(stderr, "parallax: cannot find its own path in /proc/self/exe (%s): is /proc mounted?\n", strerror(errno));
    return 127;
  }
  memcpy(path + n, RUNTIME_SUFFIX, sizeof RUNTIME_SUFFIX);
  setenv("BUN_JSC_useWarmUpMarkedBlocks", "0", 0);
  execv(path, argv);
  fprintf(stderr, "parallax: cannot start %s: %s. Run `bun run build` to build it again.\n", path, strerror(errno));
  return 127;
}
