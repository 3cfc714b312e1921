// The nesting limit is one every stage survives, tsc on the generated code
// included, and its message states it: each shape at MAX_NESTING levels
// compiles and type-checks; one level more is one CBC107 naming the limit.
// Levels: operators and calls on one path, or parentheses, whichever is deeper.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { compile } from "../../src/compiler.js";
import { MAX_NESTING } from "../../src/syntax/parse.js";
import { typeErrors } from "../support/typecheck.js";

const dir = fileURLToPath(new URL("../.tmp-nesting/", import.meta.url));

/** A rule whose condition nests exactly `levels` levels, in each shape. */
const SHAPES: Record<string, (levels: number) => string> = {
  "unary minus": (levels) => `on epoch end when val_loss > ${"- ".repeat(levels - 1)}1 then stop`,
  parentheses: (levels) => `on epoch end when val_loss > ${"(".repeat(levels)}1${")".repeat(levels)} then stop`,
  "an `and` chain": (levels) => `on epoch end when ${Array.from({ length: levels }, () => "val_loss > 0").join(" and ")} then stop`,
  "a `+` chain": (levels) => `on epoch end when val_loss > ${Array.from({ length: levels }, () => "1").join(" + ")} then stop`,
  "`not`": (levels) => `on epoch end when ${"not ".repeat(levels - 1)}val_loss > 0 then stop`,
  "function calls": (levels) => `on epoch end when val_loss > ${"max(".repeat(levels - 1)}1${", 2)".repeat(levels - 1)} then stop`,
  "parentheses around unary minus": (levels) => `on epoch end when val_loss > ${"(- ".repeat(levels - 1)}1${")".repeat(levels - 1)} then stop`,
  "a param default": (levels) => `callback C(x: number = ${"- ".repeat(levels)}(1)) {\n  on epoch end when val_loss > x then stop\n}`,
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`the nesting limit (${MAX_NESTING} levels)`, () => {
  test("every shape at the limit compiles, and tsc --strict accepts the modules", async () => {
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    for (const [name, shape] of Object.entries(SHAPES)) {
      const result = await compile(`${shape(MAX_NESTING)}\n`, { fileName: `limit.rules` });
      expect(result.diagnostics, name).toEqual([]);
      const file = path.join(dir, `${name.replace(/\W+/g, "-")}.ts`);
      writeFileSync(file, result.files[0].text);
      files.push(file);
    }
    expect(typeErrors(files)).toEqual([]);
  });

  test.each(Object.entries(SHAPES))("%s one level deeper: one CBC107 that states the limit", async (_, shape) => {
    const result = await compile(`${shape(MAX_NESTING + 1)}\n`, { fileName: "deep.rules" });
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([["CBC107", `this statement nests more than ${MAX_NESTING} levels deep`]]);
  });
});
