/**
 * Launch strings: the gst-launch-1.0 pipeline description language.
 *
 * `parseLaunch` turns a string into a `LaunchAst` (syntax only); the pipeline builder turns the
 * AST into elements and links. `SourceError` is the error every stage throws about a span of the
 * string, rendered with a caret and a hint.
 */

export type { CapsAst, ElementAst, LaunchAst, LinkAst, NodeAst, Pos, PropertyAst, RefAst } from "./ast.ts";
export { parseLaunch } from "./parse.ts";
export { formatSourceError, LaunchSyntaxError, SourceError } from "./source-error.ts";
