// The ten rules of bench/ten-rules.rules written by hand as one tf.Callback, the way a careful tfjs user would:
// the baseline that the generated class is measured against.
import { promises as fs, writeSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";

export interface HandwrittenOptions {
  patience?: number;
  factor?: number;
  minLr?: number;
  warmup?: number;
  csvPath?: string;
}

/**
 * tfjs hands tf.Callback hooks scalar tensors. Read the keys we need once, in
 * parallel, and leave plain numbers in the logs (disposing the tensors), as
 * tfjs' own callbacks do: later callbacks and History then read nothing again.
 */
async function resolveLogs(logs: tf.Logs | undefined, keys: readonly string[]): Promise<Record<string, number | undefined>> {
  const values: Record<string, number | undefined> = {};
  if (!logs) return values;
  const entries = logs as unknown as Record<string, number | tf.Tensor | undefined>;
  await Promise.all(
    keys.map(async (key) => {
      const value = entries[key];
      if (value === undefined || typeof value === "number") {
        values[key] = value;
        return;
      }
      const [number] = await value.data();
      entries[key] = number;
      value.dispose();
      values[key] = number;
    }),
  );
  return values;
}

/** Keras' plateau bookkeeping (ReduceLROnPlateau / EarlyStopping) for a metric that should go down. */
class Plateau {
  best: number | undefined;
  private wait = 0;
  private cooldownLeft = 0;
  improved = false;

  constructor(
    private readonly patience: number,
    private readonly cooldown = 0,
  ) {}

  /** True at the epoch where the metric has gone `patience` epochs without improving. */
  update(value: number): boolean {
    this.improved = false;
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.wait = 0;
    }
    if (this.best === undefined || value < this.best) {
      this.best = value;
      this.wait = 0;
      this.improved = true;
      return false;
    }
    if (this.cooldownLeft > 0) return false;
    this.wait += 1;
    if (this.wait < this.patience) return false;
    this.wait = 0;
    this.cooldownLeft = this.cooldown;
    return true;
  }
}

export class HandwrittenTenRules extends tf.Callback {
  private readonly patience: number;
  private readonly factor: number;
  private readonly minLr: number;
  private readonly warmup: number;
  private readonly csvPath: string;
  private reduceOnPlateau = new Plateau(0);
  private earlyStop = new Plateau(50);
  private bestValAcc: number | undefined;
  private bestWeights: tf.Tensor[] | undefined;
  private worstGap = 0;
  private valLosses: number[] = [];
  private csv: fs.FileHandle | undefined;

  constructor(options: HandwrittenOptions = {}) {
    super();
    this.patience = options.patience ?? 2;
    this.factor = options.factor ?? 0.5;
    this.minLr = options.minLr ?? 1e-5;
    this.warmup = options.warmup ?? 2;
    this.csvPath = options.csvPath ?? "handwritten.csv";
  }

  private get optimizer(): tf.SGDOptimizer {
    return this.model.optimizer as tf.SGDOptimizer;
  }

  private get lr(): number {
    return this.optimizer.getConfig().learningRate as number;
  }

  private set lr(value: number) {
    this.optimizer.setLearningRate(value);
  }

  override async onTrainBegin(): Promise<void> {
    this.reduceOnPlateau = new Plateau(this.patience, 1);
    this.earlyStop = new Plateau(50);
    this.bestValAcc = undefined;
    this.worstGap = 0;
    this.valLosses = [];
    this.disposeBestWeights();
    this.csv = await fs.open(this.csvPath, "w");
    await this.csv.write("epoch,acc,loss,val_acc,val_loss,lr\n");
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    if (epoch < this.warmup) this.lr = (0.01 * (epoch + 1)) / this.warmup;
    if (epoch === 6) this.lr = this.lr * 0.5;
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    const { loss, acc, val_loss: valLoss, val_acc: valAcc } = await resolveLogs(logs, ["loss", "acc", "val_loss", "val_acc"]);
    if (valLoss !== undefined) {
      this.valLosses.push(valLoss);
      if (this.reduceOnPlateau.update(valLoss)) this.lr = Math.max(this.lr * this.factor, this.minLr);
      const stop = this.earlyStop.update(valLoss);
      if (this.earlyStop.improved) {
        this.disposeBestWeights();
        this.bestWeights = this.model.getWeights().map((weight) => weight.clone());
      }
      if (stop) {
        this.model.stopTraining = true;
        if (this.bestWeights) this.model.setWeights(this.bestWeights);
      }
    }
    if (loss !== undefined && !Number.isFinite(loss)) this.model.stopTraining = true;
    if (valAcc !== undefined && (this.bestValAcc === undefined || valAcc > this.bestValAcc)) {
      this.bestValAcc = valAcc;
      console.log(`epoch ${epoch + 1}: val_acc improved to ${valAcc.toFixed(4)}`);
    }
    if (valLoss !== undefined && loss !== undefined && valLoss - loss > this.worstGap) this.worstGap = valLoss - loss;
    if (valLoss !== undefined && this.valLosses.length >= 3) {
      const mean = this.valLosses.slice(-3).reduce((sum, value) => sum + value, 0) / 3;
      if (valLoss > mean * 1.5) console.log(`val_loss spiked to ${valLoss.toFixed(4)}`);
    }
    // Written at once, as Keras' CSVLogger (and cbc's) writes a row: the fit waits for the hook anyway.
    if (this.csv) writeSync(this.csv.fd, `${epoch},${acc},${loss},${valAcc},${valLoss},${this.lr}\n`);
    if (valAcc !== undefined && valAcc >= 0.999 && epoch >= 8) console.log(`target reached at epoch ${epoch + 1}`);
  }

  override async onTrainEnd(): Promise<void> {
    await this.csv?.close();
    this.csv = undefined;
  }

  /** Frees the best-weights snapshot; call when the callback is no longer needed. */
  dispose(): void {
    this.disposeBestWeights();
  }

  private disposeBestWeights(): void {
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = undefined;
  }
}
