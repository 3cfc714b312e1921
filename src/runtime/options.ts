// Option schemas for generated callbacks: zod builders that carry a readable
// "expected ..." for every param, and one formatter for the error a user sees.
import { z } from "zod";
import { closest } from "../util/suggest.js";
import type { HookContext } from "./types.js";

export { z };

export interface Bound {
  value: number;
  inclusive: boolean;
}

interface NumberSpec {
  min?: Bound;
  max?: Bound;
}

function describeRange(kind: string, spec: NumberSpec): string {
  const { min, max } = spec;
  if (min && max) {
    return `${kind} in ${min.inclusive ? "[" : "("}${min.value}, ${max.value}${max.inclusive ? "]" : ")"}`;
  }
  if (min) return `${kind} ${min.inclusive ? ">=" : ">"} ${min.value}`;
  if (max) return `${kind} ${max.inclusive ? "<=" : "<"} ${max.value}`;
  return kind;
}

function numeric(kind: "a number" | "an integer", spec: NumberSpec) {
  const error = `expected ${describeRange(kind, spec)}`;
  let schema = z.number({ error });
  if (kind === "an integer") schema = schema.int({ error });
  if (spec.min) schema = spec.min.inclusive ? schema.gte(spec.min.value, { error }) : schema.gt(spec.min.value, { error });
  if (spec.max) schema = spec.max.inclusive ? schema.lte(spec.max.value, { error }) : schema.lt(spec.max.value, { error });
  return schema;
}

type Fn = (...args: number[]) => number;
type Hook = (context: HookContext) => unknown;

/**
 * Builders used by generated option schemas, one per param type. Generated
 * code adds `.default(value)` or `.optional()`, so option types stay exact.
 */
export const option = {
  number: (spec: NumberSpec = {}) => numeric("a number", spec),
  int: (spec: NumberSpec = {}) => numeric("an integer", spec),
  bool: () => z.boolean({ error: "expected true or false" }),
  string: () => z.string({ error: "expected a string" }),
  /** A metric name, as tfjs reports it (`val_loss`, `acc`). */
  metric: () => z.string({ error: 'expected a metric name such as "val_loss"' }).min(1, { error: 'expected a metric name such as "val_loss"' }),
  /** `number[]`: a list of finite numbers (the boundaries and values of `piecewise`). */
  numbers: () => z.array(z.number({ error: "expected a finite number" }), { error: "expected an array of numbers" }),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}` }),
  /** A function the user passes in, called from expressions: `(a, b) => number`. */
  fn: <F extends Fn>(arity: number) =>
    z.custom<F>((v) => typeof v === "function", { error: `expected a function of ${arity} number argument${arity === 1 ? "" : "s"}` }),
  verbose: () => z.number({ error: "expected 0, 1 or 2" }).int({ error: "expected 0, 1 or 2" }).min(0, { error: "expected 0, 1 or 2" }).default(0),
  /** `call name` hooks: every name the rules call must be given. */
  hooks: <const N extends readonly string[]>(names: N) => {
    const shape = {} as Record<N[number], z.ZodType<Hook>>;
    for (const name of names as readonly N[number][]) {
      shape[name] = z.custom<Hook>((v) => typeof v === "function", { error: `expected a function for hook \`${name}\`` });
    }
    return z.object(shape, { error: `expected an object of hook functions (${names.join(", ")})` });
  },
  /** Classes without `call` actions accept no hooks. */
  noHooks: () => z.object({}, { error: "expected an object" }).strict().optional(),
};

/** The error a constructor throws for bad options: names the class, the option, what was expected and what was given. */
export class OptionsError extends Error {
  override name = "OptionsError";
}

function show(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * For `piecewise(x, boundaries, values)`: the option `values` must hold one more number than
 * the option `boundaries`, as Keras' PiecewiseConstantDecay requires. Called after parseOptions.
 */
export function requirePiecewiseLengths(className: string, options: object, boundaries: string, values: string): void {
  const b: unknown = Reflect.get(options, boundaries);
  const v: unknown = Reflect.get(options, values);
  if (!Array.isArray(b) || !Array.isArray(v) || v.length === b.length + 1) return;
  throw new OptionsError(
    `${className}: options \`${boundaries}\` and \`${values}\`: \`${values}\` must hold one more number than \`${boundaries}\` ` +
      `(one value per interval), got ${b.length} boundar${b.length === 1 ? "y" : "ies"} ${show(b)} and ${v.length} value${v.length === 1 ? "" : "s"} ${show(v)}`,
  );
}

/** Validate options against a generated schema; throws OptionsError with every problem. */
export function parseOptions<S extends z.ZodType>(className: string, schema: S, options: unknown): z.output<S> {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  const given = (options ?? {}) as Record<string, unknown>;
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const lines = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys" && issue.path.length > 0) {
      const where = issue.path.map(String).join(".");
      const keys = issue.keys.map((k) => `\`${k}\``).join(", ");
      return where === "hooks"
        ? `option \`hooks\`: ${className} has no \`call\` action named ${keys}`
        : `option \`${where}\`: unexpected ${keys}`;
    }
    if (issue.code === "unrecognized_keys") {
      return issue.keys
        .map((key) => {
          const near = closest(key, known);
          return `unknown option \`${key}\`${near ? ` (did you mean \`${near}\`?)` : ""}; known options: ${known.join(", ")}`;
        })
        .join("; ");
    }
    const key = issue.path.map(String).join(".");
    if (!key) return issue.message;
    const value = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey], given);
    return `option \`${key}\`: ${issue.message}, got ${show(value)}`;
  });
  throw new OptionsError(`${className}: ${lines.join("; ")}`);
}
