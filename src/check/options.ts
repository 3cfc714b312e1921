// Value constraints as zod schemas: one builder for param types+ranges and for
// the fixed operands of the language (patience, cooldown, every N, keep K...).
// The checker validates constants with it; the emitter can derive the same
// runtime validation from a CheckedParam, which is a ValueSpec.
import { z } from "zod";
import type { ScalarType } from "./program.js";

export interface Bound {
  value: number;
  inclusive: boolean;
}

/** What a value must be. CheckedParam satisfies this shape. */
export interface ValueSpec {
  type: ScalarType;
  enumValues?: string[];
  min?: Bound;
  max?: Bound;
  optional?: boolean;
}

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
} as const satisfies Record<string, ValueSpec>;

export type OperandName = keyof typeof OPERAND_SPECS;

function boundedNumber(spec: ValueSpec, integer: boolean): z.ZodType<number> {
  let schema = integer ? z.number().int() : z.number();
  if (spec.min) schema = spec.min.inclusive ? schema.gte(spec.min.value) : schema.gt(spec.min.value);
  if (spec.max) schema = spec.max.inclusive ? schema.lte(spec.max.value) : schema.lt(spec.max.value);
  if (integer) return schema;
  // zod's number() rejects infinities, but `inf` is a number of the language
  // (`baseline: number = inf`); allow each one the range admits.
  let withInfinities: z.ZodType<number> = schema;
  if (spec.max === undefined) withInfinities = withInfinities.or(z.literal(Infinity));
  if (spec.min === undefined) withInfinities = withInfinities.or(z.literal(-Infinity));
  return withInfinities;
}

// Building a zod schema costs far more than running it: one per spec object.
const schemas = new WeakMap<ValueSpec, z.ZodType<unknown>>();

/** The zod schema of a value: type, range, enum values, optionality. */
export function valueSchema(spec: ValueSpec): z.ZodType<unknown> {
  let schema = schemas.get(spec);
  if (!schema) {
    schema = buildSchema(spec);
    schemas.set(spec, schema);
  }
  return schema;
}

function buildSchema(spec: ValueSpec): z.ZodType<unknown> {
  let schema: z.ZodType<unknown>;
  switch (spec.type) {
    case "int":
      schema = boundedNumber(spec, true);
      break;
    case "number":
      schema = boundedNumber(spec, false);
      break;
    case "bool":
      schema = z.boolean();
      break;
    case "string":
      schema = z.string();
      break;
    case "metric":
      schema = z.string().min(1);
      break;
    case "enum": {
      const values = spec.enumValues ?? [];
      schema = values.length > 0 ? z.enum(values as [string, ...string[]]) : z.never();
      break;
    }
    case "fn":
      schema = z.custom<(...args: number[]) => number>((value) => typeof value === "function");
      break;
    case "number[]":
      schema = z.array(z.number());
      break;
  }
  return spec.optional ? schema.optional() : schema;
}

function formatNumber(value: number): string {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  return String(value);
}

/** `(0, 1]`, `>= 0`, or "" without a range. */
export function describeRange(spec: ValueSpec): string {
  const { min, max } = spec;
  if (min && max) {
    return `in ${min.inclusive ? "[" : "("}${formatNumber(min.value)}, ${formatNumber(max.value)}${max.inclusive ? "]" : ")"}`;
  }
  if (min) return `${min.inclusive ? ">=" : ">"} ${formatNumber(min.value)}`;
  if (max) return `${max.inclusive ? "<=" : "<"} ${formatNumber(max.value)}`;
  return "";
}

/** What a value must be, in words: "a non-negative integer", `one of "min", "max"`. */
export function describeSpec(spec: ValueSpec): string {
  const { min, max } = spec;
  switch (spec.type) {
    case "int":
    case "number": {
      const noun = spec.type === "int" ? "integer" : "number";
      if (min && !max && min.value === 0) return min.inclusive ? `a non-negative ${noun}` : `a positive ${noun}`;
      if (min && !max && spec.type === "int" && min.value === 1 && min.inclusive) return "a positive integer";
      const range = describeRange(spec);
      const article = spec.type === "int" ? "an" : "a";
      return range === "" ? `${article} ${noun}` : `${article} ${noun} ${range}`;
    }
    case "bool":
      return "true or false";
    case "string":
      return "a string";
    case "metric":
      return "a metric name";
    case "enum":
      return `one of ${(spec.enumValues ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
    case "fn":
      return "a function";
    case "number[]":
      return "a list of numbers";
  }
}

/** A value as a message shows it. */
export function showValue(value: unknown): string {
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  return String(value);
}

/** undefined when `value` satisfies `spec`, else "patience must be a non-negative integer, got -1". */
export function validateValue(label: string, spec: ValueSpec, value: unknown): string | undefined {
  if (valueSchema(spec).safeParse(value).success) return undefined;
  return `${label} must be ${describeSpec(spec)}, got ${showValue(value)}`;
}
