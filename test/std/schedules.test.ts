// Learning-rate schedules from the standard library: the rate at a table of steps against Keras' formulas
// (keras/src/optimizers/schedules/learning_rate_schedule.py) and PyTorch's OneCycleLR, written out again here
// independently of the .rules files; hand-computed anchors per row; per-batch and per-epoch use; a real fit.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, test } from "vitest";
import {
  callbacks,
  CosineDecay,
  ExponentialDecay,
  OneCycle,
  PiecewiseConstantDecay,
  PolynomialDecay,
  type CosineDecayOptions,
  type ExponentialDecayOptions,
  type OneCycleOptions,
  type PiecewiseConstantDecayOptions,
  type PolynomialDecayOptions,
} from "cbc";
import { drive } from "../support/drive.js";

// ------------------------------------------------------------ reference formulas (float64), from the sources

/** ExponentialDecay.__call__: p = step / decay_steps (floored when staircase); initial * rate ** p. */
function exponential(o: ExponentialDecayOptions, step: number): number {
  let p = step / o.decaySteps;
  if (o.staircase) p = Math.floor(p);
  return o.initialLearningRate * o.decayRate ** p;
}

/**
 * PiecewiseConstantDecay.__call__: values[0] where step <= boundaries[0], values[-1] where step > boundaries[-1],
 * values[i] where boundaries[i-1] < step <= boundaries[i].
 */
function piecewiseConstant(o: PiecewiseConstantDecayOptions, step: number): number {
  const { boundaries, values } = o;
  if (step <= boundaries[0]) return values[0];
  if (step > boundaries[boundaries.length - 1]) return values[values.length - 1];
  for (let i = 1; i < boundaries.length; i++) if (boundaries[i - 1] < step && step <= boundaries[i]) return values[i];
  throw new Error("unreachable for increasing boundaries");
}

/**
 * PolynomialDecay.__call__: with cycle, decay_steps *= (step == 0 ? 1 : ceil(step / decay_steps));
 * else step = min(step, decay_steps). (initial - end) * (1 - step / decay_steps) ** power + end.
 */
function polynomial(o: PolynomialDecayOptions, step: number): number {
  const end = o.endLearningRate ?? 0.0001;
  const power = o.power ?? 1;
  let decaySteps = o.decaySteps;
  let s = step;
  if (o.cycle) decaySteps *= s === 0 ? 1 : Math.ceil(s / decaySteps);
  else s = Math.min(s, decaySteps);
  return (o.initialLearningRate - end) * (1 - s / decaySteps) ** power + end;
}

/**
 * CosineDecay.__call__: without warmup_target, step = min(step, decay_steps) and decay from initial;
 * with it, step = min(step, decay_steps + warmup_steps); step < warmup_steps: linear warmup
 * (target - initial) * step / warmup_steps + initial; else decay(step - warmup_steps) from target.
 * decay(s) = from * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha).
 */
function cosine(o: CosineDecayOptions, step: number): number {
  const alpha = o.alpha ?? 0;
  const decay = (s: number, from: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (s / o.decaySteps))) + alpha);
  if (o.warmupTarget === undefined) return decay(Math.min(step, o.decaySteps), o.initialLearningRate);
  const warmupSteps = o.warmupSteps ?? 0;
  const s = Math.min(step, o.decaySteps + warmupSteps);
  if (s < warmupSteps) return (o.warmupTarget - o.initialLearningRate) * (s / warmupSteps) + o.initialLearningRate;
  return decay(s - warmupSteps, o.warmupTarget);
}

/**
 * PyTorch OneCycleLR.get_lr, anneal_strategy "cos", three_phase False: phases end at
 * pct_start * total_steps - 1 (initial -> max_lr) and total_steps - 1 (max_lr -> min_lr); the first phase
 * whose end >= step (or the last) gives pct = (step - start) / (end - start); lr = anneal(pct).
 * Steps past total_steps - 1 are clamped (PyTorch raises past total_steps).
 */
