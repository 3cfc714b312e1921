// Simulated decisions are the engine's: each std class and each example, driven through a real
// callback on a real tfjs model with scripted logs (test/support/drive.ts), and simulated on the same
// logs as a history; the firings, the stop, the restored epoch and the learning rates must agree.
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import * as std from "../../src/std.js";
import { simulateInDetail } from "../../src/simulate/simulate.js";
import type { History } from "../../src/simulate/history.js";
import { drive, type Value } from "../support/drive.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";

// Rules that write (checkpoints, CSV, TensorBoard) write here in the real runs; the simulations write nothing.
const scratch = mkdtempSync(path.join(os.tmpdir(), "cbc-equivalence-"));
const inScratch = (name: string) => path.join(scratch, name);
afterAll(async () => {
  await removeLoadedRules();
  rmSync(scratch, { recursive: true, force: true });
});

/** A seeded sequence with trends, plateaus, spikes and the odd NaN: what makes trackers disagree if anything does. */
function series(seed: number, length: number, { rising = false, nanEvery = 0 } = {}): Value[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  let value = rising ? 0.3 : 1.5;
  return Array.from({ length }, (_, i) => {
    if (nanEvery > 0 && i % nanEvery === nanEvery - 1) return NaN;
    const r = random();
    // Improve, stall or get worse, in runs.
    const step = r < 0.45 ? 0.04 * random() : r < 0.8 ? 0 : -0.03 * random();
    value = rising ? Math.min(1, value + step) : Math.max(0.01, value - step);
    // Ties matter to plateau and improves: round to 3 digits so some values repeat exactly.
    return Math.round(value * 1000) / 1000;
  });
}

function historyOf(epochs: Record<string, Value[]>): History {
  const length = Math.max(...Object.values(epochs).map((s) => s.length));
  return {
    file: "scripted",
    format: "json",
    metrics: Object.keys(epochs),
    epochs: Array.from({ length }, (_, epoch) => {
      const logs: Record<string, number> = {};
      for (const [name, values] of Object.entries(epochs)) {
        const value = values[epoch];
        if (value !== undefined) logs[name] = value;
      }
      return { epoch, logs };
    }),
  };
}

interface Case {
  name: string;
  /** The rules file and its class. */
  file: string;
  className: string;
  options: Record<string, unknown>;
  epochs: Record<string, Value[]>;
  batches?: number;
  lr?: number;
  /** Its paths are relative: the real run writes inside the scratch directory. */
  chdir?: boolean;
}

const EPOCHS = 80;
const logs = (seed: number, nanEvery = 0) => ({
  loss: series(seed, EPOCHS, { nanEvery }),
  val_loss: series(seed + 1, EPOCHS, { nanEvery }),
  acc: series(seed + 2, EPOCHS, { rising: true }),
  val_acc: series(seed + 3, EPOCHS, { rising: true }),
});

