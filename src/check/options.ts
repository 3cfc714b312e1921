// The operands the language fixes (patience, cooldown, every N, keep K...), as
// value specs. What a value must be, and the test of it, live in the runtime
// (src/runtime/values.ts), shared with the option schemas of generated classes.
import type { ValueSpec } from "../runtime/values.js";

export { describeRange, describeSpec, showValue, validateValue, type Bound, type ValueSpec } from "../runtime/values.js";

/** Specs of the operands the language fixes, named as users write them. */
export const OPERAND_SPECS = {
  patience: { type: "int", min: { value: 0, inclusive: true } },
  cooldown: { type: "int", min: { value: 0, inclusive: true } },
  min_delta: { type: "number", min: { value: 0, inclusive: true } },
  baseline: { type: "number" },
  from: { type: "int", min: { value: 0, inclusive: true } },
  every: { type: "int", min: { value: 1, inclusive: true } },
  at: { type: "int", min: { value: 0, inclusive: true } },
  keep: { type: "int", min: { value: 1, inclusive: true } },
  mean: { type: "int", min: { value: 1, inclusive: true } },
  /** What `lr = X` may set: the runtime refuses anything else (setLr). */
  lr: { type: "number", min: { value: 0, inclusive: true }, max: { value: Infinity, inclusive: false } },
} as const satisfies Record<string, ValueSpec>;

export type OperandName = keyof typeof OPERAND_SPECS;
