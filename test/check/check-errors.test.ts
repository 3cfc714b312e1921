// Golden diagnostics of the checker: one bad input per file under
// test/fixtures/check-errors/, each with exactly one problem, each golden
// holding code, severity, line, column, message and hint.
// `UPDATE=1 npx vitest run test/check/check-errors.test.ts` rewrites the goldens.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkProgram } from "../../src/check/check.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { parse } from "../../src/syntax/parse.js";

const fixtures = new URL("../fixtures/check-errors/", import.meta.url);
const update = process.env.UPDATE === "1";

interface Golden {
  code: string;
  severity: string;
  line: number;
  column: number;
  message: string;
  hint?: string;
  related?: { line: number; column: number; message: string }[];
}

function golden(d: Diagnostic): Golden {
  const g: Golden = { code: d.code, severity: d.severity, line: d.span.start.line, column: d.span.start.column, message: d.message };
  if (d.hint !== undefined) g.hint = d.hint;
  if (d.related !== undefined) g.related = d.related.map((r) => ({ line: r.span.start.line, column: r.span.start.column, message: r.message }));
  return g;
}

function checkSource(source: string, fileName: string): { syntax: Diagnostic[]; diagnostics: Diagnostic[] } {
  const parsed = parse(source, fileName);
  const { diagnostics } = checkProgram(parsed.program, source);
  return { syntax: parsed.diagnostics, diagnostics };
}

const names = readdirSync(fixtures)
  .filter((f) => f.endsWith(".rules"))
  .sort();

describe("golden diagnostics", () => {
  it("has a corpus of at least 40 bad inputs", () => {
    expect(names.length).toBeGreaterThanOrEqual(40);
  });

  it.each(names)("%s", (name) => {
    const source = readFileSync(new URL(name, fixtures), "utf8");
    const { syntax, diagnostics } = checkSource(source, name);
    expect(syntax, "fixtures must parse cleanly: only the checker finds their problem").toEqual([]);
    const actual = diagnostics.map(golden);
    const goldenUrl = new URL(name.replace(/\.rules$/, ".json"), fixtures);
    if (update) writeFileSync(goldenUrl, `${JSON.stringify(actual, null, 2)}\n`);
    expect(existsSync(goldenUrl), `no golden for ${name}: review the output, then run with UPDATE=1`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(goldenUrl, "utf8")));
    expect(actual, "each fixture holds exactly one problem").toHaveLength(1);
    for (const d of diagnostics) expect(d.file).toBe(name);
  });

  it("covers every code the checker emits", () => {
    const emitted = new Set<string>();
    const checkDir = new URL("../../src/check/", import.meta.url);
    for (const file of readdirSync(checkDir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(new URL(file, checkDir), "utf8");
      for (const m of text.matchAll(/report\(\s*"(CBC\d{3})"/g)) emitted.add(m[1]);
    }
    const covered = new Set<string>();
    for (const name of names) {
      const goldens = JSON.parse(readFileSync(new URL(name.replace(/\.rules$/, ".json"), fixtures), "utf8")) as Golden[];
      for (const g of goldens) covered.add(g.code);
    }
    expect(emitted.size).toBeGreaterThan(15);
    expect([...emitted].filter((code) => !covered.has(code)).sort()).toEqual([]);
  });
});

/** A small deterministic generator, so a failure reproduces. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("an extra blank line moves only line numbers", () => {
  const random = lcg(20261125);
  const cases = names.map((name) => {
    const source = readFileSync(new URL(name, fixtures), "utf8");
    const lineCount = source.split("\n").length;
    return { name, source, at: 1 + Math.floor(random() * lineCount) };
  });

  it.each(cases)("$name with a blank line before line $at", ({ name, source, at }) => {
    const lines = source.split("\n");
    const shifted = [...lines.slice(0, at - 1), "", ...lines.slice(at - 1)].join("\n");
    const before = checkSource(source, name).diagnostics.map(golden);
    const after = checkSource(shifted, name).diagnostics.map(golden);
    expect(after).toEqual(before.map((g) => (g.line >= at ? { ...g, line: g.line + 1 } : g)));
  });
});
