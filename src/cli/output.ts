/**
 * The command's stdout and stderr, written without Node's stream objects.
 *
 * In Bun, the first touch of `process.stdout` or `process.stderr` builds a Node stream (and the
 * JavaScript modules behind it): measured in compiled executables, ≈20 ms of CPU and 7 MiB of
 * RSS for a hello world, and 6.5 ms of the 50 that `parallax launch "fakesrc num-buffers=1 !
 * fakesink"` took. It also switches the descriptor to non-blocking mode. `console.log` and `console.error` write
 * natively and synchronously, one write per call, in order with each other and with any later
 * stream writes; text that does not end a line (nothing the command writes) goes to the stream.
 */

/** Where the command writes text (stdout, stderr, or a test's collector). */
export type TextSink = { write(text: string): unknown };

function lines(log: (text: string) => void, stream: () => TextSink): TextSink {
  return {
    write(text: string): boolean {
      // console.log adds the newline itself and prints one string argument as it is.
      if (text.endsWith("\n")) log(text.slice(0, -1));
      else stream().write(text);
      return true;
    },
  };
}

/** Standard output. */
export const stdout: TextSink = lines(
  (t) => console.log(t),
  () => process.stdout,
);

/** Standard error. */
export const stderr: TextSink = lines(
  (t) => console.error(t),
  () => process.stderr,
);
