// cbc simulate against Keras' own callbacks: EarlyStopping, ReduceLROnPlateau and ModelCheckpoint's
// save_best_only re-stated here line by line from Keras 3's sources (keras/src/callbacks/
// early_stopping.py, reduce_lr_on_plateau.py, model_checkpoint.py), run on many seeded histories;
// simulate's stop epoch, restored epoch, learning rate by epoch and saves must agree.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { History } from "../../src/simulate/history.js";
import { simulate } from "../../src/simulate/simulate.js";

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A val_loss-like series: improving, stalling, spiking, with ties and the odd NaN when asked. */
function series(seed: number, length: number, nan: boolean): number[] {
  const random = seeded(seed);
  let value = 1 + random();
  return Array.from({ length }, () => {
    const r = random();
    if (nan && r < 0.03) return NaN;
    value = Math.max(0.01, value + (r < 0.5 ? -0.05 * random() : r < 0.75 ? 0 : 0.04 * random()));
    return Math.round(value * 500) / 500;
  });
}

const toHistory = (values: number[]): History => ({
  file: "h",
  format: "json",
  metrics: ["val_loss"],
  epochs: values.map((value, epoch) => ({ epoch, logs: { val_loss: value } })),
});

interface KerasRun {
  stopEpoch: number | null;
  restoredEpoch: number | null;
  lr: number[];
}

/** keras.callbacks.EarlyStopping (Keras 3), mode min. */
function kerasEarlyStopping(values: number[], o: { minDelta: number; patience: number; baseline: number | null; restoreBestWeights: boolean; startFromEpoch: number }): KerasRun {
  const minDelta = -Math.abs(o.minDelta); // monitor_op is less: min_delta *= -1
  const isImprovement = (value: number, reference: number | null) => reference === null || value - minDelta < reference;
  let wait = 0;
  let best: number | null = null;
  let bestWeights: number | null = null;
  let stopEpoch: number | null = null;
  for (let epoch = 0; epoch < values.length; epoch++) {
    const current = values[epoch] as number;
    if (epoch < o.startFromEpoch) continue;
    if (o.restoreBestWeights && bestWeights === null) bestWeights = epoch;
    wait += 1;
    if (isImprovement(current, best)) {
      best = current;
      if (o.restoreBestWeights) bestWeights = epoch;
      if (o.baseline === null || isImprovement(current, o.baseline)) wait = 0;
      continue;
    }
    if (wait >= o.patience && epoch > 0) {
      stopEpoch = epoch;
      break;
    }
  }
  const epochs = stopEpoch === null ? values.length : stopEpoch + 1;
  return { stopEpoch, restoredEpoch: o.restoreBestWeights ? bestWeights : null, lr: Array.from({ length: epochs }, () => 0.001) };
}

/** keras.callbacks.ReduceLROnPlateau (Keras 3), mode min; `lr` is logs["learning_rate"], the rate during each epoch. */
function kerasReduceLr(values: number[], o: { factor: number; patience: number; minDelta: number; cooldown: number; minLr: number }, initialLr: number): KerasRun {
  // Keras 3.15.1: _reset() sets best = None, and _is_improvement(value, None) is True.
  let best: number | null = null;
  let wait = 0;
  let cooldownCounter = 0;
  let lr = initialLr;
  const rates: number[] = [];
  for (const current of values) {
    rates.push(lr);
    if (cooldownCounter > 0) {
      cooldownCounter -= 1;
      wait = 0;
    }
    if (best === null || current + o.minDelta < best) {
      best = current;
      wait = 0;
    } else if (!(cooldownCounter > 0)) {
      wait += 1;
      if (wait >= o.patience) {
        if (lr > o.minLr) {
          lr = Math.max(lr * o.factor, o.minLr);
          cooldownCounter = o.cooldown;
          wait = 0;
        }
      }
    }
  }
  return { stopEpoch: null, restoredEpoch: null, lr: rates };
}

