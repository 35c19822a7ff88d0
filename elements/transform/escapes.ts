/**
 * Escapes in byte-string properties (delimiters, separators, byte sets), so launch strings can
 * name bytes they cannot type: `\n`, `\r`, `\t`, `\0`, `\\` and `\xHH`. Anything else stands
 * for its own UTF-8 bytes.
 */
export function parseEscapes(text: string): Uint8Array {
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "\\" || i + 1 >= text.length) {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(...enc.encode(ch));
      i += ch.length - 1;
      continue;
    }
    const n = text[++i]!;
    switch (n) {
      case "n":
        out.push(10);
        break;
      case "r":
        out.push(13);
        break;
      case "t":
        out.push(9);
        break;
      case "0":
        out.push(0);
        break;
      case "\\":
        out.push(92);
        break;
      case "x": {
        const hex = text.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`"\\x" must be followed by two hex digits, got "\\x${hex}"`);
        out.push(parseInt(hex, 16));
        i += 2;
        break;
      }
      default:
        throw new Error(`unknown escape "\\${n}" (use \\n, \\r, \\t, \\0, \\\\ or \\xHH)`);
    }
  }
  return Uint8Array.from(out);
}
