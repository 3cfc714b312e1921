// The standard library against Keras 3.15.1, replayed line by line in support/keras-reference.ts: scenario
// tables whose expected results are derived by hand (and which the replay must reproduce too, so it is
// checked as well), then seeded sequences full of NaN, ±inf, ties and missing epochs where the std class
// and the replay must agree epoch for epoch.
import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  EarlyStopping,
  ModelCheckpoint,
  ReduceLROnPlateau,
  type EarlyStoppingOptions,
  type ModelCheckpointOptions,
  type ReduceLROnPlateauOptions,
} from "cbc";
import { drive, type Value } from "../support/drive.js";
import { kerasEarlyStopping, kerasModelCheckpointBestOnly, kerasReduceLROnPlateau } from "../support/keras-reference.js";
import { pick, random } from "../support/random.js";

const N = Number.NaN;
const I = Infinity;
const _ = undefined;

// Binary fractions (exact in float32 and float64, so tensor logs change nothing), the non-finite values, and gaps.
const VALUES: readonly Value[] = [0.25, 0.5, 0.5, 0.75, 1, 1, 1.25, 1.5, 2, N, N, I, -I, _];
function sequence(next: () => number): Value[] {
  return Array.from({ length: 1 + Math.floor(next() * 9) }, () => pick(VALUES, next));
}

let root: string;
let runs = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-keras-reference-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

// ------------------------------------------------------------------ ReduceLROnPlateau

interface LrRow {
  name: string;
  options: ReduceLROnPlateauOptions;
  values: Value[];
  /** The learning rate after each epoch end, from 1. */
  lr: number[];
  derivation: string;
}

const LR_ROWS: LrRow[] = [
  {
    name: "a NaN first value is the best, and nothing improves on it (issue 10's example)",
    options: { patience: 2, factor: 0.5 },
    values: [N, 1.0, 0.9, 0.8, 0.7],
    lr: [1, 1, 0.5, 0.5, 0.25],
    derivation: "e0 best None: best=nan; e1 less(1 + 1e-4, nan) false: wait=1; e2 wait=2: 0.5; e3 wait=1; e4 wait=2: 0.25",
  },
  {
    name: "a NaN later is no improvement",
    options: { patience: 1, factor: 0.5 },
    values: [1, N, 0.5, N],
    lr: [1, 0.5, 0.5, 0.25],
    derivation: "e0 best=1; e1 nan wait=1: 0.5; e2 0.5 best; e3 nan wait=1: 0.25",
  },
  {
    name: "+inf first is the best, and any finite value beats it",
    options: { patience: 1, factor: 0.5 },
    values: [I, 2, 2],
    lr: [1, 1, 0.5],
    derivation: "e0 best=inf; e1 2+1e-4<inf best; e2 tie wait=1: 0.5",
  },
  {
    name: "-inf first in min mode is a best nothing beats",
    options: { patience: 2, factor: 0.5 },
    values: [-I, 0, 0, 0, 0],
    lr: [1, 1, 0.5, 0.5, 0.25],
    derivation: "e0 best=-inf; e1 wait=1; e2 wait=2: 0.5; e3 wait=1; e4 wait=2: 0.25",
  },
  {
    name: "min_delta: a gain of exactly min_delta is no improvement",
    options: { patience: 1, factor: 0.5, minDelta: 0.25 },
    values: [1, 0.75, 0.5, 0.125],
    lr: [1, 0.5, 0.5, 0.5],
    derivation: "e1 0.75+0.25<1 false wait=1: 0.5; e2 0.5+0.25<1 best; e3 0.375<0.5 best",
  },
  {
    name: "cooldown 2 after a NaN first value",
    options: { patience: 1, factor: 0.5, cooldown: 2 },
    values: [N, 1, 1, 1, 1, 1],
    lr: [1, 0.5, 0.5, 0.25, 0.25, 0.125],
    derivation: "e0 best=nan; e1 wait=1: 0.5, counter=2; e2 counter=1 wait=0, cooling; e3 counter=0, wait=1: 0.25; e4 counter=1; e5 0.125",
  },
  {
    name: "mode max on an accuracy, inf first",
    options: { monitor: "val_acc", patience: 1, factor: 0.5 },
    values: [0.5, I, 0.75],
    lr: [1, 1, 0.5],
    derivation: "auto: max; e0 best=0.5; e1 inf best; e2 0.75 wait=1: 0.5",
  },
  {
    name: "mode min given for an accuracy",
    options: { monitor: "val_acc", mode: "min", patience: 1, factor: 0.5 },
    values: [0.5, 0.75, 0.25],
    lr: [1, 0.5, 0.5],
    derivation: "min: e1 0.75 wait=1: 0.5; e2 0.25 best",
  },
  {
    name: "min_lr stops the reductions",
    options: { patience: 1, factor: 0.5, minLr: 0.25 },
    values: [N, 1, 1, 1, 1],
    lr: [1, 0.5, 0.25, 0.25, 0.25],
    derivation: "e1 0.5; e2 0.25; e3, e4 old_lr 0.25 > 0.25 false",
  },
  {
    name: "missing epochs are skipped",
    options: { patience: 2, factor: 0.5 },
    values: [N, _, 1, _, 1],
    lr: [1, 1, 1, 1, 0.5],
    derivation: "e0 best=nan; e1, e3 None; e2 wait=1; e4 wait=2: 0.5",
  },
];

