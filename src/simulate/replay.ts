// Replays recorded epochs through a generated callback, the way tfjs' fit loop calls it, against a
// stand-in model: the decisions are the engine's own, nothing is trained and nothing is written.
import type * as tf from "@tensorflow/tfjs";
import type { EventName, Firing } from "../runtime/index.js";
import type { HistoryEpoch } from "./history.js";

/** One action a rule took during the replay. Epochs are 0-based, as Keras numbers them. */
export interface SimulatedFiring {
  epoch: number;
  event: EventName;
  /** `file.rules:line:column` */
  rule: string;
  /** The rule's text, whitespace folded. */
  text: string;
  action: Firing["action"];
  /** Batch index within the epoch and global step, for batch-level firings. */
  batch?: number;
  step?: number;
  from?: number;
  to?: number;
  detail?: string;
}

export interface ReplayResult {
  /** Epochs replayed (a stop ends the replay after its epoch). */
  epochs: number;
  stopEpoch: number | null;
  restoredEpoch: number | null;
  /** The rate in effect during each replayed epoch (what its first batch trains with). */
  lr: number[];
  /** The rate after the last replayed epoch (and train end). */
  lrAfter: number;
  /** With batches replayed: the rate each batch trains with, by global step. */
  stepLr?: number[];
  firings: SimulatedFiring[];
}

/** What replay needs of a generated callback: the tf.Callback hooks and the engine's record. */
export interface ReplayableCallback {
  model: tf.LayersModel;
  setParams(params: tf.CustomCallbackArgs | Record<string, unknown>): void;
  onTrainBegin(logs?: tf.Logs): Promise<void>;
  onTrainEnd(logs?: tf.Logs): Promise<void>;
  onEpochBegin(epoch: number, logs?: tf.Logs): Promise<void>;
  onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void>;
  onBatchBegin(batch: number, logs?: tf.Logs): Promise<void>;
  onBatchEnd(batch: number, logs?: tf.Logs): Promise<void>;
  readonly firings: Firing[];
  dispose(): void;
}

/**
 * Stands in for the fit's optimizer. The runtime's lr control reads the rate
 * from getConfig() and sets it as it sets tfjs' Adam (the default optimizer, a
 * plain field); no tensor is ever made.
 */
class StandInOptimizer {
  static readonly className = "Adam";
  /** Updates applied, one per replayed batch, as tfjs' optimizers count them: the engine derives the step from it without batch hooks. */
  iterations = 0;
  constructor(public learningRate: number) {}
  getConfig(): { learningRate: number } {
    return { learningRate: this.learningRate };
  }
}

/**
 * A "weight" that remembers the epoch it was taken at. Best-weight snapshots
 * clone it as they would clone a tensor, so a restore hands back the epoch
 * whose weights would come back.
 */
class EpochStamp {
  constructor(readonly epoch: number) {}
  clone(): EpochStamp {
    return new EpochStamp(this.epoch);
  }
}

/** The model the callback sees: an optimizer, stopTraining, and weights that are epoch stamps. */
class StandInModel {
  stopTraining = false;
  /** The epoch whose end the model has reached; -1 before any. */
  epoch = -1;
  restoredEpoch: number | null = null;
  constructor(readonly optimizer: StandInOptimizer) {}
  getWeights(): EpochStamp[] {
    return [new EpochStamp(this.epoch)];
  }
  setWeights(weights: readonly EpochStamp[]): void {
    const stamp = weights[0];
    if (stamp !== undefined) this.restoredEpoch = stamp.epoch;
  }
}

export interface ReplayOptions {
  initialLr: number;
  /** Metric names the fit loop reports (params.metrics). */
  reported: readonly string[];
  /** Batches per epoch to replay (batch events without metrics); 0: none. */
  stepsPerEpoch: number;
}

/**
 * Calls the callback's hooks in tfjs' order: train begin; per epoch, epoch
 * begin, the batches (begin, end), epoch end with the recorded logs; train end.
 * A stop ends the loop after the batch or epoch it happened in, as tfjs does.
 */
export async function replay(callback: ReplayableCallback, epochs: readonly HistoryEpoch[], options: ReplayOptions): Promise<ReplayResult> {
  const optimizer = new StandInOptimizer(options.initialLr);
  const model = new StandInModel(optimizer);
  // The tfjs boundary: the callback uses only what the stand-in has. Assigned, not setModel(),
  // which insists on a real LayersModel.
  callback.model = model as unknown as tf.LayersModel;
  const steps = options.stepsPerEpoch;
  callback.setParams({ epochs: epochs.length, steps: steps > 0 ? steps : null, samples: null, batchSize: null, verbose: 0, doValidation: options.reported.some((name) => name.startsWith("val_")), metrics: [...options.reported] });

  const firings: SimulatedFiring[] = [];
  // Drained after every event: the engine keeps only its last 10,000 firings, a replay wants them all.
  const drain = (): void => {
    for (const firing of callback.firings.splice(0)) firings.push(simulatedFiring(firing));
  };
  const lr: number[] = [];
  const stepLr: number[] = [];
  let stopEpoch: number | null = null;
  try {
    await callback.onTrainBegin({});
    drain();
    for (const record of epochs) {
      if (model.stopTraining) break;
      await callback.onEpochBegin(record.epoch, {});
      drain();
      for (let batch = 0; batch < steps; batch++) {
        await callback.onBatchBegin(batch, { batch, size: 0 });
        drain();
        if (batch === 0) lr.push(optimizer.learningRate);
        stepLr.push(optimizer.learningRate);
        optimizer.iterations += 1;
        await callback.onBatchEnd(batch, {});
        drain();
        if (model.stopTraining) break;
      }
      if (steps === 0) lr.push(optimizer.learningRate);
      model.epoch = record.epoch;
      // A copy: the engine resolves logs in place.
      await callback.onEpochEnd(record.epoch, { ...record.logs });
      drain();
      if (model.stopTraining) stopEpoch = record.epoch;
    }
    await callback.onTrainEnd({});
    drain();
  } finally {
    callback.dispose();
  }
  return {
    epochs: lr.length,
    stopEpoch,
    restoredEpoch: model.restoredEpoch,
    lr,
    lrAfter: optimizer.learningRate,
    ...(steps > 0 ? { stepLr } : {}),
    firings,
  };
}

function simulatedFiring(firing: Firing): SimulatedFiring {
  const batchLevel = firing.event === "batchBegin" || firing.event === "batchEnd";
  return {
    epoch: firing.epoch,
    event: firing.event,
    rule: firing.rule,
    text: firing.text,
    action: firing.action,
    ...(batchLevel ? { batch: firing.batch, step: firing.step } : {}),
    ...(firing.from === undefined ? {} : { from: firing.from }),
    ...(firing.to === undefined ? {} : { to: firing.to }),
    ...(firing.detail === undefined ? {} : { detail: firing.detail }),
  };
}