function oneCycle(o: OneCycleOptions, step: number): number {
  const initial = o.maxLr / (o.divFactor ?? 25);
  const min = initial / (o.finalDivFactor ?? 1e4);
  const phases = [
    { end: (o.pctStart ?? 0.3) * o.totalSteps - 1, from: initial, to: o.maxLr },
    { end: o.totalSteps - 1, from: o.maxLr, to: min },
  ];
  const s = Math.min(step, o.totalSteps - 1);
  let start = 0;
  for (const [i, phase] of phases.entries()) {
    if (s <= phase.end || i === phases.length - 1) {
      const pct = phase.end === start ? 0 : (s - start) / (phase.end - start);
      return phase.to + ((phase.from - phase.to) / 2) * (Math.cos(Math.PI * pct) + 1);
    }
    start = phase.end;
  }
  throw new Error("unreachable");
}

// ------------------------------------------------------------ a probe: the rate the optimizer holds at each batch

interface Inner {
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

/** Wraps a callback and records the learning rate right after its batch-begin rules, i.e. the rate the step uses. */
class LrProbe implements Inner {
  readonly atBatch: number[] = [];
  private model?: tf.LayersModel;
  constructor(private readonly inner: Inner) {}
  setModel(model: tf.LayersModel): void {
    this.model = model;
    this.inner.setModel(model);
  }
  setParams(params: Record<string, unknown>): void {
    this.inner.setParams(params);
  }
  onTrainBegin(logs?: unknown): Promise<void> {
    return this.inner.onTrainBegin(logs);
  }
  onTrainEnd(logs?: unknown): Promise<void> {
    return this.inner.onTrainEnd(logs);
  }
  onEpochBegin(epoch: number, logs?: unknown): Promise<void> {
    return this.inner.onEpochBegin(epoch, logs);
  }
  onEpochEnd(epoch: number, logs?: unknown): Promise<void> {
    return this.inner.onEpochEnd(epoch, logs);
  }
  async onBatchBegin(batch: number, logs?: unknown): Promise<void> {
    await this.inner.onBatchBegin(batch, logs);
    this.atBatch.push(Number(this.model?.optimizer.getConfig().learningRate));
  }
  onBatchEnd(batch: number, logs?: unknown): Promise<void> {
    return this.inner.onBatchEnd(batch, logs);
  }
  dispose(): void {
    this.inner.dispose?.();
  }
}

/** The rate at global steps 0 .. epochs * batches - 1 (per batch), through the driver. */
async function ratesPerBatch(callback: Inner, epochs: number, batches: number): Promise<number[]> {
  const probe = new LrProbe(callback);
  await drive(probe, { epochs: { loss: Array<number>(epochs).fill(1) }, batches, initialLr: 0.5 });
  return probe.atBatch;
}

function expectRates(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => expect(value, `step ${i}`).toBeCloseTo(expected[i], 12));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// ------------------------------------------------------------ tables

interface Row<O> {
  name: string;
  options: O;
  /** Hand-computed anchors [step, lr] from Keras' formula. */
  anchors: [number, number][];
}

const EXPONENTIAL: Row<ExponentialDecayOptions>[] = [
  {
    name: "smooth",
    options: { initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 },
    anchors: [
      [0, 0.1], // 0.1 * 0.5 ** 0
      [5, 0.1 * Math.SQRT1_2], // 0.1 * 0.5 ** 0.5
      [10, 0.05], // 0.1 * 0.5 ** 1
      [20, 0.025],
    ],
  },
  {
    name: "staircase",
    options: { initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true },
    anchors: [
      [9, 0.1], // floor(0.9) = 0
      [10, 0.05], // floor(1.0) = 1
      [19, 0.05],
      [20, 0.025],
    ],
  },
  {
    name: "decay_steps not a whole number",
    options: { initialLearningRate: 1, decaySteps: 2.5, decayRate: 0.1, staircase: true },
    anchors: [
      [2, 1], // floor(0.8) = 0
      [3, 0.1], // floor(1.2) = 1
      [5, 0.01], // floor(2) = 2
    ],
  },
];

const PIECEWISE: Row<PiecewiseConstantDecayOptions>[] = [
  {
    name: "Keras' docstring example, scaled down",
    // Keras: boundaries [100000, 110000], values [1.0, 0.5, 0.1]: 1.0 for the first 100001 steps, 0.5 for the next 10000.
    options: { boundaries: [5, 10], values: [1, 0.5, 0.1] },
    anchors: [
      [0, 1],
      [5, 1], // step <= 5
      [6, 0.5],
      [10, 0.5],
      [11, 0.1],
    ],
  },
  {
    name: "one boundary at 0",
    options: { boundaries: [0], values: [0.1, 0.01] },
    anchors: [
      [0, 0.1],
      [1, 0.01],
    ],
  },
  {
    name: "boundaries between steps",
    options: { boundaries: [2.5, 7.5, 20], values: [3, 2, 1, 0.5] },
    anchors: [
      [2, 3],
      [3, 2],
      [7, 2],
      [8, 1],
      [20, 1],
      [21, 0.5],
    ],
  },
];

const POLYNOMIAL: Row<PolynomialDecayOptions>[] = [
  {
    name: "linear to end, then flat",
    options: { initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01 },
    anchors: [
      [0, 0.1],
      [5, 0.055], // 0.09 * (1 - 0.5) + 0.01
      [10, 0.01],
      [15, 0.01], // step = min(15, 10)
    ],
  },
  {
    name: "power 2",
    options: { initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01, power: 2 },
    anchors: [[5, 0.0325]], // 0.09 * 0.5 ** 2 + 0.01
  },
  {
    name: "cycle",
    options: { initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01, cycle: true },
    anchors: [
      [0, 0.1], // multiplier 1 at step 0
      [10, 0.01], // ceil(1) = 1: p = 1
      [11, 0.0505], // ceil(1.1) = 2: decay_steps 20, p = 0.55: 0.09 * 0.45 + 0.01
      [15, 0.0325], // p = 0.75: 0.09 * 0.25 + 0.01
    ],
  },
  {
    name: "Keras' defaults: end 1e-4, power 1",
    options: { initialLearningRate: 0.1, decaySteps: 4 },
    anchors: [
      [2, 0.05005], // 0.0999 * 0.5 + 0.0001
      [4, 0.0001],
    ],
  },
];

const COSINE: Row<CosineDecayOptions>[] = [
  {
    name: "no warmup",
    options: { initialLearningRate: 0.1, decaySteps: 10 },
    anchors: [
      [0, 0.1],
      [5, 0.05], // 0.5 * (1 + cos(pi/2))
      [10, 0],
      [17, 0], // step = min(17, 10)
    ],
  },
  {
    name: "alpha",
    options: { initialLearningRate: 0.1, decaySteps: 10, alpha: 0.1 },
    anchors: [
      [5, 0.055], // 0.1 * (0.9 * 0.5 + 0.1)
      [10, 0.01], // 0.1 * alpha
    ],
  },
  {
    name: "warmup from 0 to 0.1 over 4 steps, then decay over 10",
    options: { initialLearningRate: 0, decaySteps: 10, warmupTarget: 0.1, warmupSteps: 4 },
    anchors: [
      [0, 0],
      [2, 0.05], // 0.1 * 2/4
      [4, 0.1], // decay(0) from the target
      [9, 0.05], // decay(5)
      [14, 0], // decay(10)
      [19, 0], // min(19, 14) - 4 = 10
    ],
  },
  {
    name: "warmup target with 0 warmup steps decays from the target",
    options: { initialLearningRate: 0.5, decaySteps: 10, warmupTarget: 0.1 },
    anchors: [
      [0, 0.1],
      [5, 0.05],
    ],
  },
  {
    name: "warmup with alpha",
    options: { initialLearningRate: 0.01, decaySteps: 8, warmupTarget: 0.2, warmupSteps: 2, alpha: 0.5 },
    anchors: [
      [1, 0.105], // (0.2 - 0.01) * 1/2 + 0.01
      [6, 0.15], // 0.2 * (0.5 * 0.5 + 0.5)
      [10, 0.1], // 0.2 * alpha
    ],
  },
];

const ONE_CYCLE: Row<OneCycleOptions>[] = [
  {
    name: "10 steps, PyTorch's defaults",
    options: { maxLr: 0.1, totalSteps: 10 },
    anchors: [
      [0, 0.004], // max_lr / 25
      [1, 0.052], // phase 1 ends at 0.3*10-1 = 2: pct 0.5: 0.1 + (0.004 - 0.1) / 2
      [2, 0.1],
      [9, 4e-7], // 0.004 / 1e4
      [15, 4e-7], // clamped
    ],
  },
  {
    name: "pct_start 0.5, div 10, final div 100",
    options: { maxLr: 1, totalSteps: 21, pctStart: 0.5, divFactor: 10, finalDivFactor: 100 },
    anchors: [
      [0, 0.1],
      [9, 1 + ((0.1 - 1) / 2) * (1 + Math.cos((Math.PI * 9) / 9.5))], // phase 1 ends at 0.5*21-1 = 9.5: pct 9/9.5
      [10, 0.001 + ((1 - 0.001) / 2) * (1 + Math.cos((Math.PI * 0.5) / 10.5))], // phase 2 from 9.5 to 20: pct 0.5/10.5
      [20, 0.001], // 0.1 / 100
    ],
  },
  {
    name: "pct_start 0: phase 2 from the first step",
    options: { maxLr: 0.1, totalSteps: 4, pctStart: 0 },
    anchors: [
      [0, 4e-7 + ((0.1 - 4e-7) / 2) * (1 + Math.cos(Math.PI * 0.25))], // phase 1 ends at -1: pct (0+1)/(3+1)
      [3, 4e-7],
    ],
  },
  {
    name: "a phase 1 that ends at step 0",
    options: { maxLr: 0.1, totalSteps: 10, pctStart: 0.1 },
    anchors: [
      [0, 0.004], // PyTorch: 0/0 raises; here pct 0
      [1, 4e-7 + ((0.1 - 4e-7) / 2) * (1 + Math.cos(Math.PI / 9))],
    ],
  },
];
/** One table row bound to its class and reference formula, so every family shares the tests below. */
function family<O extends object>(kind: string, rows: Row<O>[], make: (options: O) => Inner, reference: (options: O, step: number) => number) {
  return rows.map((row) => ({
    kind,
    name: row.name,
    anchors: row.anchors,
    make: (extra: { perEpoch?: boolean } = {}) => make({ ...row.options, ...extra }),
    at: (step: number) => reference(row.options, step),
  }));
}

const cases = [
  ...family("ExponentialDecay", EXPONENTIAL, (o) => new ExponentialDecay(o), exponential),
  ...family("PiecewiseConstantDecay", PIECEWISE, (o) => new PiecewiseConstantDecay(o), piecewiseConstant),
  ...family("PolynomialDecay", POLYNOMIAL, (o) => new PolynomialDecay(o), polynomial),
  ...family("CosineDecay", COSINE, (o) => new CosineDecay(o), cosine),
  ...family("OneCycle", ONE_CYCLE, (o) => new OneCycle(o), oneCycle),
];

describe("schedules per batch: step = the optimizer's iteration count (0-based global batch index)", () => {
  test.each(cases)("$kind: $name", async (row) => {
    // 6 epochs of 4 batches: steps 0..23, past every decay period in the table.
    const rates = await ratesPerBatch(row.make(), 6, 4);
    expectRates(rates, range(24).map(row.at));
    for (const [step, lr] of row.anchors) expect(rates[step], `anchor at step ${step}`).toBeCloseTo(lr, 12);
  });

  test.each(cases)("$kind: $name, the reference formula agrees with the hand anchors", (row) => {
    for (const [step, lr] of row.anchors) expect(row.at(step), `step ${step}`).toBeCloseTo(lr, 12);
  });
});

describe("schedules per epoch: step = the 0-based epoch index, at epoch begin", () => {
  test.each(cases)("$kind: $name", async (row) => {
    const probe = new LrProbe(row.make({ perEpoch: true }));
    const run = await drive(probe, { epochs: { loss: Array<number>(24).fill(1) }, batches: 2, initialLr: 0.5 });
    const expected = range(24).map(row.at);
    expectRates(run.lrAfterEpoch, expected);
    // Batch rules are off: both batches of epoch e run at the epoch's rate.
    expectRates(probe.atBatch, expected.flatMap((lr) => [lr, lr]));
  });
});

describe("schedules inside tfjs' model.fit", () => {
  test("ExponentialDecay per batch drives SGD step by step", async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    const sgd = tf.train.sgd(1);
    model.compile({ optimizer: sgd, loss: "meanSquaredError" });
    const xs = tf.randomNormal([16, 2]);
    const ys = tf.randomNormal([16, 1]);
    const options = { initialLearningRate: 0.05, decaySteps: 4, decayRate: 0.5 };
    const seen: number[] = [];
    const probe = new tf.CustomCallback({ onBatchBegin: async () => void seen.push(Number(sgd.getConfig().learningRate)) });
    // 3 epochs of 4 batches: the schedule sets the rate before each of the 12 steps.
    await model.fit(xs, ys, { epochs: 3, batchSize: 4, callbacks: [callbacks.exponentialDecay(options), probe], verbose: 0 });
    expectRates(seen, range(12).map((step) => exponential(options, step)));
    tf.dispose([xs, ys]);
  });

  test("OneCycle per epoch over a whole fit", async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    const adam = tf.train.adam(1);
    model.compile({ optimizer: adam, loss: "meanSquaredError" });
    const xs = tf.randomNormal([8, 2]);
    const ys = tf.randomNormal([8, 1]);
    const options = { maxLr: 0.01, totalSteps: 5, perEpoch: true };
    const seen: number[] = [];
    const probe = new tf.CustomCallback({ onEpochEnd: async () => void seen.push(Number(adam.getConfig().learningRate)) });
    await model.fit(xs, ys, { epochs: 5, batchSize: 4, callbacks: [callbacks.oneCycle(options), probe], verbose: 0 });
    expectRates(seen, range(5).map((epoch) => oneCycle(options, epoch)));
    expect(seen[4]).toBeCloseTo(0.01 / 25 / 1e4, 15);
    tf.dispose([xs, ys]);
  });
});