async function runReduceLr(options: ReduceLROnPlateauOptions, values: Value[], asTensors: boolean): Promise<number[]> {
  const monitor = options.monitor ?? "val_loss";
  const run = await drive(new ReduceLROnPlateau(options), {
    epochs: { [monitor]: values },
    reported: [monitor],
    optimizer: tf.train.adam(1),
    asTensors,
  });
  expect(run.leakedTensors).toBe(0);
  return run.lrAfterEpoch;
}

describe("ReduceLROnPlateau = Keras 3.15.1", () => {
  test.each(LR_ROWS)("$name", async (row) => {
    expect(kerasReduceLROnPlateau(row.options, row.values, 1)).toEqual(row.lr);
    expect(await runReduceLr(row.options, row.values, false)).toEqual(row.lr);
    expect(await runReduceLr(row.options, row.values, true)).toEqual(row.lr);
  });

  test("400 seeded sequences: the same rate after every epoch", async () => {
    const next = random(3151);
    const differences: string[] = [];
    for (let i = 0; i < 400; i++) {
      const options: ReduceLROnPlateauOptions = {
        monitor: pick(["val_loss", "val_acc"], next),
        mode: pick(["auto", "min", "max"] as const, next),
        patience: pick([0, 1, 2, 3], next),
        factor: pick([0.5, 0.25], next),
        minDelta: pick([0, 1e-4, 0.25], next),
        cooldown: pick([0, 1, 2], next),
        minLr: pick([0, 0.125], next),
      };
      const values = sequence(next);
      const expected = kerasReduceLROnPlateau(options, values, 1);
      const actual = await runReduceLr(options, values, false);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        differences.push(`${JSON.stringify(options)} on ${String(values)}: Keras ${String(expected)}, cbc ${String(actual)}`);
      }
    }
    expect(differences).toEqual([]);
  });
});

// ------------------------------------------------------------------ EarlyStopping

interface StopRow {
  name: string;
  options: EarlyStoppingOptions;
  values: Value[];
  stoppedAt: number | undefined;
  /** Which epoch's weights the model holds at train end. */
  weightsEpoch: number;
  derivation: string;
}

