// Golden tests of emitted code: every example of LANGUAGE.md compiles to exactly
// the module checked in under test/fixtures/golden/. `UPDATE=1` rewrites them
// (review the diff: it is the emitter's output a user will read).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { compile } from "../../src/compiler.js";

const languageDoc = readFileSync(new URL("../fixtures/LANGUAGE.md", import.meta.url), "utf8");
/** The fenced blocks of LANGUAGE.md, minus the grammar summary (it holds placeholders like `COND`). */
const examples = [...languageDoc.matchAll(/```[a-z]*\n([\s\S]*?)```/g)]
  .map((match) => match[1])
  .filter((block) => !/\bCOND\b|\bACTIONS\b|\bEVENT\b/.test(block));
const update = process.env.UPDATE === "1";

describe("LANGUAGE.md examples compile to their golden modules", () => {
  test("the document has the examples this file expects", () => {
    // train.rules and the one-line mission example.
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples[0]).toContain("callback Training(");
    expect(examples[1].trim()).toBe("when val_loss plateau 10 then lr *= 0.1");
  });

  test.each(examples.map((source, index) => ({ name: `example-${index + 1}`, source })))("$name", async ({ name, source }) => {
    const result = await compile(source, { fileName: `${name}.rules` });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.files.map((f) => f.fileName)).toEqual([`${name}.ts`]);
    const golden = new URL(`../fixtures/golden/${name}.ts`, import.meta.url);
    const text = result.files[0].text;
    if (update || !existsSync(golden)) {
      if (!update) throw new Error(`missing golden file ${golden.pathname}: run UPDATE=1 npx vitest run test/emit/golden.test.ts`);
      writeFileSync(golden, text);
    }
    expect(text).toBe(readFileSync(golden, "utf8"));
  });

  test("compiling is deterministic: a second compile gives the same text", async () => {
    for (const [index, source] of examples.entries()) {
      const fileName = `example-${index + 1}.rules`;
      const [first, second] = await Promise.all([compile(source, { fileName }), compile(source, { fileName })]);
      expect(second.files[0].text).toBe(first.files[0].text);
    }
  });
});
