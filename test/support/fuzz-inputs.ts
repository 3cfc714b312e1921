// Seeded fuzz inputs for the front end: token soup and mutations of example programs.
// Shared by test/check/fuzz.test.ts (never throws, well-formed diagnostics) and
// bench/fuzz.ts (the slowest single input: a timing target, so it lives in bench/).
import { pick, random } from "./random.js";

export const TOKENS = [
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

export function soup(next: () => number): string {
  const length = 1 + Math.floor(next() * 40);
  return Array.from({ length }, () => pick(TOKENS, next)).join(next() < 0.8 ? " " : "");
}

export function mutate(source: string, next: () => number): string {
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

/** The i-th input of a seeded stream: soup and mutations of `examples`, alternating. */
export function fuzzInputs(seed: number, count: number, examples: readonly string[]): string[] {
  const next = random(seed * 7919);
  return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? soup(next) : mutate(pick(examples, next), next)));
}