const STOP_ROWS: StopRow[] = [
  {
    name: "a NaN first value is the best",
    options: { patience: 2, restoreBestWeights: true },
    values: [N, 0.5, 0.4, 0.3],
    stoppedAt: 2,
    weightsEpoch: 0,
    derivation: "e0 best=nan, weights e0; e1 wait=1; e2 wait=2: stop; restore e0",
  },
  {
    name: "a NaN later never improves",
    options: { patience: 1, restoreBestWeights: true },
    values: [1, N, 0.5],
    stoppedAt: 1,
    weightsEpoch: 0,
    derivation: "e0 best=1; e1 wait=1 >= 1 and epoch > 0: stop; restore e0",
  },
  {
    name: "+inf first is beaten by any finite value",
    options: { patience: 1, restoreBestWeights: true },
    values: [I, 3, 3],
    stoppedAt: 2,
    weightsEpoch: 1,
    derivation: "e0 best=inf; e1 3<inf best; e2 tie: stop; restore e1",
  },
  {
    name: "baseline never beaten: patience runs out while improving",
    options: { patience: 2, baseline: 0.5 },
    values: [1, 0.9, 0.8, 0.85, 0.7],
    stoppedAt: 3,
    weightsEpoch: 3,
    derivation: "wait 1, 2, 3 (each improves but misses 0.5, so wait is kept); e3 no improvement, wait=4>=2: stop",
  },
  {
    name: "baseline beaten resets the wait",
    options: { patience: 2, baseline: 0.5 },
    values: [1, 0.4, 0.45, 0.45, 0.45],
    stoppedAt: 3,
    weightsEpoch: 3,
    derivation: "e0 wait=1; e1 0.4 best and <0.5: wait=0; e2 wait=1; e3 wait=2: stop",
  },
  {
    name: "NaN first against a baseline",
    options: { patience: 1, baseline: 0.5 },
    values: [N, 0.25],
    stoppedAt: 1,
    weightsEpoch: 1,
    derivation: "e0 best=nan, nan<0.5 false: wait=1; e1 less(0.25, nan) false, wait=2: stop",
  },
  {
    name: "min_delta",
    options: { patience: 1, minDelta: 0.25 },
    values: [1, 0.5, 0.375],
    stoppedAt: 2,
    weightsEpoch: 2,
    derivation: "e1 0.75<1 best; e2 0.625<0.5 false: stop",
  },
  {
    name: "start_from_epoch skips a NaN warm-up",
    options: { patience: 1, startFromEpoch: 2, restoreBestWeights: true },
    values: [N, N, 1, 0.5, 0.5],
    stoppedAt: 4,
    weightsEpoch: 3,
    derivation: "e0, e1 before start; e2 best=1; e3 best; e4 tie: stop; restore e3",
  },
  {
    name: "mode max, -inf first",
    options: { monitor: "val_acc", patience: 1 },
    values: [-I, 0.5, 0.5],
    stoppedAt: 2,
    weightsEpoch: 2,
    derivation: "auto on val_acc: max; e1 0.5>-inf best; e2 tie: stop",
  },
  {
    name: "mode min on an accuracy",
    options: { monitor: "val_acc", mode: "min", patience: 1, restoreBestWeights: true },
    values: [0.5, 0.75],
    stoppedAt: 1,
    weightsEpoch: 0,
    derivation: "min: e1 0.75 wait=1: stop; restore e0",
  },
];

async function runEarlyStopping(options: EarlyStoppingOptions, values: Value[], asTensors: boolean) {
  const monitor = options.monitor ?? "val_loss";
  const run = await drive(new EarlyStopping(options), { epochs: { [monitor]: values }, reported: [monitor], asTensors });
  expect(run.leakedTensors).toBe(0);
  return { stoppedAt: run.stoppedAt, weightsEpoch: run.weightsEpoch };
}

describe("EarlyStopping = Keras 3.15.1", () => {
  test.each(STOP_ROWS)("$name", async (row) => {
    const expected = { stoppedAt: row.stoppedAt, weightsEpoch: row.weightsEpoch };
    expect(kerasEarlyStopping(row.options, row.values)).toEqual(expected);
    expect(await runEarlyStopping(row.options, row.values, false)).toEqual(expected);
    expect(await runEarlyStopping(row.options, row.values, true)).toEqual(expected);
  });

  test("400 seeded sequences: the same stop and the same restored weights", async () => {
    const next = random(1531);
    const differences: string[] = [];
    for (let i = 0; i < 400; i++) {
      const options: EarlyStoppingOptions = {
        monitor: pick(["val_loss", "val_acc"], next),
        mode: pick(["auto", "min", "max"] as const, next),
        patience: pick([0, 1, 2, 3], next),
        minDelta: pick([0, 0.25], next),
        restoreBestWeights: next() < 0.5,
        startFromEpoch: pick([0, 0, 1, 2], next),
        ...(next() < 0.3 ? { baseline: pick([0.5, 1], next) } : {}),
      };
      const values = sequence(next);
      const expected = kerasEarlyStopping(options, values);
      const actual = await runEarlyStopping(options, values, false);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        differences.push(`${JSON.stringify(options)} on ${String(values)}: Keras ${JSON.stringify(expected)}, cbc ${JSON.stringify(actual)}`);
      }
    }
    expect(differences).toEqual([]);
  });
});

// ------------------------------------------------------------------ ModelCheckpoint(save_best_only)

