// Reads the named metrics out of tfjs callback logs, resolving scalar tensors once and in place.

import type * as tf from "@tensorflow/tfjs";
import { metricSpellings } from "../util/metric-names.js";

/**
 * Logs as a tf.Callback receives them: numbers, or scalar tensors owned by
 * the fit loop (tfjs-layers' UnresolvedLogs). tf.Logs (numbers only) fits too.
 */
export type Logs = { [key: string]: number | tf.Tensor | undefined };

/** The key of `name` in the logs, under any of its spellings (`acc` / `accuracy`), or undefined. */
function keyOf(logs: Logs, name: string): string | undefined {
  // Own keys only: a metric named `constructor` must not find Object.prototype's.
  return metricSpellings(name).find((key) => Object.hasOwn(logs, key) && logs[key] !== undefined);
}

/** A log value cbc cannot read: names the metric and what it got, instead of failing deep inside. */
export class LogValueError extends Error {
  override name = "LogValueError";
  constructor(
    readonly metric: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * For each of `names` (and nothing else) sets `out[name]` to its value in
 * `logs`, or undefined when absent. A scalar tensor is read once with
 * `await data()`, then replaced in `logs` by the number and disposed: later
 * callbacks, History and the fit loop's own disposal all see a plain number,
 * so nothing is read twice, freed twice or leaked. Numbers cost no tensor read.
 * Logs of null or undefined hold nothing (Keras: `logs = logs or {}`); a value
 * that is neither a number nor a scalar tensor is a LogValueError naming the metric.
 */
export async function readMetrics(
  logs: Logs | null | undefined,
  names: readonly string[],
  out: Record<string, number | undefined>,
): Promise<void> {
  if (logs !== null && logs !== undefined && typeof logs !== "object") {
    throw new LogValueError(names[0] ?? "", `the logs must be an object of metric values, got ${describe(logs)}`);
  }
  const pending: Promise<void>[] = [];
  const claimed = new Map<string, Promise<number>>();
  for (const name of names) {
    const key = logs == null ? undefined : keyOf(logs, name);
    if (logs == null || key === undefined) {
      out[name] = undefined;
      continue;
    }
    const value: unknown = logs[key];
    if (typeof value === "number") {
      out[name] = value;
      continue;
    }
    if (!isTensor(value)) {
      throw new LogValueError(key, `metric \`${key}\` in the fit logs is ${describe(value)}, expected a number or a scalar tensor`);
    }
    // Two requested names may resolve to one key (`acc` and `accuracy`): read it once.
    let reading = claimed.get(key);
    if (reading === undefined) {
      reading = resolveInPlace(logs, key, value);
      claimed.set(key, reading);
    }
    pending.push(reading.then((n) => void (out[name] = n)));
  }
  await Promise.all(pending);
}

/** Duck-typed: the app's copy of tfjs may not be cbc's, so `instanceof tf.Tensor` could lie. */
function isTensor(value: unknown): value is tf.Tensor {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<tf.Tensor>;
  return typeof candidate.data === "function" && typeof candidate.dispose === "function" && Array.isArray(candidate.shape);
}

function describe(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${JSON.stringify(value)?.slice(0, 40) ?? "?"})`;
  return `${typeof value} ${String(value)}`;
}

async function resolveInPlace(logs: Logs, key: string, tensor: tf.Tensor): Promise<number> {
  if (tensor.size !== 1) {
    throw new LogValueError(key, `metric \`${key}\` in the fit logs is a tensor of shape [${tensor.shape.join(", ")}], expected a scalar`);
  }
  const data = await tensor.data();
  const value = Number(data[0]);
  logs[key] = value;
  tensor.dispose();
  return value;
}
