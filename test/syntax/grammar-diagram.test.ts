// docs/grammar.html must show the grammar as it is: regenerate with UPDATE=1 (or the script).
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grammarDiagramHtml } from "../../grammar/parser.js";

const page = new URL("../../docs/grammar.html", import.meta.url);

describe("docs/grammar.html", () => {
  const html = grammarDiagramHtml();

  it("is up to date with grammar/parser.ts (UPDATE=1 or `node scripts/grammar-diagram.mjs` rewrites it)", () => {
    if (process.env.UPDATE === "1") writeFileSync(page, html);
    const onDisk = readFileSync(page, "utf8");
    expect(onDisk === html, "docs/grammar.html is stale: run `node scripts/grammar-diagram.mjs`").toBe(true);
  });

  it("draws every rule of the grammar, with keywords shown as written", () => {
    const grammar = JSON.parse(/window\.serializedGrammar = (\[[\s\S]*?\]);\n<\/script>/.exec(html)?.[1] ?? "[]") as Array<{
      name: string;
    }>;
    const names = grammar.map((rule) => rule.name);
    for (const rule of ["program", "callbackDecl", "statement", "rule", "onRule", "event", "action", "expression", "term", "predicateOption", "primary"]) {
      expect(names).toContain(rule);
    }
    expect(html).toContain('"label": "plateau"');
    expect(html).toContain('"label": "min_delta"');
  });
});
