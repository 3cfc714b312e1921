// The one table of metric spellings that mean the same metric. tfjs reports `metrics: ['accuracy']`
// as `acc`; logs built by hand, fitDataset with custom metrics and code ported from Keras say
// `accuracy`. The compiler writes the first spelling of each pair (what tfjs reports); the runtime
// reads whichever spelling the fit reports. Shared by the checker and the runtime, so it belongs to neither.

const SAME_METRIC: readonly (readonly [canonical: string, alias: string])[] = [
  ["acc", "accuracy"],
  ["val_acc", "val_accuracy"],
];

const canonicalOf = new Map<string, string>(SAME_METRIC.map(([canonical, alias]) => [alias, canonical]));
const spellingsOf = new Map<string, readonly string[]>(
  SAME_METRIC.flatMap(([canonical, alias]) => [
    [canonical, [canonical, alias]],
    [alias, [alias, canonical]],
  ]),
);

/** The spelling the compiler writes: `accuracy` -> `acc`, `val_accuracy` -> `val_acc`, others unchanged. */
export function canonicalMetric(name: string): string {
  return canonicalOf.get(name) ?? name;
}

/** Every spelling of the metric, `name` first: `acc` -> [acc, accuracy]; a name without aliases -> [name]. */
export function metricSpellings(name: string): readonly string[] {
  return spellingsOf.get(name) ?? [name];
}

/** The spellings the compiler never writes (`accuracy`, `val_accuracy`), for did-you-mean lists. */
export const ALIAS_SPELLINGS: readonly string[] = SAME_METRIC.map(([, alias]) => alias);
