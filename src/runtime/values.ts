// What a value of the rules language must be, in one place: the checker
// validates literal defaults and operands with it, and the option schemas of
// generated classes validate user options with the same test, so a value is
// accepted by both or by neither (`inf` included: `warmup_target: number = inf`).
// No zod here: the schemas wrap `acceptsValue` (see option-schemas.ts).

/** The type of a param (`number[]`, the one list type, included). */
export type ScalarType = "int" | "number" | "bool" | "string" | "metric" | "enum" | "fn" | "number[]";

export interface Bound {
  value: number;
  inclusive: boolean;
}

/** What a value must be. The checker's CheckedParam satisfies this shape. */
export interface ValueSpec {
  type: ScalarType;
  enumValues?: readonly string[];
  min?: Bound;
  max?: Bound;
  optional?: boolean;
}

/**
 * A number within a range: never NaN; `inf` and `-inf` are numbers, inside any
 * range that admits them (`>= 0` admits `inf`, `in [0, 1]` does not). An integer
 * is a whole number, so never infinite.
 */
export function acceptsNumber(spec: { type: "int" | "number"; min?: Bound | undefined; max?: Bound | undefined }, value: unknown): value is number {
  if (typeof value !== "number" || Number.isNaN(value)) return false;
  if (spec.type === "int" && !Number.isInteger(value)) return false;
  const { min, max } = spec;
  if (min && (min.inclusive ? value < min.value : value <= min.value)) return false;
  if (max && (max.inclusive ? value > max.value : value >= max.value)) return false;
  return true;
}

/** Whether `value` satisfies `spec`: type, range, enum values, optionality. */
export function acceptsValue(spec: ValueSpec, value: unknown): boolean {
  if (value === undefined) return spec.optional === true;
  switch (spec.type) {
    case "int":
    case "number":
      return acceptsNumber({ type: spec.type, min: spec.min, max: spec.max }, value);
    case "bool":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "metric":
      return typeof value === "string" && value.length > 0;
    case "enum":
      return typeof value === "string" && (spec.enumValues ?? []).includes(value);
    case "fn":
      return typeof value === "function";
    case "number[]":
      return Array.isArray(value) && value.every((item) => typeof item === "number" && Number.isFinite(item));
  }
}

/** A number as the rules language writes it: `inf`, `-inf`, `0.5`. */
export function formatNumber(value: number): string {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  return String(value);
}

/** `in (0, 1]`, `>= 0`, or "" without a range. */
export function describeRange(spec: { min?: Bound | undefined; max?: Bound | undefined }): string {
  const { min, max } = spec;
  if (min && max) {
    return `in ${min.inclusive ? "[" : "("}${formatNumber(min.value)}, ${formatNumber(max.value)}${max.inclusive ? "]" : ")"}`;
  }
  if (min) return `${min.inclusive ? ">=" : ">"} ${formatNumber(min.value)}`;
  if (max) return `${max.inclusive ? "<=" : "<"} ${formatNumber(max.value)}`;
  return "";
}

/** "an integer >= 0", "a number in (0, 1]": the expectation an option error states. */
export function describeNumber(spec: { type: "int" | "number"; min?: Bound | undefined; max?: Bound | undefined }): string {
  const kind = spec.type === "int" ? "an integer" : "a number";
  const range = describeRange(spec);
  return range === "" ? kind : `${kind} ${range}`;
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
      return describeNumber({ type: spec.type, min, max });
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
  if (acceptsValue(spec, value)) return undefined;
  return `${label} must be ${describeSpec(spec)}, got ${showValue(value)}`;
}
