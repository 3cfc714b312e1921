// parse() on bad input: golden diagnostics for a corpus of mistakes (UPDATE=1 rewrites them),
// one diagnostic per typo, an AST that keeps what parsed, and no input that makes it throw.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hardKeywordWords, keywordOfToken, rulesLexer } from "../../grammar/tokens.js";
import { catalogue } from "../../src/diagnostics/catalogue.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import type { Program } from "../../src/syntax/ast.js";
import { compile } from "../../src/compiler.js";
import { MAX_NESTING, parse } from "../../src/syntax/parse.js";
import { languageExamples } from "../support/language-doc.js";

const casesDir = new URL("../fixtures/parse-errors/cases/", import.meta.url);
const cases = readdirSync(casesDir)
  .filter((name) => name.endsWith(".rules"))
  .sort();
const update = process.env.UPDATE === "1";

const examples = languageExamples;
const everything = readFileSync(new URL("../fixtures/parse-errors/typo-base/everything.rules", import.meta.url), "utf8");
/** Valid sources that typos are made in: the spec's examples and one file with every construct. */
const bases = [...examples, everything];

/** One diagnostic per line (hint on the next), with the text it points at. */
function render(source: string, diagnostics: Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const { start, end } = d.span;
      const at = source.slice(start.offset, end.offset);
      const where = `${start.line}:${start.column}-${end.line}:${end.column}`;
      const hint = d.hint === undefined ? "" : `\n    hint: ${d.hint}`;
      const notes = (d.related ?? []).map((r) => `\n    note ${r.span.start.line}:${r.span.start.column}: ${r.message} ${JSON.stringify(source.slice(r.span.start.offset, r.span.end.offset))}`);
      return `${d.code} ${where} ${d.message}\n    at: ${JSON.stringify(at)}${hint}${notes.join("")}`;
    })
    .join("\n")
    .concat("\n");
}

/** The line and column of an offset, counted afresh. */
function positionOf(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

function expectWellFormed(source: string, fileName: string, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    expect(d.file).toBe(fileName);
    expect(d.severity).toBe(catalogue[d.code].severity);
    expect(d.code).toMatch(/^CBC1\d\d$/);
    expect(d.span.start.offset).toBeGreaterThanOrEqual(0);
    expect(d.span.end.offset).toBeGreaterThanOrEqual(d.span.start.offset);
    expect(d.span.end.offset).toBeLessThanOrEqual(source.length);
    for (const position of [d.span.start, d.span.end]) {
      expect({ line: position.line, column: position.column }).toEqual(positionOf(source, position.offset));
    }
  }
}

/** The structure of a program, to see that a repaired typo lost nothing. */
function shape(program: Program): string {
  return JSON.stringify(
    program.items.map((item) =>
      item.kind === "callback"
        ? { callback: item.name.text, params: item.params.length, body: item.body.map((b) => (b.kind === "rule" ? b.actions.length : b.kind)) }
        : item.kind,
    ),
  );
}

describe("golden diagnostics (test/fixtures/parse-errors/cases; UPDATE=1 rewrites)", () => {
  it("has a corpus", () => {
    expect(cases.length).toBeGreaterThan(50);
  });

  it.each(cases)("%s", (name) => {
    const source = readFileSync(new URL(name, casesDir), "utf8");
    const { diagnostics } = parse(source, name);
    expect(diagnostics.length, "a bad input gets a diagnostic").toBeGreaterThan(0);
    expectWellFormed(source, name, diagnostics);
    const rendered = render(source, diagnostics);
    const golden = new URL(name.replace(/\.rules$/, ".expected"), casesDir);
    if (update) writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, "utf8"));
  });
});

