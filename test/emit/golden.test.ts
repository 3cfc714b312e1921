// Golden tests of emitted code. generated/ (kept in sync by generated-sync.test.ts)
// is the golden of the standard library and the examples; test/fixtures/golden/
// holds what generated/ lacks: each NAME.rules there compiles to exactly NAME.ts.
// `UPDATE=1` rewrites them (review the diff: it is the emitter's output a user will read).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { compile } from "../../src/compiler.js";

const goldenDir = new URL("../fixtures/golden/", import.meta.url);
const goldens = readdirSync(goldenDir)
  .filter((name) => name.endsWith(".rules"))
  .sort()
  .map((fileName) => ({ fileName, source: readFileSync(new URL(fileName, goldenDir), "utf8") }));
const update = process.env.UPDATE === "1";

const languageDoc = readFileSync(new URL("../fixtures/LANGUAGE.md", import.meta.url), "utf8");
/** The fenced blocks of LANGUAGE.md, minus the grammar summary (it holds placeholders like `COND`). */
const examples = [...languageDoc.matchAll(/```[a-z]*\n([\s\S]*?)```/g)]
  .map((match) => match[1])
  .filter((block) => !/\bCOND\b|\bACTIONS\b|\bEVENT\b/.test(block));

describe("test/fixtures/golden: each NAME.rules compiles to NAME.ts", () => {
  test("the folder has the constructs generated/ lacks", () => {
    expect(goldens.map((g) => g.fileName)).toEqual(["hooks.rules", "lets.rules", "piecewise.rules", "string-param-paths.rules"]);
  });

  test.each(goldens)("$fileName", async ({ fileName, source }) => {
    const result = await compile(source, { fileName });
    expect(result.diagnostics).toEqual([]);
    const moduleName = fileName.replace(/\.rules$/, ".ts");
    expect(result.files.map((f) => f.fileName)).toEqual([moduleName]);
    const golden = new URL(moduleName, goldenDir);
    const text = result.files[0].text;
    if (update || !existsSync(golden)) {
      if (!update) throw new Error(`missing golden file ${golden.pathname}: run UPDATE=1 npx vitest run test/emit/golden.test.ts`);
      writeFileSync(golden, text);
    }
    expect(text).toBe(readFileSync(golden, "utf8"));
  });

  test("compiling is deterministic: a second compile gives the same text", async () => {
    for (const { fileName, source } of goldens) {
      const [first, second] = await Promise.all([compile(source, { fileName }), compile(source, { fileName })]);
      expect(second.files[0].text).toBe(first.files[0].text);
    }
  });
});

describe("LANGUAGE.md examples are the checked-in examples/ (their golden is generated/examples)", () => {
  /** The code of a rules file: comment lines and blank lines aside. */
  const code = (text: string): string[] => text.split("\n").filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));

  test("train.rules and the one-line mission example, in that order", () => {
    expect(examples).toHaveLength(2);
    expect(examples[0]).toContain("callback Training(");
    expect(examples[1].trim()).toBe("when val_loss plateau 10 then lr *= 0.1");
  });

  test.each([
    { index: 0, example: "examples/train.rules" },
    { index: 1, example: "examples/reduce-lr.rules" },
  ])("$example", async ({ index, example }) => {
    const text = readFileSync(new URL(`../../${example}`, import.meta.url), "utf8");
    expect(code(text)).toEqual(code(examples[index]));
    const result = await compile(examples[index], { fileName: "example.rules" });
    expect(result.diagnostics).toEqual([]);
  });
});
