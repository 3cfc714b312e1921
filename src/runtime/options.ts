// Validating the options of generated callbacks: one formatter for the error a
// user sees. The schema builders are in option-schemas.ts.
import { objectKeys, type OptionSchema, type OptionsOf } from "./option-schemas.js";
import { closest } from "../util/suggest.js";

export { option, type OptionSchema, type OptionsOf } from "./option-schemas.js";

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
export function parseOptions<S extends OptionSchema>(className: string, schema: S, options: unknown): OptionsOf<S> {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  const given = (options ?? {}) as Record<string, unknown>;
  const known = objectKeys(schema);
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