const cases: Case[] = [];
for (const seed of [1, 2, 3]) {
  cases.push(
    { name: `EarlyStopping, defaults (seed ${seed})`, file: "src/std/early-stopping.rules", className: "EarlyStopping", options: {}, epochs: logs(seed) },
    { name: `EarlyStopping, patience 5, restore (seed ${seed})`, file: "src/std/early-stopping.rules", className: "EarlyStopping", options: { patience: 5, restoreBestWeights: true }, epochs: logs(seed) },
    { name: `EarlyStopping, val_acc, min_delta, baseline, start (seed ${seed})`, file: "src/std/early-stopping.rules", className: "EarlyStopping", options: { monitor: "val_acc", minDelta: 0.005, patience: 4, baseline: 0.5, startFromEpoch: 3, restoreBestWeights: true }, epochs: logs(seed) },
    { name: `EarlyStopping with NaNs (seed ${seed})`, file: "src/std/early-stopping.rules", className: "EarlyStopping", options: { patience: 3, restoreBestWeights: true }, epochs: logs(seed, 7) },
    { name: `ReduceLROnPlateau, patience 3, cooldown 2, min_lr (seed ${seed})`, file: "src/std/reduce-lr-on-plateau.rules", className: "ReduceLROnPlateau", options: { patience: 3, cooldown: 2, factor: 0.5, minLr: 1e-5 }, epochs: logs(seed), lr: 0.01 },
    { name: `ReduceLROnPlateau on val_acc with NaNs (seed ${seed})`, file: "src/std/reduce-lr-on-plateau.rules", className: "ReduceLROnPlateau", options: { monitor: "val_acc", patience: 2, minDelta: 0.001 }, epochs: logs(seed, 9) },
  );
}
cases.push(
  { name: "ExponentialDecay per epoch, staircase", file: "src/std/exponential-decay.rules", className: "ExponentialDecay", options: { initialLearningRate: 0.1, decayRate: 0.5, decaySteps: 4, staircase: true, perEpoch: true }, epochs: { loss: series(4, 20) } },
  { name: "ExponentialDecay per batch", file: "src/std/exponential-decay.rules", className: "ExponentialDecay", options: { initialLearningRate: 0.1, decayRate: 0.9, decaySteps: 3 }, epochs: { loss: series(4, 6) }, batches: 5 },
  { name: "CosineDecay with warm-up, per batch", file: "src/std/cosine-decay.rules", className: "CosineDecay", options: { initialLearningRate: 0, warmupTarget: 0.1, warmupSteps: 6, decaySteps: 20, alpha: 0.1 }, epochs: { loss: series(5, 8) }, batches: 4 },
  { name: "CosineDecay per epoch", file: "src/std/cosine-decay.rules", className: "CosineDecay", options: { initialLearningRate: 0.05, decaySteps: 10, perEpoch: true }, epochs: { loss: series(5, 14) } },
  { name: "PolynomialDecay per epoch, cycle", file: "src/std/polynomial-decay.rules", className: "PolynomialDecay", options: { initialLearningRate: 0.1, decaySteps: 5, power: 2, cycle: true, perEpoch: true }, epochs: { loss: series(6, 16) } },
  { name: "PiecewiseConstantDecay per batch", file: "src/std/piecewise-constant-decay.rules", className: "PiecewiseConstantDecay", options: { boundaries: [5, 12], values: [0.1, 0.01, 0.001] }, epochs: { loss: series(7, 6) }, batches: 3 },
  { name: "OneCycle per batch", file: "src/std/one-cycle.rules", className: "OneCycle", options: { maxLr: 0.1, totalSteps: 30 }, epochs: { loss: series(8, 8) }, batches: 5 },
  { name: "OneCycle per epoch", file: "src/std/one-cycle.rules", className: "OneCycle", options: { maxLr: 0.1, totalSteps: 12, perEpoch: true }, epochs: { loss: series(8, 15) } },
  { name: "LearningRateScheduler", file: "src/std/learning-rate-scheduler.rules", className: "LearningRateScheduler", options: { schedule: (epoch: number, lr: number) => (epoch < 3 ? lr : lr * 0.9) }, epochs: { loss: series(9, 12) } },
  { name: "TerminateOnNaN (batch rule, no batch metrics)", file: "src/std/terminate-on-nan.rules", className: "TerminateOnNaN", options: {}, epochs: { loss: series(9, 10, { nanEvery: 4 }) }, batches: 2 },
  { name: "ModelCheckpoint, every epoch, a template path", file: "src/std/model-checkpoint.rules", className: "ModelCheckpoint", options: { filepath: inScratch("every/{epoch:02d}-{val_loss:.3f}") }, epochs: logs(12) },
  { name: "ModelCheckpoint, save_best_only on val_acc, weights", file: "src/std/model-checkpoint.rules", className: "ModelCheckpoint", options: { filepath: inScratch("best"), monitor: "val_acc", saveBestOnly: true, saveWeightsOnly: true }, epochs: logs(13) },
  { name: "ModelCheckpoint, every 7 batches", file: "src/std/model-checkpoint.rules", className: "ModelCheckpoint", options: { filepath: inScratch("batches/{epoch}-{batch}"), saveFreq: 7 }, epochs: { loss: logs(14).loss.slice(0, 6) }, batches: 4 },
  { name: "CSVLogger", file: "src/std/csv-logger.rules", className: "CSVLogger", options: { filename: inScratch("log.csv") }, epochs: logs(15) },
  { name: "TensorBoard", file: "src/std/tensorboard.rules", className: "TensorBoard", options: { logDir: inScratch("board") }, epochs: logs(16) },
  { name: "examples/iris.rules", file: "examples/iris.rules", className: "IrisRules", options: { out: inScratch("iris") }, epochs: logs(17) },
  { name: "examples/iris.rules, patience 4", file: "examples/iris.rules", className: "IrisRules", options: { out: inScratch("iris4"), patience: 4 }, epochs: logs(18) },
  { name: "examples/train.rules, per batch", file: "examples/train.rules", className: "Training", options: { patience: 3 }, epochs: logs(19), batches: 6, chdir: true },
  { name: "examples/reduce-lr.rules", file: "examples/reduce-lr.rules", className: "ReduceLrCallback", options: {}, epochs: logs(11) },
);

