// One implementation of what a value must be: the checker's test of a default
// (validateValue) and the option schema of a generated class (option.number,
// option.int) accept exactly the same values, infinities included.
import { describe, expect, test } from "vitest";
import { validateValue, type ValueSpec } from "../../src/check/options.js";
import { option } from "../../src/runtime/option-schemas.js";
import { CosineDecay } from "../../generated/std/cosine-decay.js";

const BOUNDS = [undefined, { value: 0, inclusive: true }, { value: 0, inclusive: false }, { value: 1, inclusive: true }, { value: Infinity, inclusive: true }, { value: -Infinity, inclusive: false }];
const VALUES = [0, 1, -1, 0.5, 2.5, Infinity, -Infinity, NaN, 1e308, -0, "1", undefined, null, true];

describe("the checker and the option schemas agree on every value", () => {
  const cases: [ValueSpec, unknown][] = [];
  for (const type of ["int", "number"] as const) {
    for (const min of BOUNDS) {
      for (const max of BOUNDS) {
        const spec: ValueSpec = { type, ...(min ? { min } : {}), ...(max ? { max } : {}) };
        for (const value of VALUES) cases.push([spec, value]);
      }
    }
  }

  test(`${cases.length} (spec, value) pairs`, () => {
    const disagreements = cases.filter(([spec, value]) => {
      const schema = spec.type === "int" ? option.int(spec) : option.number(spec);
      return (validateValue("x", spec, value) === undefined) !== schema.safeParse(value).success;
    });
    expect(disagreements).toEqual([]);
  });

  test("inf is a number inside any range that admits it, and never an integer", () => {
    expect(option.number({ min: { value: 0, inclusive: true } }).safeParse(Infinity).success).toBe(true);
    expect(option.number({ max: { value: Infinity, inclusive: true } }).safeParse(Infinity).success).toBe(true);
    expect(option.number({ max: { value: Infinity, inclusive: false } }).safeParse(Infinity).success).toBe(false);
    expect(option.number({ min: { value: 0, inclusive: true }, max: { value: 1, inclusive: true } }).safeParse(Infinity).success).toBe(false);
    expect(option.int().safeParse(Infinity).success).toBe(false);
    expect(option.number().safeParse(NaN).success).toBe(false);
  });

  test("CosineDecay({ warmupTarget: Infinity }): the documented default is a value the option takes", () => {
    expect(() => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupTarget: Infinity })).not.toThrow();
    expect(new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10 }).o.warmupTarget).toBe(Infinity);
  });
});
