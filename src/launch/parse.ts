/**
 * Launch parser: turns a gst-launch-1.0 pipeline description into a `LaunchAst` (ast.ts).
 *
 * The grammar, following GStreamer's gst/parse/grammar.y for the parts Parallax supports:
 *
 *     launch  := chain+
 *     chain   := node ( "!" node )*
 *     node    := element | ref | caps
 *     element := FACTORY ( KEY "=" VALUE )*
 *     ref     := NAME "." PAD?
 *     caps    := TYPE "/" SUBTYPE … | QUOTED          (only between two "!")
 *
 * A chain ends where a node is not followed by `!`, so `fakesrc ! fakesink  fakesrc ! fakesink`
 * is two chains and `tee name=t t. ! queue` starts a new chain at `t.`. The parser knows nothing
 * about which elements, properties or pads exist: it only checks the shape, and the builder
 * resolves names (a reference may name an element defined later in the string).
 *
 * Not supported (each gives an error with a hint): bins `( … )`, presets `@preset=`, URIs in
 * place of elements, pad-only references `.sink`, and the link-all operator `:`.
 *
 * Runs synchronously on the caller's thread; linear in the length of the string.
 */

import type { CapsAst, ElementAst, LaunchAst, LinkAst, NodeAst, Pos, PropertyAst, RefAst } from "./ast.ts";
import { Lexer, type Token } from "./lexer.ts";
import { LaunchSyntaxError } from "./source-error.ts";

/**
 * Parses a launch string. Throws `LaunchSyntaxError` (its message shows the string with a caret
 * under the problem and a hint) when the string does not follow the grammar.
 */
export function parseLaunch(text: string): LaunchAst {
  if (typeof text !== "string") {
    throw new TypeError(`parseLaunch expects the launch string, got ${text === null ? "null" : typeof text}`);
  }
  return new Parser(text).parse();
}

class Parser {
  private readonly lexer: Lexer;
  private lookahead: Token;
  private readonly nodes: NodeAst[] = [];
  private readonly links: LinkAst[] = [];

  constructor(private readonly text: string) {
    this.lexer = new Lexer(text);
    this.lookahead = this.lexer.next();
  }

  parse(): LaunchAst {
    if (this.peek().kind === "end") {
      throw this.error(
        "the pipeline is empty",
        { start: 0, end: 0 },
        "write at least one element, e.g. 'videotestsrc ! autovideosink'",
      );
    }
    while (this.peek().kind !== "end") this.chain();
    return { text: this.text, nodes: this.nodes, links: this.links };
  }

  /** The next token, not consumed. (A method, so TypeScript does not narrow it across take().) */
  private peek(): Token {
    return this.lookahead;
  }

  private take(): Token {
    const t = this.lookahead;
    this.lookahead = this.lexer.next();
    return t;
  }

  private chain(): void {
    const first = this.node(null);
    if (first.kind === "caps") {
      throw this.error(
        "a caps filter needs an element before it",
        first.pos,
        "put the caps between two elements, e.g. 'videotestsrc ! video/x-raw,width=320 ! fakesink'",
      );
    }
    let prev: NodeAst = first;
    while (this.peek().kind === "link") {
      const link = this.take();
      const next = this.node(link);
      if (prev.kind === "caps" && next.kind === "caps") {
        throw this.error(
          "two caps filters in a row",
          next.pos,
          "merge them into one caps filter, or put an element between them",
        );
      }
      this.links.push({ from: prev, to: next, pos: link.pos });
      prev = next;
    }
    if (prev.kind === "caps") {
      throw this.error(
        "a caps filter needs an element after it",
        prev.pos,
        this.peek().kind === "end"
          ? "add '! <element>' after the caps, e.g. '… ! fakesink'"
          : "add '!' between the caps and the next element",
      );
    }
    if (prev === first && first.kind === "ref") {
      const written = this.text.slice(first.pos.start, first.pos.end);
      throw this.error(
        `reference '${written}' is not linked to anything`,
        first.pos,
        `link it with '!', e.g. '${written} ! queue ! fakesink', or remove it`,
      );
    }
  }

  /** One node; `linkBefore` is the `!` that precedes it, or null at the start of a chain. */
  private node(linkBefore: Token | null): NodeAst {
    const t = this.take();
    switch (t.kind) {
      case "word":
        return this.element(t.name, t.pos);
      case "ref":
        return this.ref(t);
      case "caps": {
        const caps: CapsAst = { kind: "caps", text: t.text, pos: t.pos };
        this.nodes.push(caps);
        return caps;
      }
      case "assign": {
        // `fakesrc =5` lexes as the property fakesrc=5 (GStreamer allows spaces around '=').
        const spaced = this.text.charCodeAt(t.pos.start + t.key.length) !== 0x3d;
        throw this.error(
          `property '${t.key}' has no element`,
          t.pos,
          spaced
            ? `'${t.key} =' reads as a property; if '${t.key}' is the element, give its property a name and remove the space before '='`
            : `put the element's factory name before its properties, e.g. 'filesrc ${t.key}=…'`,
        );
      }
      case "link":
        if (linkBefore !== null) {
          throw this.error("a link needs an element on both sides", t.pos, "remove the extra '!'");
        }
        throw this.error(
          "a link needs an element on both sides",
          t.pos,
          "add an element before the '!', or remove the '!'",
        );
      case "end":
        // chain() only starts on a non-end token, so an end here always follows a '!'.
        throw this.error(
          "a link needs an element on both sides",
          linkBefore?.pos ?? t.pos,
          "add an element after the '!', or remove the '!'",
        );
    }
  }

  private element(factory: string, factoryPos: Pos): ElementAst {
    const el: ElementAst = { kind: "element", factory, props: [], pos: { start: factoryPos.start, end: factoryPos.end } };
    this.nodes.push(el);
    while (this.peek().kind === "assign") {
      const a = this.take() as Extract<Token, { kind: "assign" }>;
      el.pos.end = a.pos.end;
      if (a.key === "name") {
        if (el.namePos !== undefined) {
          throw this.error(
            `element '${factory}' is named twice`,
            a.pos,
            `remove one of the name= properties (the first one says name=${el.name})`,
          );
        }
        if (a.value === "") {
          throw this.error("an element name cannot be empty", a.pos, "give the element a name, e.g. 'name=src', or remove name=");
        }
        el.name = a.value;
        el.namePos = a.pos;
        continue;
      }
      const prop: PropertyAst = { key: a.key, value: a.value, quoted: a.quoted, pos: a.pos, valuePos: a.valuePos };
      el.props.push(prop);
    }
    return el;
  }

  private ref(t: Extract<Token, { kind: "ref" }>): RefAst {
    const ref: RefAst =
      t.pad === undefined
        ? { kind: "ref", element: t.element, pos: t.pos }
        : { kind: "ref", element: t.element, pad: t.pad, pos: t.pos };
    this.nodes.push(ref);
    if (this.lookahead.kind === "assign") {
      throw this.error(
        `a reference cannot have properties`,
        this.lookahead.pos,
        `set ${this.lookahead.key}= on the element itself, next to its name=${t.element}`,
      );
    }
    return ref;
  }

  private error(message: string, pos: Pos, hint: string): LaunchSyntaxError {
    return new LaunchSyntaxError(message, this.text, pos, hint);
  }
}
