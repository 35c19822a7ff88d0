/**
 * Registry: factory name → element class, as GStreamer's plugin registry.
 *
 * A factory enters the registry in one of two ways:
 * - `register(cls)`: the class itself (plugins, tests, and elements/index.ts, which registers
 *   every built-in element eagerly for the library API);
 * - `define(name, loader)`: the name only, with a function that imports the element's module
 *   on demand (elements/manifest.ts, used by the `parallax` command so that a launch loads only
 *   the elements it names: start-up time is mostly module loading).
 *
 * `load(names)` imports lazily defined factories (all of them without an argument); after it,
 * they behave exactly like registered ones. `get`/`make`/`list` are synchronous and need the
 * classes loaded: asking for a defined but unloaded factory throws ElementNotLoadedError, which
 * says to call `load` first. `has`, `names` and `suggest` see every factory, loaded or not.
 * A misspelt name gets the nearest known names as a hint.
 *
 * Runs on the main thread (or a Worker, with its own registry instance of this module).
 */
import type { ElementClass, Element } from "./graph/element.ts";

/** Imports an element's module and returns the class registered under the factory's name. */
export type ElementLoader = () => Promise<ElementClass>;

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

/** A factory was asked for synchronously before its module was imported (see Registry.load). */
export class ElementNotLoadedError extends Error {
  constructor(readonly factories: string[]) {
    const shown = factories.slice(0, 5).map((f) => `"${f}"`).join(", ");
    const list = factories.length > 5 ? `${shown} and ${factories.length - 5} more` : shown;
    super(
      `element${factories.length > 1 ? "s" : ""} ${list} ${factories.length > 1 ? "are" : "is"} defined but not loaded yet: ` +
        `\`await registry.load(${factories.length === 1 ? `["${factories[0]}"]` : ""})\` first`,
    );
    this.name = "ElementNotLoadedError";
  }
}

/** A lazily defined factory's module failed to import, or gave a class of another name. */
export class ElementLoadError extends Error {
  constructor(
    readonly factory: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot load element "${factory}": ${message}`, options);
    this.name = "ElementLoadError";
  }
}

export class Registry {
  readonly #factories = new Map<string, ElementClass>();
  /** Defined and not loaded yet; an entry leaves when its class is registered. */
  readonly #loaders = new Map<string, ElementLoader>();
  /** Loads in flight, so that concurrent `load` calls import a module once. */
  readonly #loading = new Map<string, Promise<void>>();

  /** Registers classes by their `meta.name`. Registering the same class again is a no-op. */
  register(...classes: ElementClass[]): void {
    for (const cls of classes) {
      const name = cls.meta?.name;
      if (!name) throw new Error(`element class ${cls.name} has no static meta.name`);
      if (this.#factories.has(name) && this.#factories.get(name) !== cls) {
        throw new Error(`element "${name}" is already registered`);
      }
      this.#factories.set(name, cls);
      this.#loaders.delete(name);
    }
  }

  /**
   * Makes `name` known without importing its module: `loader` runs on the first `load` that
   * asks for it. A name that is already registered keeps its class (the loader is not needed).
   */
  define(name: string, loader: ElementLoader): void {
    if (this.#factories.has(name)) return;
    const known = this.#loaders.get(name);
    if (known && known !== loader) throw new Error(`element "${name}" is already defined`);
    this.#loaders.set(name, loader);
  }

  /**
   * Imports the modules of lazily defined factories: those named (names that are unknown or
   * already loaded are skipped, so a launch description's factories can be passed as they are),
   * or every one without an argument. Rejects with ElementLoadError when a module fails to import.
   * If it rejects, the factories that did load stay registered.
   */
  async load(factories?: Iterable<string>): Promise<void> {
    // Written with plain loops and then(): this runs in every `parallax launch`, where each
    // builtin used for the first time (spread of a Set, finally) costs a compilation.
    const pending: Promise<void>[] = [];
    for (const name of factories ?? this.#loaders.keys()) {
      if (this.#factories.has(name)) continue;
      const inFlight = this.#loading.get(name);
      if (inFlight) {
        pending.push(inFlight);
        continue;
      }
      const loader = this.#loaders.get(name);
      if (!loader) continue;
      const done = (): void => {
        this.#loading.delete(name);
      };
      const p = this.#loadOne(name, loader).then(done, (e: unknown) => {
        done();
        throw e;
      });
      this.#loading.set(name, p);
      pending.push(p);
    }
    await Promise.all(pending);
  }

  async #loadOne(name: string, loader: ElementLoader): Promise<void> {
    let cls: ElementClass;
    try {
      cls = await loader();
    } catch (e) {
      throw new ElementLoadError(name, e instanceof Error ? e.message : String(e), { cause: e });
    }
    if (cls?.meta?.name !== name) {
      throw new ElementLoadError(name, `its module gave ${cls?.meta?.name ? `the class of "${cls.meta.name}"` : "no element class"}`);
    }
    this.register(cls);
  }

  /** True when `factory` is registered with its class (not merely defined). */
  isLoaded(factory: string): boolean {
    return this.#factories.has(factory);
  }

  /**
   * The class of `factory`, or undefined when no such factory exists. Throws
   * ElementNotLoadedError when it is defined but not loaded (`await load([factory])` first).
   */
  get(factory: string): ElementClass | undefined {
    const cls = this.#factories.get(factory);
    if (cls) return cls;
    if (this.#loaders.has(factory)) throw new ElementNotLoadedError([factory]);
    return undefined;
  }

  /** True when `factory` is known, loaded or not. */
  has(factory: string): boolean {
    return this.#factories.has(factory) || this.#loaders.has(factory);
  }

  /** Every known factory name, loaded or not, sorted. */
  names(): string[] {
    return [...this.#factories.keys(), ...this.#loaders.keys()].sort();
  }

  /**
   * Element classes sorted by category then name. Every factory must be loaded: throws
   * ElementNotLoadedError otherwise (`await load()` loads them all).
   */
  list(): ElementClass[] {
    if (this.#loaders.size > 0) throw new ElementNotLoadedError([...this.#loaders.keys()].sort());
    return [...this.#factories.values()].sort(
      (a, b) => a.meta.category.localeCompare(b.meta.category) || a.meta.name.localeCompare(b.meta.name),
    );
  }

  /**
   * Creates an element; throws UnknownElementError (with suggestions), ElementNotLoadedError
   * or PropertyError.
   */
  make(factory: string, name: string, props: Record<string, unknown> = {}): Element {
    const cls = this.get(factory);
    if (!cls) throw new UnknownElementError(factory, this.suggest(factory));
    return new cls(name, props).configure();
  }

  /** Known names (loaded or not) closest to `name` (edit distance), best first. */
  suggest(name: string, max = 3): string[] {
    const scored = this.names()
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
