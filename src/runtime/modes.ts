// Which way a metric improves (`mode min|max|auto`) and the one comparison every tracker uses.

export type Mode = "min" | "max" | "auto";
export type Direction = "min" | "max";

// docs/language.md's auto rule. Keras 3 asks the compiled metric for its direction
// instead; tfjs has no such property, so the name decides (as Keras 2 and
// ReduceLROnPlateau did with "acc").
const MAXIMISED_NAME_PARTS = ["acc", "auc", "precision", "recall", "f1", "iou"] as const;

export function resolveMode(metric: string, mode: Mode): Direction {
  if (mode !== "auto") return mode;
  const name = (metric.startsWith("val_") ? metric.slice("val_".length) : metric).toLowerCase();
  return MAXIMISED_NAME_PARTS.some((part) => name.includes(part)) ? "max" : "min";
}

/**
 * True when `value` beats `reference` by more than |minDelta| in `direction`.
 * Strict: a tie is no improvement. NaN on either side never beats.
 *
 * The arithmetic is Keras 3's `_is_improvement` (EarlyStopping, ModelCheckpoint):
 * the delta shifts the value, `value + |d| < reference` for min and
 * `value - |d| > reference` for max, so floating-point edge cases round the same way.
 */
export function beats(direction: Direction, value: number, reference: number, minDelta: number): boolean {
  const delta = Math.abs(minDelta);
  return direction === "min" ? value + delta < reference : value - delta > reference;
}
