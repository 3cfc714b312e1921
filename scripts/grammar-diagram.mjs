// Writes docs/grammar.html, the railroad diagram of the grammar; `--check` only compares.
// Usage: node scripts/grammar-diagram.mjs [--check]
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const target = join(root, "docs", "grammar.html");

// The grammar is TypeScript: bundle it to a temporary module, then ask it for the page.
const dir = mkdtempSync(join(tmpdir(), "cbc-grammar-"));
let html;
try {
  const bundle = join(dir, "parser.mjs");
  await build({
    entryPoints: [join(root, "grammar", "parser.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: bundle,
    logLevel: "warning",
  });
  const { grammarDiagramHtml } = await import(pathToFileURL(bundle).href);
  html = grammarDiagramHtml();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

let current;
try {
  current = readFileSync(target, "utf8");
} catch {
  current = undefined;
}

if (process.argv.includes("--check")) {
  if (current !== html) {
    console.error("docs/grammar.html is out of date: run `node scripts/grammar-diagram.mjs`");
    process.exit(1);
  }
  console.log("docs/grammar.html is up to date");
} else if (current === html) {
  console.log("docs/grammar.html is up to date");
} else {
  writeFileSync(target, html);
  console.log(`wrote ${target}`);
}
