// What is generated from the grammar must match it: docs/grammar.html (the railroad diagram)
// and grammar/cst.d.ts (the CST types src/syntax/build.ts reads children through).
// UPDATE=1 or `node scripts/grammar.mjs` rewrites both.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grammarCstDts, grammarDiagramHtml } from "../../grammar/parser.js";

const update = process.env.UPDATE === "1";

describe("docs/grammar.html", () => {
  const page = new URL("../../docs/grammar.html", import.meta.url);
  const html = grammarDiagramHtml();

  it("is up to date with grammar/parser.ts", () => {
    if (update) writeFileSync(page, html);
    const onDisk = readFileSync(page, "utf8");
    expect(onDisk === html, "docs/grammar.html is stale: run `node scripts/grammar.mjs`").toBe(true);
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

describe("grammar/cst.d.ts", () => {
  const file = new URL("../../grammar/cst.d.ts", import.meta.url);
  const types = grammarCstDts();

  it("is up to date with grammar/parser.ts", () => {
    if (update) writeFileSync(file, types);
    expect(readFileSync(file, "utf8") === types, "grammar/cst.d.ts is stale: run `node scripts/grammar.mjs`").toBe(true);
  });

  it("types each rule's children by label", () => {
    expect(types).toContain("export interface CallbackHeadCstNode extends CstNode {\n  name: \"callbackHead\";\n  children: CallbackHeadCstChildren;\n}");
    expect(types).toMatch(/export type ParamCstChildren = \{[^}]*\n {2}name: IToken\[\];[^}]*\n {2}default\?: ExpressionCstNode\[\];/);
  });
});
