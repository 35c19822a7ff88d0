/*
 * The `parallax` launcher: the program at dist/parallax, which starts the compiled executable
 * (dist/parallax-runtime, written by `bun build --compile`) with the JavaScriptCore options it
 * should start with, by replacing itself with it (execve: same process, arguments, standard
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
 * already in the environment is kept.
 *
 * Built without the C library (-nostdlib -static; four system calls, x86-64): a dynamically
 * linked launcher spent ≈ 1.9 ms of every launch loading libc, a static glibc one ≈ 1.3 ms,
 * this one ≈ 0.65 ms, nearly all of it the exec itself (`perf stat -r 300` in front of
 * /bin/true). Exit status 127, with a message, when the executable beside it cannot be started.
 */
#ifndef __x86_64__
#error "the launcher makes its system calls directly and knows only x86-64"
#endif

#define SYS_WRITE 1
#define SYS_EXECVE 59
#define SYS_EXIT_GROUP 231
#define SYS_READLINK 89

static long syscall3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static const char OPTION[] = "BUN_JSC_useWarmUpMarkedBlocks=0";
/** The name length of OPTION, "=" included. */
#define OPTION_NAME_LENGTH (sizeof OPTION - 2)
static const char RUNTIME_SUFFIX[] = "-runtime";

static unsigned long length(const char *s) {
  unsigned long n = 0;
  while (s[n]) n++;
  return n;
}

static void say(const char *s) {
  syscall3(SYS_WRITE, 2, (long)s, (long)length(s));
}

static int sets_option(const char *entry) {
  for (unsigned long i = 0; i < OPTION_NAME_LENGTH; i++) if (entry[i] != OPTION[i]) return 0;
  return 1;
}

/** Writes the decimal digits of n (>= 0) ending at `end`; returns where they start. */
static char *decimal(long n, char *end) {
  *--end = 0;
  do *--end = (char)('0' + n % 10);
  while ((n /= 10) > 0);
  return end;
}

static void fail(const char *what, const char *path, long error) {
  char digits[24];
  say("parallax: cannot ");
  say(what);
  say(path);
  say(" (errno ");
  say(decimal(-error, digits + sizeof digits));
  say("). Run `bun run build` to build it again.\n");
  syscall3(SYS_EXIT_GROUP, 127, 0, 0);
}

/** Called from _start with the initial stack: argc, then argv, a null, envp, a null. */
__attribute__((used, noreturn)) void launch(long *stack) {
  long argc = stack[0];
  char **argv = (char **)(stack + 1);
  char **envp = argv + argc + 1;
  unsigned long count = 0;
  int given = 0;
  for (; envp[count]; count++) given |= sets_option(envp[count]);
  char *env[count + 2];
  for (unsigned long i = 0; i < count; i++) env[i] = envp[i];
  if (!given) env[count++] = (char *)OPTION;
  env[count] = 0;

  // The real file, so that a symbolic link to the launcher (on PATH, say) still finds it.
  char path[4096];
  long n = syscall3(SYS_READLINK, (long)"/proc/self/exe", (long)path, sizeof path - sizeof RUNTIME_SUFFIX);
  if (n <= 0) fail("read its own path from ", "/proc/self/exe", n < 0 ? n : -1);
  for (unsigned long i = 0; i < sizeof RUNTIME_SUFFIX; i++) path[n + i] = RUNTIME_SUFFIX[i];
  fail("start ", path, syscall3(SYS_EXECVE, (long)path, (long)argv, (long)env));
  __builtin_unreachable();
}

__asm__(
    ".globl _start\n"
    "_start:\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call launch\n"
    "  hlt\n");
