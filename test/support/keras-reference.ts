// Keras 3.15.1's monitoring callbacks replayed line by line, to compare the standard library against.
// Sources: keras/src/callbacks/{monitor_callback,early_stopping,reduce_lr_on_plateau,model_checkpoint,
// terminate_on_nan}.py at tag v3.15.1 (keras/src/version.py: "3.15.1"). Each function walks the same
// statements as the Python, in the same order; comments quote the Python where the order matters.
// Numbers are float64 here; Keras holds the learning rate in a float32 variable, so test values are
// chosen where that makes no difference.

export type Value = number | undefined;
export type KerasMode = "min" | "max" | "auto";

/** MonitorCallback._set_monitor_op for mode auto, by name as tfjs has no metric direction (see src/runtime/modes.ts). */
function monitorOp(monitor: string, mode: KerasMode): "less" | "greater" {
  if (mode === "min") return "less";
  if (mode === "max") return "greater";
  const name = monitor.startsWith("val_") ? monitor.slice(4) : monitor;
  return ["acc", "auc", "precision", "recall", "f1", "iou"].some((part) => name.toLowerCase().includes(part)) ? "greater" : "less";
}

/** MonitorCallback: `best` starts at the baseline passed to __init__ (None unless given), min_delta signed by direction. */
class Monitor {
  best: number | null;
  readonly op: "less" | "greater";
  readonly minDelta: number;
  constructor(monitor: string, mode: KerasMode, baseline: number | null, minDelta: number) {
    this.best = baseline;
    this.op = monitorOp(monitor, mode);
    // self.min_delta = abs(min_delta); `if self.monitor_op == ops.less: self.min_delta *= -1`
    this.minDelta = this.op === "less" ? -Math.abs(minDelta) : Math.abs(minDelta);
  }
  /** _is_improvement: `if reference_value is None: return True; return monitor_op(value - min_delta, reference)`. */
  isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    const shifted = value - this.minDelta;
    return this.op === "less" ? shifted < reference : shifted > reference;
  }
}

export interface EarlyStoppingConfig {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: KerasMode;
  baseline?: number;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
}

export interface EarlyStoppingRun {
  /** Epoch index after which training stopped, or undefined. */
  stoppedAt: number | undefined;
  /** Which epoch's weights the model has at train end (-1: none restored and no epoch ran). */
  weightsEpoch: number;
}

/** EarlyStopping over one fit of `values.length` epochs (undefined: the metric is missing from that epoch's logs). */
export function kerasEarlyStopping(config: EarlyStoppingConfig, values: readonly Value[]): EarlyStoppingRun {
  const monitor = config.monitor ?? "val_loss";
  const patience = config.patience ?? 0;
  const baseline = config.baseline ?? null;
  const restoreBestWeights = config.restoreBestWeights ?? false;
  const startFromEpoch = config.startFromEpoch ?? 0;
  // super().__init__(monitor, mode, min_delta=min_delta): no baseline reaches MonitorCallback.
  const m = new Monitor(monitor, config.mode ?? "auto", null, config.minDelta ?? 0);
  // on_train_begin
  let wait = 0;
  m.best = null;
  let bestWeights: number | null = null;
  let lastEpoch = -1;
  let stopped: number | undefined;
  for (let epoch = 0; epoch < values.length; epoch++) {
    lastEpoch = epoch;
    // on_epoch_end
    const current = values[epoch];
    if (current !== undefined && epoch >= startFromEpoch) {
      if (restoreBestWeights && bestWeights === null) bestWeights = epoch;
      wait += 1;
      if (m.isImprovement(current, m.best)) {
        m.best = current;
        if (restoreBestWeights) bestWeights = epoch;
        if (baseline === null || m.isImprovement(current, baseline)) wait = 0;
      } else if (wait >= patience && epoch > 0) {
        stopped = epoch; // self.model.stop_training = True: the fit loop ends after this epoch
      }
    }
    if (stopped !== undefined) break;
  }
  // on_train_end
  const weightsEpoch = restoreBestWeights && bestWeights !== null ? bestWeights : lastEpoch;
  return { stoppedAt: stopped, weightsEpoch };
}

