// Seeded fuzzing of the whole front end (parse + check): token soup and
// mutations of the LANGUAGE.md examples. It must never throw, must return
// well-formed diagnostics, and no single small input may take 100 ms (the
// front-end issue's bound: a pathological input, not a slow machine).
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { check } from "../../src/compiler.js";

const LANGUAGE = readFileSync(new URL("../fixtures/LANGUAGE.md", import.meta.url), "utf8");
const EXAMPLES = [...LANGUAGE.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]).filter((block) => !/\bCOND\b/.test(block));

const TOKENS = [
  "when", "then", "on", "every", "at", "let", "callback", "metrics", "and", "or", "not", "is", "plateau", "improves",
  "stop", "restore", "best", "weights", "of", "save", "model", "to", "log", "separator", "append", "tensorboard",
  "print", "call", "keep", "mode", "min_delta", "cooldown", "baseline", "from", "epoch", "epochs", "batch", "batches",
  "train", "begin", "end", "nan", "inf", "finite", "lr", "step", "elapsed", "val_loss", "loss", "acc", "val_acc",
  "patience", "min", "max", "mean", "prev", "clamp", "int", "number", "bool", "string", "metric", "fn", "in",
  "(", ")", "{", "}", "[", "]", ",", ":", "?", "=", "+=", "*=", "-=", "/=", "+", "-", "*", "/", "%", "**",
  "<", "<=", ">", ">=", "==", "!=", "|", "0", "1", "10", "0.1", "1e-4", ".5", "2h", "90s", "15m", "1e", "10x",
  '"ckpt/{epoch:02d}"', '"{val_loss:.4f}"', '"{"', '"}"', '"a\\q"', '"unterminated', "`output/val_loss`", "`",
  "#", "\n", "\t", "@", "$", "\u2028", "é",
];

/** Park-Miller: small, seeded, the same sequence on every machine. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)];
}

function soup(next: () => number): string {
  const length = 1 + Math.floor(next() * 40);
  return Array.from({ length }, () => pick(TOKENS, next)).join(next() < 0.8 ? " " : "");
}

function mutate(source: string, next: () => number): string {
  let text = source;
  const edits = 1 + Math.floor(next() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (text.length + 1));
    const roll = next();
    if (roll < 0.35) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 6));
    else if (roll < 0.7) text = `${text.slice(0, at)} ${pick(TOKENS, next)} ${text.slice(at)}`;
    else if (roll < 0.85) text = text.slice(0, at) + text.slice(at).replace(/\w/, "");
    else text = text.slice(0, at) + pick(TOKENS, next) + text.slice(at);
  }
  return text;
}

function run(source: string): number {
  const start = performance.now();
  const { diagnostics } = check(source, { fileName: "fuzz.rules" });
  const elapsed = performance.now() - start;
  for (const d of diagnostics) {
    expect(d.code).toMatch(/^CBC\d{3}$/);
    expect(d.span.start.line).toBeGreaterThanOrEqual(1);
    expect(d.span.start.column).toBeGreaterThanOrEqual(1);
    expect(d.span.end.offset).toBeGreaterThanOrEqual(d.span.start.offset);
    expect(d.span.end.offset).toBeLessThanOrEqual(source.length);
    expect(d.message.length).toBeGreaterThan(0);
    for (const related of d.related ?? []) {
      expect(related.message.length).toBeGreaterThan(0);
      expect(related.span.start.offset).toBeGreaterThanOrEqual(0);
      expect(related.span.end.offset).toBeGreaterThanOrEqual(related.span.start.offset);
      expect(related.span.end.offset).toBeLessThanOrEqual(source.length);
    }
  }
  return elapsed;
}

describe("front-end fuzzing", () => {
  test("the examples are there to mutate", () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(2);
  });

  test.each([1, 2, 3])("2,000 seeded inputs (seed %i) never throw, each under 100 ms", (seed) => {
    const next = random(seed * 7919);
    check("when loss > 1 then stop", { fileName: "warm.rules" });
    let slowest = 0;
    let slowestInput = "";
    for (let i = 0; i < 2_000; i++) {
      const source = i % 2 === 0 ? soup(next) : mutate(pick(EXAMPLES, next), next);
      const elapsed = run(source);
      if (elapsed > slowest) [slowest, slowestInput] = [elapsed, source];
    }
    expect(slowest, JSON.stringify(slowestInput)).toBeLessThan(100);
  });
});
