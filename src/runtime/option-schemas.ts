// The schema builders generated option schemas are made of, one per param type,
// each with a readable "expected ...", on zod/mini: its functions tree-shake, so
// a browser bundle holds only the validators its classes use (full zod's chained
// methods pull in all of it, ~445 KB). Numbers are tested by the language's one
// range check (values.ts), so a default the checker accepts (`inf` included) is
// an option the schema accepts. Generated code wraps a builder in
// `option.withDefault(schema, value)` or `option.optional(schema)` and the whole
// in `option.object({...})`, so option types stay exact and generated code never
// names zod's API itself.
import * as z from "zod/mini";
import type { HookContext } from "./types.js";
import { acceptsNumber, describeNumber, type Bound } from "./values.js";

/** A schema of one option (or of all of a class's options). */
export type OptionSchema<T = unknown> = z.ZodMiniType<T>;
/** The options a schema produces: defaults filled in. The type of a generated class's `o`. */
export type OptionsOf<S extends OptionSchema> = z.output<S>;

interface NumberSpec {
  min?: Bound;
  max?: Bound;
}

function numeric(type: "int" | "number", spec: NumberSpec) {
  const bounded = { type, ...spec };
  return z.custom<number>((value) => acceptsNumber(bounded, value), { error: `expected ${describeNumber(bounded)}` });
}

type Fn = (...args: number[]) => number;
type Hook = (context: HookContext) => unknown;

const METRIC_ERROR = 'expected a metric name such as "val_loss"';

export const option = {
  /** All options of a class: unknown keys are errors (parseOptions suggests the nearest name). */
  object: <const Shape extends Record<string, OptionSchema>>(shape: Shape) => z.strictObject(shape),
  /** An option with a default: absent or undefined means `value`. */
  withDefault: <S extends OptionSchema>(schema: S, value: z.output<S>) => z._default(schema, value as never),
  /** An option that may be left out (`name: type?`). */
  optional: <S extends OptionSchema>(schema: S) => z.optional(schema),
  number: (spec: NumberSpec = {}) => numeric("number", spec),
  int: (spec: NumberSpec = {}) => numeric("int", spec),
  bool: () => z.boolean({ error: "expected true or false" }),
  string: () => z.string({ error: "expected a string" }),
  /** A string that is not empty, with `error` when it is. */
  nonEmptyString: (error: string) => z.string({ error }).check(z.minLength(1, { error })),
  /** A metric name, as tfjs reports it (`val_loss`, `acc`). */
  metric: () => z.string({ error: METRIC_ERROR }).check(z.minLength(1, { error: METRIC_ERROR })),
  /** `number[]`: a list of finite numbers (the boundaries and values of `piecewise`). */
  numbers: () => z.array(z.number({ error: "expected a finite number" }), { error: "expected an array of numbers" }),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}` }),
  /** One of the given schemas (`"epoch"` or an integer). */
  either: <const A extends OptionSchema, const B extends OptionSchema>(a: A, b: B, error: string) => z.union([a, b], { error }),
  /** Exactly `value`. */
  literal: <const T extends string>(value: T) => z.literal(value),
  /** A function the user passes in, called from expressions: `(a, b) => number`. */
  fn: <F extends Fn>(arity: number) =>
    z.custom<F>((v) => typeof v === "function", { error: `expected a function of ${arity} number argument${arity === 1 ? "" : "s"}` }),
  verbose: () =>
    z._default(
      z.custom<number>((v) => acceptsNumber({ type: "int", min: { value: 0, inclusive: true } }, v), { error: "expected 0, 1 or 2" }),
      0,
    ),
  /** `call name` hooks: every name the rules call must be given. */
  hooks: <const N extends readonly string[]>(names: N) => {
    // Own keys only: a hook named `__proto__` must not set the shape's prototype.
    const shape = Object.create(null) as Record<N[number], OptionSchema<Hook>>;
    for (const name of names as readonly N[number][]) {
      shape[name] = z.custom<Hook>((v) => typeof v === "function", { error: `expected a function for hook \`${name}\`` });
    }
    return z.object(shape, { error: `expected an object of hook functions (${names.join(", ")})` });
  },
  /** Classes without `call` actions accept no hooks. */
  noHooks: () => z.optional(z.strictObject({}, { error: "expected an object" })),
};

/** Whether `schema` is an object schema, and its keys (the option names a "did you mean" picks from). */
export function objectKeys(schema: OptionSchema): string[] {
  return schema instanceof z.ZodMiniObject ? Object.keys(schema.shape) : [];
}
