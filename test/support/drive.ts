// Drive a callback through a scripted training run without training: a tiny
// real model whose weights are stamped with the epoch index before each epoch
// end, so "which epoch's weights were restored" is read straight off them.
import * as tf from "@tensorflow/tfjs";

export type Value = number | undefined;

export interface Script {
  /** Metric values per epoch end: `{ val_loss: [1, 0.9, ...] }`; undefined = not reported that epoch. */
  epochs: Record<string, Value[]>;
  /** Batches per epoch (batch events fire only when > 0), with per-batch metrics if given. */
  batches?: number;
  batchMetrics?: Record<string, Value[]>;
  /** Hand logs to the callback as scalar tensors, as tfjs does for subclasses. */
  asTensors?: boolean;
  /** What the fit loop says it reports (params.metrics); default: the script's metric names. */
  reported?: string[];
  optimizer?: tf.Optimizer;
  initialLr?: number;
}

export interface Run {
  /** Epochs that ran (a stop ends the run after that epoch). */
  epochsRun: number;
  /** Index of the epoch after which training stopped, or undefined. */
  stoppedAt: number | undefined;
  /** Learning rate after each epoch end (before the next epoch's begin rules). */
  lrAfterEpoch: number[];
  /** The epoch stamp of the weights at train end (-1: the initial weights). */
  weightsEpoch: number;
  /** Tensors alive after the run minus before, once the callback is disposed. */
  leakedTensors: number;
  model: tf.LayersModel;
}

interface Drivable {
  setModel(model: tf.LayersModel): void;
  setParams(params: Record<string, unknown>): void;
  onTrainBegin(logs?: unknown): Promise<void>;
  onTrainEnd(logs?: unknown): Promise<void>;
  onEpochBegin(epoch: number, logs?: unknown): Promise<void>;
  onEpochEnd(epoch: number, logs?: unknown): Promise<void>;
  onBatchBegin(batch: number, logs?: unknown): Promise<void>;
  onBatchEnd(batch: number, logs?: unknown): Promise<void>;
  dispose?(): void;
}

function stamp(model: tf.LayersModel, epoch: number): void {
  const weights = model.getWeights().map((w) => tf.fill(w.shape, epoch));
  model.setWeights(weights);
  weights.forEach((w) => w.dispose());
}

function readStamp(model: tf.LayersModel): number {
  return model.getWeights()[0].dataSync()[0];
}

function logsFor(values: Record<string, Value[]>, index: number, asTensors: boolean): Record<string, number | tf.Tensor> {
  const logs: Record<string, number | tf.Tensor> = {};
  for (const [name, series] of Object.entries(values)) {
    const value = series[index];
    if (value === undefined) continue;
    logs[name] = asTensors ? tf.scalar(value) : value;
  }
  return logs;
}

function disposeLogs(logs: Record<string, number | tf.Tensor>): void {
  for (const value of Object.values(logs)) if (typeof value !== "number") value.dispose();
}

/**
 * A driven batch counts as one optimizer update, as a trained batch does (tfjs' optimizers count
 * their applyGradients calls in `iterations`): classes without batch hooks read the step off it.
 * Counted without training, so the stamped weights stay as they are.
 */
function countUpdate(optimizer: tf.Optimizer): void {
  const counter = optimizer as unknown as { iterations_: number | null };
  counter.iterations_ = optimizer.iterations + 1;
}

export function tinyModel(optimizer?: tf.Optimizer, lr = 0.1): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
  model.compile({ optimizer: optimizer ?? tf.train.adam(lr), loss: "meanSquaredError" });
  return model;
}

export async function drive(callback: Drivable, script: Script): Promise<Run> {
  const model = tinyModel(script.optimizer, script.initialLr);
  const before = tf.memory().numTensors;
  const epochCount = Math.max(0, ...Object.values(script.epochs).map((s) => s.length));
  const batches = script.batches ?? 0;
  const reported = script.reported ?? [...new Set([...Object.keys(script.epochs), ...Object.keys(script.batchMetrics ?? {})])];
  callback.setModel(model);
  callback.setParams({ epochs: epochCount, samples: 8, steps: batches || null, batchSize: 4, verbose: 0, doValidation: true, metrics: reported });
  stamp(model, -1);
  await callback.onTrainBegin({});
  const lrAfterEpoch: number[] = [];
  let stoppedAt: number | undefined;
  let epochsRun = 0;
  let step = 0;
  for (let epoch = 0; epoch < epochCount; epoch++) {
    await callback.onEpochBegin(epoch, {});
    for (let batch = 0; batch < batches; batch++) {
      await callback.onBatchBegin(batch, { batch, size: 4 });
      countUpdate(model.optimizer);
      const batchLogs = logsFor(script.batchMetrics ?? {}, step, script.asTensors ?? false);
      await callback.onBatchEnd(batch, batchLogs);
      disposeLogs(batchLogs);
      step++;
      if (model.stopTraining) break;
    }
    stamp(model, epoch);
    const logs = logsFor(script.epochs, epoch, script.asTensors ?? false);
    await callback.onEpochEnd(epoch, logs);
    disposeLogs(logs);
    lrAfterEpoch.push((model.optimizer.getConfig() as { learningRate: number }).learningRate);
    epochsRun++;
    if (model.stopTraining) {
      stoppedAt = epoch;
      break;
    }
  }
  await callback.onTrainEnd({});
  const weightsEpoch = readStamp(model);
  callback.dispose?.();
  const leakedTensors = tf.memory().numTensors - before;
  return { epochsRun, stoppedAt, lrAfterEpoch, weightsEpoch, leakedTensors, model };
}
