// The compiler's promise for the back end: every program the checker accepts
// emits (no internal error), and what it emits type-checks under strict.
// Inputs: seeded mutations of the standard library and the examples, so they
// cover every construct the project itself uses.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { check, compile } from "../../src/compiler.js";
import { typeErrors } from "../support/typecheck.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SOURCES = [
  ...readdirSync(path.join(root, "src/std")).map((f) => readFileSync(path.join(root, "src/std", f), "utf8")),
  ...["train", "iris", "reduce-lr"].map((f) => readFileSync(path.join(root, "examples", `${f}.rules`), "utf8")),
];
const INSERTS = [
  "best(val_loss)", "prev(loss)", "mean(acc, 3)", "step", "epoch", "lr", "elapsed", "1", "0.5", "pi", "not", "and",
  "or", "(", ")", "+", "*", "-", "**", "%", "val_acc", "`out/val_loss`", "loss is nan", "patience", ", stop",
  ', print "{epoch:02d} {lr:.2e}"', "min(lr, 1)", "clamp(lr, 0, 1)",
];

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

function mutate(text: string, next: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(next() * 3);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(next() * out.length);
    out =
      next() < 0.5
        ? `${out.slice(0, at)} ${INSERTS[Math.floor(next() * INSERTS.length)]} ${out.slice(at)}`
        : out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 4));
  }
  return out;
}

const dir = (() => {
  mkdirSync(path.join(root, "test/.tmp"), { recursive: true });
  return mkdtempSync(path.join(root, "test/.tmp/fuzz-emit-"));
})();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("every program the checker accepts", () => {
  test("emits, and a sample of the emitted modules type-checks under strict", async () => {
    const next = random(20261125);
    const accepted: string[] = [];
    const internal: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const source = mutate(SOURCES[Math.floor(next() * SOURCES.length)], next);
      if (check(source, { fileName: "fuzz.rules" }).diagnostics.some((d) => d.severity === "error")) continue;
      try {
        const { files } = await compile(source, { fileName: `fuzz${i}.rules` });
        expect(files).toHaveLength(1);
        accepted.push(files[0].text);
      } catch (error) {
        internal.push(`${error instanceof Error ? error.message : String(error)}\n${source}`);
      }
    }
    expect(internal).toEqual([]);
    // Enough accepted programs to mean something (mutations keep most of them valid).
    expect(accepted.length).toBeGreaterThan(500);

    const sample = accepted.filter((_, i) => i % Math.ceil(accepted.length / 60) === 0);
    const files = sample.map((text, i) => {
      const file = path.join(dir, `m${i}.ts`);
      writeFileSync(file, text);
      return file;
    });
    const problems = typeErrors(files);
    expect(problems).toEqual([]);
  }, 240_000);
});
