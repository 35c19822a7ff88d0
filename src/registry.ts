/**
 * Registry: factory name → element class, as GStreamer's plugin registry.
 *
 * Built-in elements register themselves in elements/index.ts; plugins add theirs at run time.
 * `make()` creates an element by factory name; a misspelt name gets the nearest registered
 * names as a hint.
 */
import type { ElementClass, Element } from "./graph/element.ts";

export class UnknownElementError extends Error {
  constructor(
    readonly factory: string,
    readonly suggestions: string[],
  ) {
    super(`no element "${factory}"`);
    this.name = "UnknownElementError";
  }

  get hint(): string {
    return this.suggestions.length
      ? `did you mean ${this.suggestions.map((s) => `"${s}"`).join(" or ")}? (parallax inspect lists all elements)`
      : "run `parallax inspect` to list the elements";
  }
}

export class Registry {
  readonly #factories = new Map<string, ElementClass>();

  register(...classes: ElementClass[]): void {
    for (const cls of classes) {
      const name = cls.meta?.name;
      if (!name) throw new Error(`element class ${cls.name} has no static meta.name`);
      if (this.#factories.has(name) && this.#factories.get(name) !== cls) {
        throw new Error(`element "${name}" is already registered`);
      }
      this.#factories.set(name, cls);
    }
  }

  get(factory: string): ElementClass | undefined {
    return this.#factories.get(factory);
  }

  has(factory: string): boolean {
    return this.#factories.has(factory);
  }

  /** Element classes sorted by category then name. */
  list(): ElementClass[] {
    return [...this.#factories.values()].sort(
      (a, b) => a.meta.category.localeCompare(b.meta.category) || a.meta.name.localeCompare(b.meta.name),
    );
  }

  /** Creates an element; throws UnknownElementError (with suggestions) or PropertyError. */
  make(factory: string, name: string, props: Record<string, unknown> = {}): Element {
    const cls = this.#factories.get(factory);
    if (!cls) throw new UnknownElementError(factory, this.suggest(factory));
    return new cls(name, props).configure();
  }

  /** Registered names closest to `name` (edit distance), best first. */
  suggest(name: string, max = 3): string[] {
    const scored = [...this.#factories.keys()]
      .map((n) => ({ n, d: editDistance(name, n) }))
      .filter((x) => x.d <= Math.max(2, Math.floor(name.length / 3)) || x.n.startsWith(name) || name.startsWith(x.n))
      .sort((a, b) => a.d - b.d);
    return scored.slice(0, max).map((x) => x.n);
  }
}

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[n]!;
}

/** The process-wide registry that built-in elements and plugins register into. */
export const registry = new Registry();
