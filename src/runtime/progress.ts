// A Keras-style training progress display for tfjs fit(): a live bar on a terminal, one line per epoch anywhere else.

import * as tf from "@tensorflow/tfjs";
import cliProgress from "cli-progress";

import { formatValue } from "./format.js";

/**
 * Where the display draws: a writable stream (process.stdout, a file stream). Typed by what
 * it is used for, so the declarations need no @types/node; on a TTY cli-progress drives it.
 */
export interface ProgressOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressBarOptions {
  /** Where to draw; process.stdout by default (Keras prints there too). */
  stream?: ProgressOutput;
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
  // Round once, so 119.6 s reads 2m00s, not 1m60s.
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, "0")}s`;
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
  return metrics;
}

function describeMetrics(metrics: ReadonlyArray<[string, number]>): string {
  return metrics.map(([name, value]) => `${name}: ${formatMetricValue(value)}`).join(" - ");
}

function numericParam(params: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = params?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** What the fit loop says about the run ahead (tfjs' callback params). */
export interface ProgressPlan {
  /** Epochs planned (params.epochs); 0 when unknown. */
  epochs: number;
  /** The epoch index training starts at (params.initialEpoch). */
  initialEpoch: number;
  /** Batches per epoch: params.steps, or ceil(samples / batchSize); undefined for a dataset of unknown length. */
  batchesPerEpoch: number | undefined;
  /** Samples per epoch and batch size, when known: they weight the running means by batch size. */
  samples: number | undefined;
  batchSize: number | undefined;
}

/** The plan in tfjs' callback params (`this.params` of a tf.Callback). */
export function progressPlan(params: Record<string, unknown> | undefined): ProgressPlan {
  const steps = numericParam(params, "steps");
  const samples = numericParam(params, "samples");
  const batchSize = numericParam(params, "batchSize");
  return {
    epochs: numericParam(params, "epochs") ?? 0,
    initialEpoch: numericParam(params, "initialEpoch") ?? 0,
    batchesPerEpoch:
      steps !== undefined && steps > 0
        ? steps
        : samples !== undefined && batchSize !== undefined && batchSize > 0
          ? Math.ceil(samples / batchSize)
          : undefined,
    samples,
    batchSize: batchSize !== undefined && batchSize > 0 ? batchSize : undefined,
  };
}

/** Training metrics first, then val_ ones, each group in the order given (tfjs puts val_ first in epoch logs). */
export function orderForDisplay(metrics: ReadonlyArray<[string, number]>): Array<[string, number]> {
  const validation = (name: string): number => (name.startsWith("val_") ? 1 : 0);
  return [...metrics].sort(([a], [b]) => validation(a) - validation(b));
}

interface EpochState {
  epoch: number;
  startedAt: number;
  /** When its last batch ended: an epoch settled later (by the next epoch or finish()) ended then. */
  lastBatchAt: number | undefined;
  batchesSeen: number;
  /** Running sums of batch metrics weighted by batch size, and the weight so far. */
  sums: Map<string, number>;
  weight: number;
  /** Metrics to show now: running means, or the epoch's final logs. */
  shown: Array<[string, number]>;
}

/**
 * Draws training progress on a stream: on a TTY, a bar per epoch (cli-progress)
 * redrawn as batches end, with running means of the batch metrics weighted by
 * batch size (what Keras shows; tfjs' batch logs hold one batch's values) and
 * the ETA of the epoch, left on screen with the epoch's final metrics; on any
 * other stream (a log file, CI), one line per epoch:
 * `Epoch 3/10 - 32/32 - 1s 25ms/step - loss: 0.1234 - val_loss: 0.2345 - ETA 7s`.
 *
 * An epoch is settled by epochEnd() with its final logs, or, when nobody calls
 * that, by the first batch of the next epoch or by finish(), with the running means.
 */
export class ProgressRenderer {
  private readonly stream: ProgressOutput;
  private readonly interactive: boolean;
  private readonly now: () => number;
  private plan: ProgressPlan = progressPlan(undefined);
  private bar: cliProgress.SingleBar | undefined;
  private current: EpochState | undefined;
  private trainStartedAt = 0;
  private lastEpochEndedAt = 0;
  private epochsDone = 0;

  /** `now` is a clock in milliseconds (Date.now by default). */
  constructor(stream: ProgressOutput, now: () => number = Date.now) {
    this.stream = stream;
    this.interactive = (stream as { isTTY?: boolean }).isTTY === true;
    this.now = now;
  }

  /** Train begin; `startedAt` (on this renderer's clock) when training began earlier than now. */
  start(plan: ProgressPlan, startedAt: number = this.now()): void {
    this.finish();
    this.plan = plan;
    this.trainStartedAt = startedAt;
    this.lastEpochEndedAt = startedAt;
    this.epochsDone = 0;
  }

  /** Epoch begin: starts the epoch's clock (and its bar on a TTY). Optional: batchEnd and epochEnd start an epoch too. */
  epochBegin(epoch: number): void {
    if (this.current?.epoch === epoch) return;
    this.settle();
    this.current = { epoch, startedAt: this.now(), lastBatchAt: undefined, batchesSeen: 0, sums: new Map(), weight: 0, shown: [] };
    if (this.interactive) {
      this.bar = new cliProgress.SingleBar({
        // A TTY stream is a Node writable, which is what cli-progress takes.
        stream: this.stream as unknown as NodeJS.WritableStream,
        format: "Epoch {epochLabel} [{bar}] {value}/{total} | ETA: {eta_formatted} | {metrics}",
        barsize: 30,
        hideCursor: false,
        etaBuffer: 20,
      });
      this.bar.start(this.plan.batchesPerEpoch ?? 0, 0, { epochLabel: this.epochLabel(epoch), metrics: "" });
    }
  }

  /**
   * `batchesDone` batches of `epoch` have ended. `metrics` are that batch's
   * values (omit them when the display does not need them: off a TTY only
   * the epoch's line is written).
   */
  batchEnd(epoch: number, batchesDone: number, metrics?: ReadonlyArray<[string, number]>): void {
    if (this.current?.epoch !== epoch) this.beginAfter(epoch);
    const state = this.current as EpochState;
    const previous = state.batchesSeen;
    state.batchesSeen = batchesDone;
    state.lastBatchAt = this.now();
    if (metrics !== undefined && batchesDone > previous) {
      const weight = this.batchWeight(batchesDone - 1);
      state.weight += weight;
      for (const [name, value] of metrics) state.sums.set(name, (state.sums.get(name) ?? 0) + value * weight);
      state.shown = orderForDisplay([...state.sums].map(([name, sum]) => [name, sum / state.weight]));
    }
    if (this.bar !== undefined) {
      if (this.plan.batchesPerEpoch === undefined) this.bar.setTotal(batchesDone);
      this.bar.update(batchesDone, { metrics: describeMetrics(state.shown) });
    }
  }

  /** The epoch ended with these final metrics (the epoch logs, val_ ones included). */
  epochEnd(epoch: number, metrics: ReadonlyArray<[string, number]>): void {
    if (this.current?.epoch !== epoch) this.beginAfter(epoch);
    const state = this.current as EpochState;
    if (state.batchesSeen === 0 && this.plan.batchesPerEpoch !== undefined) state.batchesSeen = this.plan.batchesPerEpoch;
    state.shown = orderForDisplay(metrics);
    this.settle(this.now());
  }

  /** Train end: settles an epoch still open and leaves the display as it is. */
  finish(): void {
    this.settle();
  }

  /** A new epoch seen first at a batch or epoch end: it began when the last one ended. */
  private beginAfter(epoch: number): void {
    this.epochBegin(epoch);
    (this.current as EpochState).startedAt = this.lastEpochEndedAt;
  }

  /** The size of batch `index` of the epoch, when the plan says; 1 otherwise. */
  private batchWeight(index: number): number {
    const { samples, batchSize } = this.plan;
    if (samples === undefined || batchSize === undefined) return 1;
    return Math.max(1, Math.min(batchSize, samples - index * batchSize));
  }

  /** Writes the open epoch's final line (or bar); it ended at `endedAt`, by default when its last batch ended. */
  private settle(endedAt?: number): void {
    const state = this.current;
    if (state === undefined) return;
    this.current = undefined;
    const now = endedAt ?? state.lastBatchAt ?? this.now();
    this.lastEpochEndedAt = now;
    this.epochsDone += 1;
    if (this.bar !== undefined) {
      this.bar.setTotal(this.plan.batchesPerEpoch ?? state.batchesSeen);
      this.bar.update(state.batchesSeen, { metrics: describeMetrics(state.shown) });
      this.bar.stop();
      this.bar = undefined;
      return;
    }
    this.stream.write(this.epochLine(state, now) + "\n");
  }

  private epochLabel(epoch: number): string {
    return this.plan.epochs > 0 ? `${epoch + 1}/${this.plan.epochs}` : String(epoch + 1);
  }

  private epochLine(state: EpochState, now: number): string {
    const seconds = Math.max(0, now - state.startedAt) / 1000;
    const total = this.plan.batchesPerEpoch ?? state.batchesSeen;
    const parts = [`Epoch ${this.epochLabel(state.epoch)}`, `${state.batchesSeen}/${total}`];
    const timing = formatDuration(seconds);
    parts.push(state.batchesSeen > 0 ? `${timing} ${formatStepTime(seconds / state.batchesSeen)}` : timing);
    if (state.shown.length > 0) parts.push(describeMetrics(state.shown));
    const remaining = this.plan.epochs - this.plan.initialEpoch - this.epochsDone;
    if (remaining > 0) {
      const perEpoch = (now - this.trainStartedAt) / 1000 / this.epochsDone;
      parts.push(`ETA ${formatDuration(perEpoch * remaining)}`);
    }
    return parts.join(" - ");
  }
}

/**
 * A tf.Callback that shows epochs, batches, metrics and the time left with
 * ProgressRenderer: a bar per epoch on a TTY, one line per epoch elsewhere.
 */
export class ProgressBarCallback extends tf.Callback {
  private readonly renderer: ProgressRenderer;
  private readonly interactive: boolean;
  private epoch = 0;

  constructor(options?: ProgressBarOptions) {
    super();
    const stream = options?.stream ?? process.stdout;
    this.renderer = new ProgressRenderer(stream);
    this.interactive = (stream as { isTTY?: boolean }).isTTY === true;
  }

  override async onTrainBegin(): Promise<void> {
    this.renderer.start(progressPlan(this.params));
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.renderer.epochBegin(epoch);
  }

  override async onBatchEnd(batch: number, logs?: LogValues): Promise<void> {
    // Off a TTY only the epoch line is drawn: do not read the batch tensors.
    this.renderer.batchEnd(this.epoch, batch + 1, this.interactive ? await readMetrics(logs) : undefined);
  }

  override async onEpochEnd(epoch: number, logs?: LogValues): Promise<void> {
    this.renderer.epochEnd(epoch, await readMetrics(logs));
  }

  override async onTrainEnd(): Promise<void> {
    this.renderer.finish();
  }
}