async function classFor(testCase: Case): Promise<new (options: Record<string, unknown>) => Parameters<typeof drive>[0] & { firings: unknown[] }> {
  const fromStd = (std as Record<string, unknown>)[testCase.className];
  if (testCase.file.startsWith("src/std/") && typeof fromStd === "function") return fromStd as never;
  const stem = path.basename(testCase.file, ".rules");
  return (await loadRules(readFileSync(testCase.file, "utf8"), stem, testCase.className)) as never;
}

describe("simulate makes the engine's decisions", () => {
  test.each(cases)("$name", async (testCase) => {
    const Class = await classFor(testCase);
    const callback = new Class(testCase.options);
    const batches = testCase.batches ?? 0;
    const cwd = process.cwd();
    if (testCase.chdir === true) process.chdir(scratch);
    let real;
    try {
      real = await drive(callback, { epochs: testCase.epochs, batches, initialLr: testCase.lr ?? 0.001 });
    } finally {
      process.chdir(cwd);
    }
    const realFirings = (callback as unknown as { firings: Array<Record<string, unknown>> }).firings;

    const simulated = await simulateInDetail(readFileSync(testCase.file, "utf8"), {
      fileName: path.basename(testCase.file),
      className: testCase.className,
      history: historyOf(testCase.epochs),
      options: testCase.options,
      lr: testCase.lr ?? 0.001,
      stepsPerEpoch: batches,
    });

    // Every action, in order, with the same epoch, step, rule, rates and details.
    expect(simulated.firings.map((f) => ({ epoch: f.epoch, event: f.event, rule: f.rule, action: f.action, from: f.from, to: f.to, detail: f.detail }))).toEqual(
      realFirings.map((f) => ({ epoch: f.epoch, event: f.event, rule: f.rule, action: f.action, from: f.from, to: f.to, detail: f.detail })),
    );
    expect(simulated.result.stopEpoch).toBe(real.stoppedAt ?? null);
    expect(simulated.result.epochs).toBe(real.epochsRun);
    // The rate after each epoch end is the next epoch's before its begin rules: compare where no begin rule acts.
    expect(simulated.result.lrAfter).toBe(real.lrAfterEpoch.at(-1));
    const restored = realFirings.some((f) => f.action === "restore");
    expect(simulated.result.restoredEpoch).toBe(restored ? real.weightsEpoch : null);
    if (simulated.stepLr === undefined) {
      // Without begin rules, the rate during epoch e+1 is the rate after epoch e.
      const hasBeginRules = realFirings.some((f) => f.event === "epochBegin");
      if (!hasBeginRules) expect(simulated.result.lr.slice(1)).toEqual(real.lrAfterEpoch.slice(0, -1));
    }
  });

  test("the scripted runs exercise the engine: stops, restores, reductions and schedules all happen", async () => {
    const results = await Promise.all(
      cases.slice(0, 6).map((c) =>
        simulateInDetail(readFileSync(c.file, "utf8"), { fileName: path.basename(c.file), history: historyOf(c.epochs), options: c.options, ...(c.lr === undefined ? {} : { lr: c.lr }) }),
      ),
    );
    expect(results.some((r) => r.result.stopEpoch !== null)).toBe(true);
    expect(results.some((r) => r.result.restoredEpoch !== null)).toBe(true);
    expect(results.some((r) => r.result.firings.some((f) => f.action === "lr"))).toBe(true);
  });
});