describe("one typo, one diagnostic", () => {
  const hard = new Set<string>(hardKeywordWords);

  /** Misspellings of a keyword: two letters swapped, one dropped, the last replaced. */
  function misspell(word: string): string[] {
    const variants: string[] = [];
    const k = Math.floor(word.length / 2);
    if (word.length >= 2) variants.push(word.slice(0, k - 1) + word[k] + word[k - 1] + word.slice(k + 1));
    if (word.length >= 4) variants.push(word[0] + word.slice(2));
    if (word.length >= 3) variants.push(`${word.slice(0, -1)}x`);
    return variants.filter((v) => v !== word);
  }

  it.each(bases.map((source, index) => [index, source]))("in valid source %i, at every keyword", (_, source) => {
    expect(parse(source, "base.rules").diagnostics).toEqual([]);
    const original = shape(parse(source, "base.rules").program);
    let tried = 0;
    for (const token of rulesLexer.tokenize(source).tokens) {
      const word = keywordOfToken.get(token.tokenType);
      if (word === undefined) continue;
      for (const typo of misspell(token.image)) {
        const mutated = source.slice(0, token.startOffset) + typo + source.slice(token.startOffset + token.image.length);
        const { program, diagnostics } = parse(mutated, "typo.rules");
        const label = `${token.image} -> ${typo} at offset ${token.startOffset}`;
        expect(diagnostics.length, label).toBeLessThanOrEqual(1);
        // A misspelled reserved word is an error (or a call: `not (x)` -> `ont (x)` is a function),
        // and the parser reads it as the word it resembles: nothing after it is lost.
        if (hard.has(word) && diagnostics.length === 1) {
          expect(diagnostics[0].code, label).toBe("CBC104");
          expect(shape(program), label).toBe(original);
        }
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(0);
  });

  it.each(bases.map((source, index) => [index, source]))("in valid source %i, one token deleted: at most one diagnostic", (_, source) => {
    for (const token of rulesLexer.tokenize(source).tokens) {
      const mutated = source.slice(0, token.startOffset) + source.slice(token.startOffset + token.image.length);
      const { diagnostics } = parse(mutated, "deleted.rules");
      expect(diagnostics.length, `without ${token.image} at offset ${token.startOffset}`).toBeLessThanOrEqual(1);
    }
  });

  it.each(bases.map((source, index) => [index, source]))("in valid source %i, a stray `@` anywhere: exactly CBC100, AST intact", (_, source) => {
    const original = shape(parse(source, "base.rules").program);
    for (const token of rulesLexer.tokenize(source).tokens) {
      const mutated = `${source.slice(0, token.startOffset)}@${source.slice(token.startOffset)}`;
      const { program, diagnostics } = parse(mutated, "stray.rules");
      expect(diagnostics.map((d) => [d.code, d.span.start.offset]), `@ before ${token.image}`).toEqual([["CBC100", token.startOffset]]);
      expect(shape(program)).toBe(original);
    }
  });
});

describe("what survives an error", () => {
  it("keeps the rules around a broken one, and marks the broken one recovered", () => {
    const source = "when a > 1 then stop\nwhen b > then stop\nwhen c > 1 then stop\n";
    const { program, diagnostics } = parse(source, "partial.rules");
    expect(diagnostics.length).toBe(1);
    expect(program.items.map((i) => [i.kind, i.recovered ?? false])).toEqual([
      ["rule", false],
      ["rule", true],
      ["rule", false],
    ]);
  });

  it("reads a misspelled keyword as the keyword: the AST is whole and not marked recovered", () => {
    const { program, diagnostics } = parse("when val_loss plateu 10 then lr *= 0.1", "typo.rules");
    expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([["CBC104", "unknown word `plateu`", "did you mean `plateau`?"]]);
    expect(program.items).toMatchObject([
      { kind: "rule", condition: { kind: "plateau", metric: { text: "val_loss" } }, actions: [{ kind: "assign", op: "*=" }] },
    ]);
    expect(program.items[0].recovered).toBeUndefined();
  });

  it("puts a block whose head is lost in a nameless recovered callback, rules marked recovered", () => {
    const source = "Early(patience: int = 3) {\n  when val_loss plateau patience then stop\n}\nwhen loss > 10 then stop\n";
    const { program, diagnostics } = parse(source, "headless.rules");
    expect(diagnostics.length).toBe(1);
    expect(program.items).toMatchObject([
      { kind: "callback", name: { text: "" }, recovered: true, body: [{ kind: "rule", recovered: true }] },
      { kind: "rule" },
    ]);
    expect(program.items[1].recovered).toBeUndefined();
  });

  it("keeps a callback whose closing brace is missing, with its rules", () => {
    const { program, diagnostics } = parse("callback A(x: int = 1) {\n  when x > 1 then stop\n  when x > 2 then stop\n", "open.rules");
    expect(diagnostics.map((d) => d.message)).toEqual(["expected `}` to close the body of callback `A`, found the end of the file"]);
    expect(program.items).toMatchObject([{ kind: "callback", name: { text: "A" }, body: [{ kind: "rule" }, { kind: "rule" }] }]);
  });
});

describe("never throws", () => {
  /** Deterministic pseudo-random numbers (a linear congruential generator). */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
  }

  it("on every prefix of a valid file", () => {
    for (let end = 0; end <= everything.length; end++) {
      const source = everything.slice(0, end);
      const { diagnostics } = parse(source, "prefix.rules");
      expectWellFormed(source, "prefix.rules", diagnostics);
    }
  });

  it("on shuffled tokens and random characters", () => {
    const next = random(42);
    const words = rulesLexer.tokenize(everything).tokens.map((t) => t.image);
    const alphabet = 'abcz_019 .,:;?|(){}[]"`\\#\n\t+-*/%=<>!&^@{}';
    for (let round = 0; round < 300; round++) {
      const tokenSoup = Array.from({ length: 1 + Math.floor(next() * 40) }, () => words[Math.floor(next() * words.length)]).join(" ");
      const noise = Array.from({ length: Math.floor(next() * 80) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
      for (const source of [tokenSoup, noise, tokenSoup + noise]) {
        const result = parse(source, "fuzz.rules");
        expectWellFormed(source, "fuzz.rules", result.diagnostics);
      }
    }
  });

  it("on nesting too deep for the stack: one CBC107 for that statement, its neighbours kept", () => {
    const deep = `${"(".repeat(5000)}x${")".repeat(5000)}`;
    const { program, diagnostics } = parse(`when a then stop\nwhen ${deep} > 1 then stop\nwhen b then stop\n`, "deep.rules");
    expect(diagnostics.map((d) => [d.code, d.span.start.line, d.message])).toEqual([["CBC107", 2, `this statement nests more than ${MAX_NESTING} levels deep`]]);
    expect(program.items.length).toBe(2);
  });

  it("on a chain too long to check (`x + x + ...`, parsed in a loop): one CBC107, in a callback too, neighbours kept", () => {
    const chain = (terms: number) => Array.from({ length: terms }, () => "val_loss").join(" + ");
    const source = `when a then stop\ncallback C {\n  when val_loss > ${chain(5000)} then stop\n  when b then stop\n}\nwhen loss < ${chain(5000)} * 2 then stop\n`;
    const { program, diagnostics } = parse(source, "long.rules");
    expect(diagnostics.map((d) => [d.code, d.span.start.line, d.message])).toEqual([
      ["CBC107", 3, `this statement nests more than ${MAX_NESTING} levels deep`],
      ["CBC107", 6, `this statement nests more than ${MAX_NESTING} levels deep`],
    ]);
    expect(diagnostics[0]?.hint).toContain(`at most ${MAX_NESTING} levels`);
    expect(program.items.length).toBe(2);
    expect(program.items[1]?.kind === "callback" && program.items[1].body.length).toBe(1);
  });

  it("on a param default too deep to check: one CBC107 at the param, which keeps its name and nothing cascades", async () => {
    const chain = Array.from({ length: 4000 }, () => "1").join(" + ");
    const source = `callback C(a: number = 1, b: number = ${chain}) {\n  when val_loss > a + b then stop\n}\n`;
    const { program, diagnostics } = parse(source, "head.rules");
    expect(diagnostics.map((d) => [d.code, d.span.start.line, d.span.start.column])).toEqual([["CBC107", 1, 27]]);
    const callback = program.items[0];
    expect(callback?.kind === "callback" && callback.params.map((p) => [p.name.text, p.default !== undefined])).toEqual([
      ["a", true],
      ["b", false],
    ]);
    // The compiler says the same once, and never reaches the emitter.
    const result = await compile(source, { fileName: "head.rules" });
    expect(result.diagnostics.map((d) => d.code)).toEqual(["CBC107"]);
    expect(result.files).toEqual([]);
  });

  it("checks and emits a chain just inside the limit", async () => {
    const chain = Array.from({ length: MAX_NESTING - 50 }, () => "val_loss").join(" + ");
    const result = await compile(`when val_loss > ${chain} then stop\n`, { fileName: "long.rules" });
    expect(result.diagnostics).toEqual([]);
    expect(result.files[0]?.text).toContain("m_val_loss + m_val_loss");
  });

  it("on empty and blank input: an empty program, no diagnostics", () => {
    for (const source of ["", "\n\n", "   # only a comment\n"]) {
      const { program, diagnostics } = parse(source, "empty.rules");
      expect(diagnostics).toEqual([]);
      expect(program.items).toEqual([]);
    }
  });
});
