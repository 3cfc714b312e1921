// Seeded fuzzing of the whole front end (parse + check): token soup and
// mutations of the examples of docs/language.md. It must never throw and must
// return well-formed diagnostics; a diagnostic reporting an internal error (a
// crash the parser caught) fails. How long the slowest input takes is a timing
// target, measured by bench/fuzz.ts (`fuzz_slowest_input_ms`), not here.
import { describe, expect, test } from "vitest";
import { check } from "../../src/compiler.js";
import { isInternalError } from "../../src/diagnostics/diagnostic.js";
import { languageExamples } from "../support/language-doc.js";
import { fuzzInputs } from "../support/fuzz-inputs.js";

const EXAMPLES = languageExamples;

function run(source: string): void {
  const { diagnostics } = check(source, { fileName: "fuzz.rules" });
  // parse() turns a crash into a diagnostic: that is a bug, whatever shape it has.
  expect(diagnostics.filter(isInternalError), JSON.stringify(source)).toEqual([]);
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
}

describe("front-end fuzzing", () => {
  test("the examples are there to mutate", () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(2);
  });

  test.each([1, 2, 3])("2,000 seeded inputs (seed %i) never throw and report well-formed diagnostics", (seed) => {
    for (const source of fuzzInputs(seed, 2_000, EXAMPLES)) run(source);
  });
});
