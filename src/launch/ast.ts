/**
 * Launch AST: what a gst-launch-style pipeline string says, before anyone knows whether the
 * elements it names exist.
 *
 * `parseLaunch` (parse.ts) produces a `LaunchAst`; the pipeline builder walks it, looks up
 * factories, sets properties and links pads. The AST stays purely syntactic: property values
 * are the text the user wrote (quotes removed, escapes resolved), references are names that may
 * point at an element defined later in the string, and caps filters are uninterpreted text.
 *
 * Every node carries a `Pos` into the original string so that whoever finds a semantic problem
 * (unknown element, bad property value, unknown reference) can point at it with a
 * `SourceError` (source-error.ts).
 */

/**
 * A half-open span `[start, end)` of character offsets into the launch string (UTF-16 code
 * units, the same indices `String.prototype.slice` uses). An empty span (start === end) marks a
 * point, e.g. the end of the string.
 */
export type Pos = { start: number; end: number };

/**
 * One `key=value` after an element's factory name.
 *
 * `value` is the text after unquoting and unescaping: `location="my file.ogg"` and
 * `location=my\ file.ogg` both give `my file.ogg`. A typed value such as `num-buffers=(int)5` keeps
 * its text `(int)5`; interpreting it is the caller's job. `quoted` says whether the value was
 * written in quotes. `pos` spans `key=value` as written (quotes included); `valuePos` spans just
 * the value as written (quotes included). The key's own span is
 * `{ start: pos.start, end: pos.start + key.length }`.
 */
export type PropertyAst = { key: string; value: string; quoted: boolean; pos: Pos; valuePos: Pos };

/**
 * An element: a factory name followed by properties.
 *
 * `name=foo` is pulled out of `props` into `name`; `namePos` spans that `name=foo` property.
 * `pos` spans the factory name and all its properties. The factory name's own span is
 * `{ start: pos.start, end: pos.start + factory.length }`.
 */
export type ElementAst = {
  kind: "element";
  factory: string;
  name?: string;
  namePos?: Pos;
  props: PropertyAst[];
  pos: Pos;
};

/**
 * A reference to an element by name, with an optional pad: `t.` is `{ element: "t" }`,
 * `t.src_0` adds `pad: "src_0"`, `mux.sink_%u` adds `pad: "sink_%u"` (a request-pad template).
 * The element may be named anywhere in the string, before or after; resolving it is the
 * builder's job. Each occurrence in the string is its own node.
 */
export type RefAst = { kind: "ref"; element: string; pad?: string; pos: Pos };

/**
 * A caps filter between two links: `! video/x-raw,width=320 !`. `text` is what the caps parser
 * gets: unquoted caps are the source text verbatim (trimmed); quoted caps
 * (`! "video/x-raw, format=(string)I420" !`) have the quotes removed and backslash escapes
 * resolved. `pos` spans the caps as written (quotes included).
 */
export type CapsAst = { kind: "caps"; text: string; pos: Pos };

export type NodeAst = ElementAst | RefAst | CapsAst;

/** One `!`: `from` links into `to`. `pos` is the `!` itself. */
export type LinkAst = { from: NodeAst; to: NodeAst; pos: Pos };

/**
 * A whole launch string: `nodes` in order of appearance (across all chains), `links` between
 * consecutive nodes of each chain, in order of appearance. The node objects in `links` are the
 * same objects as in `nodes`.
 */
export type LaunchAst = { text: string; nodes: NodeAst[]; links: LinkAst[] };