/** keras.callbacks.ModelCheckpoint(save_best_only=True), mode min: the epochs it saves at. */
function kerasBestCheckpoints(values: number[], initialValueThreshold: number | null): number[] {
  // Keras 3.15.1: best = initial_value_threshold, else None; _is_improvement(value, None) is True.
  let best: number | null = initialValueThreshold;
  const saves: number[] = [];
  values.forEach((current, epoch) => {
    // monitor_op is np.less: after the first value a NaN never saves, a tie neither, and nothing beats a NaN best.
    if (best === null || current < best) {
      best = current;
      saves.push(epoch);
    }
  });
  return saves;
}

const earlyStopping = readFileSync(new URL("../../src/std/early-stopping.rules", import.meta.url), "utf8");
const reduceLr = readFileSync(new URL("../../src/std/reduce-lr-on-plateau.rules", import.meta.url), "utf8");
const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

describe("EarlyStopping: simulate agrees with Keras", () => {
  const optionSets = [
    { minDelta: 0, patience: 0, baseline: null, restoreBestWeights: false, startFromEpoch: 0 },
    { minDelta: 0, patience: 5, baseline: null, restoreBestWeights: true, startFromEpoch: 0 },
    { minDelta: 0.01, patience: 3, baseline: null, restoreBestWeights: true, startFromEpoch: 4 },
    { minDelta: 0, patience: 4, baseline: 0.9, restoreBestWeights: true, startFromEpoch: 0 },
  ];
  test.each(optionSets.flatMap((options) => [false, true].map((nan) => ({ options, nan }))))("$options (NaNs: $nan)", async ({ options, nan }) => {
    let stops = 0;
    for (const seed of SEEDS) {
      const values = series(seed, 60, nan);
      const keras = kerasEarlyStopping(values, options);
      const { baseline, ...rest } = options;
      const result = await simulate(earlyStopping, { fileName: "early-stopping.rules", history: toHistory(values), options: { ...rest, ...(baseline === null ? {} : { baseline }) } });
      expect({ seed, stopEpoch: result.stopEpoch, restoredEpoch: result.restoredEpoch, epochs: result.epochs }).toEqual({ seed, stopEpoch: keras.stopEpoch, restoredEpoch: keras.restoredEpoch, epochs: keras.lr.length });
      if (keras.stopEpoch !== null) stops += 1;
    }
    // The histories make it stop, mostly: the comparison is not of runs that all go to the end.
    expect(stops).toBeGreaterThan(SEEDS.length / 4);
  });
});

describe("ReduceLROnPlateau: simulate agrees with Keras", () => {
  const optionSets = [
    { factor: 0.1, patience: 10, minDelta: 1e-4, cooldown: 0, minLr: 0 },
    { factor: 0.5, patience: 3, minDelta: 1e-4, cooldown: 2, minLr: 0 },
    { factor: 0.2, patience: 2, minDelta: 0.01, cooldown: 1, minLr: 0 },
  ];
  test.each(optionSets)("%o", async (options) => {
    let reductions = 0;
    for (const seed of SEEDS) {
      const values = series(seed + 100, 80, false);
      const keras = kerasReduceLr(values, options, 0.01);
      const result = await simulate(reduceLr, { fileName: "reduce-lr-on-plateau.rules", history: toHistory(values), options, lr: 0.01 });
      expect({ seed, lr: result.lr }).toEqual({ seed, lr: keras.lr });
      reductions += result.firings.length;
    }
    expect(reductions).toBeGreaterThan(SEEDS.length);
  });
});

describe("ModelCheckpoint(save_best_only): simulate saves where Keras does", () => {
  const checkpoint = readFileSync(new URL("../../src/std/model-checkpoint.rules", import.meta.url), "utf8");
  test.each([null, 1.0])("initial_value_threshold %s", async (threshold) => {
    let saves = 0;
    for (const seed of SEEDS) {
      const values = series(seed + 200, 60, true);
      const expected = kerasBestCheckpoints(values, threshold).map((epoch) => `ckpt/${String(epoch + 1).padStart(2, "0")}`);
      const result = await simulate(checkpoint, {
        fileName: "model-checkpoint.rules",
        history: toHistory(values),
        options: { filepath: "ckpt/{epoch:02d}", saveBestOnly: true, ...(threshold === null ? {} : { initialValueThreshold: threshold }) },
      });
      expect({ seed, saves: result.saves }).toEqual({ seed, saves: expected });
      saves += expected.length;
    }
    expect(saves).toBeGreaterThan(SEEDS.length);
  });
});
