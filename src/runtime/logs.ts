// Reads the named metrics out of tfjs callback logs, resolving scalar tensors once and in place.

import * as tf from "@tensorflow/tfjs";
import { metricSpellings } from "../util/metric-names.js";

/**
 * Logs as a tf.Callback receives them: numbers, or scalar tensors owned by
 * the fit loop (tfjs-layers' UnresolvedLogs). tf.Logs (numbers only) fits too.
 */
export type Logs = { [key: string]: number | tf.Tensor | undefined };

/** The metrics read for one event, by the name a rule reads them under; absent ones undefined. */
export type MetricValues = Record<string, number | undefined>;

/** The key of `name` in the logs, under any of its spellings (`acc` / `accuracy`), or undefined. */
function keyOf(logs: Logs, name: string): string | undefined {
  // Own keys only: a metric named `constructor` must not find Object.prototype's.
  for (const key of metricSpellings(name)) if (Object.hasOwn(logs, key) && logs[key] !== undefined) return key;
  return undefined;
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
 * Backends whose asynchronous read is their synchronous one (tfjs-backend-cpu,
 * -wasm and tfjs-node all define `read()` as `return this.readSync()`): there a
 * scalar is read with `dataSync()`, which reads the same bytes without the
 * promise hops that, in a fit's cache-cold batch hook, cost more than the read.
 * Any other backend (webgl, webgpu) reads with `await data()`, never stalling its GPU.
 */
const SYNC_READ_BACKENDS: ReadonlySet<string> = new Set(["cpu", "wasm", "tensorflow"]);

/** Whether scalars in the logs can be read synchronously on the active backend (see SYNC_READ_BACKENDS). */
export function readsSynchronously(): boolean {
  return SYNC_READ_BACKENDS.has(tf.getBackend());
}

/**
 * For each of `names` (and nothing else) sets `out[name]` to its value in
 * `logs`, or undefined when absent. A scalar tensor is read once, then
 * replaced in `logs` by the number and disposed: later callbacks, History and
 * the fit loop's own disposal all see a plain number, so nothing is read twice,
 * freed twice or leaked. Numbers cost no tensor read. Logs of null or undefined
 * hold nothing (Keras: `logs = logs or {}`); a value that is neither a number
 * nor a scalar tensor is a LogValueError naming the metric. Reads as the active
 * backend reads best (readsSynchronously); always a promise.
 */
export async function readMetrics(logs: Logs | null | undefined, names: readonly string[], out: MetricValues): Promise<void> {
  await readMetricsNow(logs, names, out, readsSynchronously());
}

/**
 * readMetrics without a promise where none is needed, for the engine's per-batch path.
 * With `sync` every tensor is read with `dataSync()` and nothing is returned; otherwise
 * with `await data()`, and the promise of the reads is returned (undefined when the logs
 * held only numbers). Errors are thrown, not returned as a rejected promise.
 */
export function readMetricsNow(logs: Logs | null | undefined, names: readonly string[], out: MetricValues, sync: boolean): Promise<void> | undefined {
  if (logs !== null && logs !== undefined && typeof logs !== "object") {
    throw new LogValueError(names[0] ?? "", `the logs must be an object of metric values, got ${describe(logs)}`);
  }
  let pending: Promise<void>[] | undefined;
  let claimed: Map<string, Promise<number>> | undefined;
  let read: Set<tf.Tensor> | undefined;
  try {
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
      requireScalar(key, value);
      if (sync) {
        // Replaced in place at once (a second spelling of the same key finds the number);
        // disposed after the loop, in case hand-made logs hold one tensor under two keys.
        const number = Number(value.dataSync()[0]);
        logs[key] = number;
        out[name] = number;
        (read ??= new Set()).add(value);
        continue;
      }
      // Two requested names may resolve to one key (`acc` and `accuracy`): read it once.
      claimed ??= new Map();
      let reading = claimed.get(key);
      if (reading === undefined) {
        reading = resolveInPlace(logs, key, value);
        claimed.set(key, reading);
      }
      (pending ??= []).push(reading.then((n) => void (out[name] = n)));
    }
  } finally {
    read?.forEach((tensor) => tensor.dispose());
  }
  return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
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

function requireScalar(key: string, tensor: tf.Tensor): void {
  if (tensor.size !== 1) {
    throw new LogValueError(key, `metric \`${key}\` in the fit logs is a tensor of shape [${tensor.shape.join(", ")}], expected a scalar`);
  }
}

async function resolveInPlace(logs: Logs, key: string, tensor: tf.Tensor): Promise<number> {
  const data = await tensor.data();
  const value = Number(data[0]);
  logs[key] = value;
  tensor.dispose();
  return value;
}