describe("schedule options", () => {
  test.each([
    [() => new ExponentialDecay({ decaySteps: 10, decayRate: 0.5 } as ExponentialDecayOptions), "ExponentialDecay: option `initialLearningRate`: expected a number >= 0, got nothing"],
    [() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }), "ExponentialDecay: option `decaySteps`: expected a number > 0, got 0"],
    [() => new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: -5 }), "PolynomialDecay: option `decaySteps`: expected a number > 0, got -5"],
    [() => new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 5, cycle: "yes" } as unknown as PolynomialDecayOptions), 'PolynomialDecay: option `cycle`: expected true or false, got "yes"'],
    [() => new CosineDecay({ initialLearningRate: 0.1 } as CosineDecayOptions), "CosineDecay: option `decaySteps`: expected a number > 0, got nothing"],
    [() => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 5, warmupSteps: -1 }), "CosineDecay: option `warmupSteps`: expected a number >= 0, got -1"],
    [() => new OneCycle({ maxLr: 0.1, totalSteps: 2.5 }), "OneCycle: option `totalSteps`: expected an integer > 0, got 2.5"],
    [() => new OneCycle({ maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }), "OneCycle: option `pctStart`: expected a number in [0, 1], got 1.5"],
    [() => new OneCycle({ maxLr: 0, totalSteps: 10 }), "OneCycle: option `maxLr`: expected a number > 0, got 0"],
    [
      () => new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5] }),
      "PiecewiseConstantDecay: options `boundaries` and `values`: `values` must hold one more number than `boundaries` (one value per interval), got 2 boundaries [10,20] and 2 values [1,0.5]",
    ],
    [() => new PiecewiseConstantDecay({ values: [1] } as unknown as PiecewiseConstantDecayOptions), "PiecewiseConstantDecay: option `boundaries`: expected an array of numbers, got nothing"],
    [
      () => new PiecewiseConstantDecay({ boundaries: [1, Number.NaN], values: [1, 2, 3] }),
      "PiecewiseConstantDecay: option `boundaries.1`: expected a finite number, got NaN",
    ],
  ])("%#: %s", (make, message) => {
    expect(make).toThrow(message);
  });
});
