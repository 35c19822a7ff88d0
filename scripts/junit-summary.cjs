// Prints "N passed, N failed, N skipped" from a JUnit XML report (bun test's), and exits
// non-zero when anything failed or no test ran. CI reads this line, not bun's own summary.
const fs = require("node:fs");
const file = process.argv[2];
let xml = "";
try {
  xml = fs.readFileSync(file, "utf8");
} catch {
  console.log("0 passed, 1 failed");
  console.error(`no JUnit report at ${file}: the test run did not complete`);
  process.exit(1);
}
let passed = 0, failed = 0, skipped = 0;
for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
  const body = m[2] || "";
  if (/<(failure|error)\b/.test(body)) failed++;
  else if (/<skipped\b/.test(body)) skipped++;
  else passed++;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