export interface ReduceLROnPlateauConfig {
  monitor?: string;
  factor?: number;
  patience?: number;
  mode?: KerasMode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

/** ReduceLROnPlateau over one fit: the learning rate after each epoch end. */
export function kerasReduceLROnPlateau(config: ReduceLROnPlateauConfig, values: readonly Value[], initialLr: number): number[] {
  const factor = config.factor ?? 0.1;
  const patience = config.patience ?? 10;
  const cooldown = config.cooldown ?? 0;
  const minLr = config.minLr ?? 0;
  const m = new Monitor(config.monitor ?? "val_loss", config.mode ?? "auto", null, config.minDelta ?? 1e-4);
  let lr = initialLr;
  // on_train_begin -> _reset()
  m.best = null;
  let cooldownCounter = 0;
  let wait = 0;
  const lrs: number[] = [];
  for (const current of values) {
    if (current !== undefined) {
      if (cooldownCounter > 0) {
        cooldownCounter -= 1;
        wait = 0;
      }
      if (m.isImprovement(current, m.best)) {
        m.best = current;
        wait = 0;
      } else if (!(cooldownCounter > 0)) {
        wait += 1;
        if (wait >= patience) {
          // _reduce_optimizer_lr: only `if old_lr > np.float32(self.min_lr)`; otherwise nothing is reset.
          if (lr > Math.fround(minLr)) {
            lr = Math.max(lr * factor, minLr);
            cooldownCounter = cooldown;
            wait = 0;
          }
        }
      }
    }
    lrs.push(lr);
  }
  return lrs;
}

export interface ModelCheckpointConfig {
  monitor?: string;
  mode?: KerasMode;
  initialValueThreshold?: number;
}

/**
 * ModelCheckpoint(save_best_only=True, save_freq="epoch") over one fit: the epochs (0-based) it saves.
 * A missing value is left out here (Keras saves with a warning; the language's `improves` is false then).
 */
export function kerasModelCheckpointBestOnly(config: ModelCheckpointConfig, values: readonly Value[]): number[] {
  // super().__init__(monitor, mode, initial_value_threshold): min_delta 0, best = the threshold.
  const m = new Monitor(config.monitor ?? "val_loss", config.mode ?? "auto", config.initialValueThreshold ?? null, 0);
  const saved: number[] = [];
  values.forEach((current, epoch) => {
    if (current === undefined) return;
    if (m.isImprovement(current, m.best)) {
      m.best = current;
      saved.push(epoch);
    }
  });
  return saved;
}

export type TerminateOnNaNOutcome =
  | { kind: "ran" }
  | { kind: "stopped"; epoch: number; batch: number; printed: string }
  | { kind: "raised"; epoch: number; batch: number; message: string };

/** TerminateOnNaN over batch losses by global step, `batchesPerEpoch` batches per epoch. */
export function kerasTerminateOnNaN(raiseError: boolean, losses: readonly Value[], batchesPerEpoch: number): TerminateOnNaNOutcome {
  for (let step = 0; step < losses.length; step++) {
    const loss = losses[step];
    const epoch = Math.floor(step / batchesPerEpoch);
    const batch = step % batchesPerEpoch; // on_batch_end(batch): the 0-based index within the epoch
    if (loss !== undefined && (Number.isNaN(loss) || !Number.isFinite(loss))) {
      if (raiseError) {
        return {
          kind: "raised",
          epoch,
          batch,
          message: `NaN or Inf loss encountered at batch ${batch}. Loss value: ${pythonFloat(loss)}. Terminating training immediately.`,
        };
      }
      return { kind: "stopped", epoch, batch, printed: `Batch ${batch}: Invalid loss, terminating training` };
    }
  }
  return { kind: "ran" };
}

/** str() of a non-finite Python float, as the f-string prints it. */
function pythonFloat(value: number): string {
  return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
}
