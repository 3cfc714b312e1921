// The zod builders generated option schemas are made of, one per param type,
// each with a readable "expected ...". Numbers are tested by the language's one
// range check (values.ts), so a default the checker accepts (`inf` included) is
// an option the schema accepts. Generated code adds `.default(value)` or
// `.optional()`, so option types stay exact.
import { z } from "zod";
import type { HookContext } from "./types.js";
import { acceptsNumber, describeNumber, type Bound } from "./values.js";

export { z };

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

export const option = {
  number: (spec: NumberSpec = {}) => numeric("number", spec),
  int: (spec: NumberSpec = {}) => numeric("int", spec),
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
    // Own keys only: a hook named `__proto__` must not set the shape's prototype.
    const shape = Object.create(null) as Record<N[number], z.ZodType<Hook>>;
    for (const name of names as readonly N[number][]) {
      shape[name] = z.custom<Hook>((v) => typeof v === "function", { error: `expected a function for hook \`${name}\`` });
    }
    return z.object(shape, { error: `expected an object of hook functions (${names.join(", ")})` });
  },
  /** Classes without `call` actions accept no hooks. */
  noHooks: () => z.object({}, { error: "expected an object" }).strict().optional(),
};
