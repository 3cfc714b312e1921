// A Keras-style training progress display for tfjs fit(): a live bar on a terminal, one line per epoch anywhere else.

import * as tf from "@tensorflow/tfjs";
import cliProgress from "cli-progress";

import { formatValue } from "./format.js";

export interface ProgressBarOptions {
  /** Where to draw; process.stdout by default (Keras prints there too). */
  stream?: NodeJS.WritableStream;
}

/** Log values as tfjs hands them to a tf.Callback: numbers or scalar tensors. */
type LogValues = { [key: string]: number | tf.Scalar };

/** Keys tfjs puts in batch logs that are bookkeeping, not metrics. */
const NOT_METRICS = new Set(["batch", "size"]);

/** A metric as Keras' progress bar shows it: Python `.4f`, or `.4e` when |value| <= 1e-3 (and for NaN). */
export function formatMetricValue(value: number): string {
  return formatValue(value, Math.abs(value) > 1e-3 ? ".4f" : ".4e");
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

function formatStepTime(secondsPerStep: number): string {
  if (secondsPerStep >= 1) return `${Math.round(secondsPerStep)}s/step`;
  if (secondsPerStep >= 1e-3) return `${Math.round(secondsPerStep * 1e3)}ms/step`;
  return `${Math.round(secondsPerStep * 1e6)}us/step`;
}

function isScalarTensor(value: unknown): value is tf.Scalar {
  return typeof value === "object" && value !== null && typeof (value as tf.Scalar).data === "function";
}

/**
 * Reads the values of `logs` without changing the object and without disposing
 * anything: the fit loop and the callbacks after this one still own those tensors.
 */
async function readMetrics(logs: LogValues | undefined): Promise<Array<[string, number]>> {
  const metrics: Array<[string, number]> = [];
  for (const [name, value] of Object.entries(logs ?? {})) {
    if (NOT_METRICS.has(name)) continue;
    if (typeof value === "number") metrics.push([name, value]);
    else if (isScalarTensor(value) && !value.isDisposed) metrics.push([name, (await value.data())[0] as number]);
  }
  // tfjs puts val_ metrics first in epoch logs; show training metrics first, as Keras does.
  const validation = (name: string): number => (name.startsWith("val_") ? 1 : 0);
  return metrics.sort(([a], [b]) => validation(a) - validation(b));
}

function describeMetrics(metrics: ReadonlyArray<[string, number]>): string {
  return metrics.map(([name, value]) => `${name}: ${formatMetricValue(value)}`).join(" - ");
}

function numericParam(params: tf.Callback["params"] | undefined, key: string): number | undefined {
  const value = params?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Shows epochs, batches, metrics and the time left. On a TTY stream: a bar per
 * epoch, redrawn as batches end (cli-progress), left on screen with the epoch's
 * final metrics. On any other stream (a log file, CI): one line per epoch,
 * `Epoch 3/10 - 32/32 - 1s 25ms/step - loss: 0.1234 - val_loss: 0.2345 - ETA 7s`.
 */
export class ProgressBarCallback extends tf.Callback {
  private readonly stream: NodeJS.WritableStream;
  private readonly interactive: boolean;
  private bar: cliProgress.SingleBar | undefined;
  private epochs = 0;
  private initialEpoch = 0;
  private batchesPerEpoch: number | undefined;
  private batchesSeen = 0;
  private epochStartedAt = 0;
  private trainStartedAt = 0;
  private epochsDone = 0;

  constructor(options?: ProgressBarOptions) {
    super();
    this.stream = options?.stream ?? process.stdout;
    this.interactive = (this.stream as { isTTY?: boolean }).isTTY === true;
  }

  override async onTrainBegin(): Promise<void> {
    this.epochs = numericParam(this.params, "epochs") ?? 0;
    this.initialEpoch = numericParam(this.params, "initialEpoch") ?? 0;
    const steps = numericParam(this.params, "steps");
    const samples = numericParam(this.params, "samples");
    const batchSize = numericParam(this.params, "batchSize");
    this.batchesPerEpoch =
      steps !== undefined && steps > 0
        ? steps
        : samples !== undefined && batchSize !== undefined && batchSize > 0
          ? Math.ceil(samples / batchSize)
          : undefined;
    this.trainStartedAt = Date.now();
    this.epochsDone = 0;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epochStartedAt = Date.now();
    this.batchesSeen = 0;
    if (!this.interactive) return;
    this.stopBar();
    this.bar = new cliProgress.SingleBar({
      stream: this.stream,
      format: "Epoch {epochLabel} [{bar}] {value}/{total} | ETA: {eta_formatted} | {metrics}",
      barsize: 30,
      hideCursor: false,
      etaBuffer: 20,
    });
    this.bar.start(this.batchesPerEpoch ?? 0, 0, { epochLabel: this.epochLabel(epoch), metrics: "" });
  }

  override async onBatchEnd(batch: number, logs?: LogValues): Promise<void> {
    this.batchesSeen = batch + 1;
    if (this.bar === undefined) return;
    const metrics = await readMetrics(logs);
    if (this.batchesPerEpoch === undefined) this.bar.setTotal(this.batchesSeen);
    this.bar.update(this.batchesSeen, { metrics: describeMetrics(metrics) });
  }

  override async onEpochEnd(epoch: number, logs?: LogValues): Promise<void> {
    const metrics = await readMetrics(logs);
    this.epochsDone += 1;
    if (this.bar !== undefined) {
      this.bar.setTotal(this.batchesPerEpoch ?? this.batchesSeen);
      this.bar.update(this.batchesSeen, { metrics: describeMetrics(metrics) });
      this.stopBar();
      return;
    }
    this.stream.write(this.epochLine(epoch, metrics) + "\n");
  }

  override async onTrainEnd(): Promise<void> {
    this.stopBar();
  }

  private stopBar(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private epochLabel(epoch: number): string {
    return this.epochs > 0 ? `${epoch + 1}/${this.epochs}` : String(epoch + 1);
  }

  private epochLine(epoch: number, metrics: ReadonlyArray<[string, number]>): string {
    const now = Date.now();
    const seconds = (now - this.epochStartedAt) / 1000;
    const total = this.batchesPerEpoch ?? this.batchesSeen;
    const parts = [`Epoch ${this.epochLabel(epoch)}`, `${this.batchesSeen}/${total}`];
    const timing = formatDuration(seconds);
    parts.push(this.batchesSeen > 0 ? `${timing} ${formatStepTime(seconds / this.batchesSeen)}` : timing);
    if (metrics.length > 0) parts.push(describeMetrics(metrics));
    const remaining = this.epochs - this.initialEpoch - this.epochsDone;
    if (remaining > 0 && this.epochsDone > 0) {
      const perEpoch = (now - this.trainStartedAt) / 1000 / this.epochsDone;
      parts.push(`ETA ${formatDuration(perEpoch * remaining)}`);
    }
    return parts.join(" - ");
  }
}
