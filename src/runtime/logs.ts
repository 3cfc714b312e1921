// Reads the named metrics out of tfjs callback logs, resolving scalar tensors once and in place.

import type * as tf from "@tensorflow/tfjs";

/**
 * Logs as a tf.Callback receives them: numbers, or scalar tensors owned by
 * the fit loop (tfjs-layers' UnresolvedLogs). tf.Logs (numbers only) fits too.
 */
export type Logs = { [key: string]: number | tf.Tensor | undefined };

// tfjs reports `metrics: ['accuracy']` as `acc`; the language lets either name mean it.
const ALIASES: Readonly<Record<string, string>> = {
  acc: "accuracy",
  accuracy: "acc",
  val_acc: "val_accuracy",
  val_accuracy: "val_acc",
};

function keyOf(logs: Logs, name: string): string | undefined {
  // Own keys only: a metric named `constructor` must not find Object.prototype's.
  if (Object.hasOwn(logs, name) && logs[name] !== undefined) return name;
  const alias = Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
  return alias !== undefined && Object.hasOwn(logs, alias) && logs[alias] !== undefined ? alias : undefined;
}

/**
 * For each of `names` (and nothing else) sets `out[name]` to its value in
 * `logs`, or undefined when absent. A scalar tensor is read once with
 * `await data()`, then replaced in `logs` by the number and disposed: later
 * callbacks, History and the fit loop's own disposal all see a plain number,
 * so nothing is read twice, freed twice or leaked. Numbers cost no tensor read.
 */
export async function readMetrics(
  logs: Logs | undefined,
  names: readonly string[],
  out: Record<string, number | undefined>,
): Promise<void> {
  const pending: Promise<void>[] = [];
  const claimed = new Map<string, Promise<number>>();
  for (const name of names) {
    const key = logs === undefined ? undefined : keyOf(logs, name);
    if (logs === undefined || key === undefined) {
      out[name] = undefined;
      continue;
    }
    const value = logs[key];
    if (typeof value === "number") {
      out[name] = value;
      continue;
    }
    // Two requested names may resolve to one key (`acc` and `accuracy`): read it once.
    let reading = claimed.get(key);
    if (reading === undefined) {
      reading = resolveInPlace(logs, key, value as tf.Tensor);
      claimed.set(key, reading);
    }
    pending.push(reading.then((n) => void (out[name] = n)));
  }
  await Promise.all(pending);
}

async function resolveInPlace(logs: Logs, key: string, tensor: tf.Tensor): Promise<number> {
  if (tensor.size !== 1) {
    throw new Error(`metric ${key} in the fit logs is a tensor of shape [${tensor.shape.join(", ")}], expected a scalar`);
  }
  const data = await tensor.data();
  const value = Number(data[0]);
  logs[key] = value;
  tensor.dispose();
  return value;
}