interface SaveRow {
  name: string;
  options: Omit<ModelCheckpointOptions, "filepath">;
  values: Value[];
  /** Epoch indices (0-based) saved. */
  saves: number[];
  derivation: string;
}

const SAVE_ROWS: SaveRow[] = [
  {
    name: "NaN first is saved, and nothing after it improves (issue 10's example)",
    options: {},
    values: [N, 0.5, 0.4],
    saves: [0],
    derivation: "e0 best None: save, best=nan; e1 less(0.5, nan) false; e2 likewise",
  },
  {
    name: "NaN later is never saved",
    options: {},
    values: [1, N, 0.5, N],
    saves: [0, 2],
    derivation: "e0 save; e1 nan no; e2 0.5<1 save; e3 no",
  },
  {
    name: "+inf first is saved, then beaten",
    options: {},
    values: [I, 2, 2],
    saves: [0, 1],
    derivation: "e0 best None: save; e1 2<inf save; e2 tie no",
  },
  {
    name: "initial_value_threshold must be beaten, even by the first value",
    options: { initialValueThreshold: 0.5 },
    values: [1, N, 0.5, 0.25, 0.375],
    saves: [3],
    derivation: "best=0.5: e0 no; e1 nan no; e2 tie no; e3 save; e4 no",
  },
  {
    name: "mode auto on an accuracy is max",
    options: { monitor: "val_acc" },
    values: [0.5, 0.25, 0.75, 0.75],
    saves: [0, 2],
    derivation: "e0 save; e1 no; e2 save; e3 tie no",
  },
  {
    name: "mode max on a loss, with a threshold",
    options: { monitor: "val_loss", mode: "max", initialValueThreshold: 1 },
    values: [0.5, 2, 1.5, I],
    saves: [1, 3],
    derivation: "best=1: e0 no; e1 2>1 save; e2 no; e3 inf save",
  },
  {
    name: "missing epochs are not saved",
    options: {},
    values: [_, 1, _, 0.5],
    saves: [1, 3],
    derivation: "Keras would save e0 and e2 with a warning; the language's improves is false there (std header)",
  },
];

async function runCheckpoint(options: Omit<ModelCheckpointOptions, "filepath">, values: Value[], asTensors: boolean): Promise<number[]> {
  const monitor = options.monitor ?? "val_loss";
  const dir = path.join(root, `run-${runs++}`);
  const callback = new ModelCheckpoint({ ...options, filepath: path.join(dir, "e{epoch:02d}"), saveBestOnly: true, saveWeightsOnly: true });
  const run = await drive(callback, { epochs: { [monitor]: values }, reported: [monitor], asTensors });
  expect(run.leakedTensors).toBe(0);
  const fromFirings = callback.firings.filter((firing) => firing.action === "save").map((firing) => firing.epoch);
  const onDisk = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => /^e\d\d$/.test(name)).sort();
  expect(onDisk).toEqual(fromFirings.map((epoch) => `e${String(epoch + 1).padStart(2, "0")}`));
  return fromFirings;
}

describe("ModelCheckpoint(saveBestOnly) = Keras 3.15.1", () => {
  test.each(SAVE_ROWS)("$name", async (row) => {
    expect(kerasModelCheckpointBestOnly(row.options, row.values)).toEqual(row.saves);
    expect(await runCheckpoint(row.options, row.values, false)).toEqual(row.saves);
    expect(await runCheckpoint(row.options, row.values, true)).toEqual(row.saves);
  });

  test("150 seeded sequences: the same epochs saved", async () => {
    const next = random(5113);
    const differences: string[] = [];
    for (let i = 0; i < 150; i++) {
      const options: Omit<ModelCheckpointOptions, "filepath"> = {
        monitor: pick(["val_loss", "val_acc"], next),
        mode: pick(["auto", "min", "max"] as const, next),
        ...(next() < 0.3 ? { initialValueThreshold: pick([0.5, 1], next) } : {}),
      };
      const values = sequence(next);
      const expected = kerasModelCheckpointBestOnly(options, values);
      const actual = await runCheckpoint(options, values, false);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        differences.push(`${JSON.stringify(options)} on ${String(values)}: Keras ${String(expected)}, cbc ${String(actual)}`);
      }
    }
    expect(differences).toEqual([]);
  }, 60_000);
});
