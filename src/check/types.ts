// The types of rule expressions and how the checker talks about them.

/**
 * `number` covers metrics, builtins, lets and numeric params. `elapsed` is a
 * number that may also be compared with a `duration` (`elapsed > 2h`).
 * `metric` is a metric param used by name (it names a metric, it is no
 * value). `error` follows a reported problem and accepts everything, so one
 * mistake gives one diagnostic.
 */
export type ExprType = "number" | "elapsed" | "duration" | "bool" | "string" | "metric" | "fn" | "list" | "error";

/** The hint for a `number[]` param used anywhere but in `piecewise`. */
export const LIST_HINT = "a list param is read only by `piecewise(x, boundaries, values)`, e.g. `lr = piecewise(epoch, boundaries, values)`";

/** The hint for a duration outside a comparison with `elapsed`. */
export const DURATION_HINT = "compare `elapsed` with it, e.g. `elapsed > 2h`";

/** The hint for a metric param read as a number. */
export function metricParamHint(param: string): string {
  return (
    `to read its value, make it the subject of a predicate (\`${param} plateau 5\`, \`${param} improves\`, ` +
    `\`${param} is nan\`) or use best(${param}), prev(${param}) or mean(${param}, 5)`
  );
}
