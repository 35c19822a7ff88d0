/**
 * Preloaded by elements/manifest.test.ts into `bun --preload … bin/parallax.ts …`: when the
 * process exits, prints every module it loaded, as one marked JSON line on stderr, so the test
 * can check what a command imported.
 */
process.on("exit", () => console.error(`@@modules ${JSON.stringify(Object.keys(require.cache))}`));
