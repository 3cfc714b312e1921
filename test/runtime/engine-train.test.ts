// The big train.rules example of docs/language.md (generated/examples/train.ts)
// driven through scripted runs: when it stops, the lr after each epoch, whose
// weights come back, the batch-level warmup, `at epoch 30`, a NaN loss at
// batch end, and what it writes. Expected values are traced by hand from
// Keras 3's ReduceLROnPlateau / EarlyStopping / ModelCheckpoint algorithms.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { fileLoader } from "cbc-runtime";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { Training } from "../../generated/examples/train.js";
import { drive } from "../support/drive.js";

// The rules write to relative paths (ckpt/, logs/): run each test in a fresh folder.
const root = fileURLToPath(new URL("../..", import.meta.url));
const startDir = process.cwd();
let base: string;
let printed: string[];

beforeAll(() => {
  mkdirSync(path.join(root, "test/.tmp"), { recursive: true });
  base = mkdtempSync(path.join(root, "test/.tmp/engine-train-"));
});
afterAll(() => {
  process.chdir(startDir);
  rmSync(base, { recursive: true, force: true });
});
beforeEach((context) => {
  const dir = path.join(base, context.task.id);
  mkdirSync(dir);
  process.chdir(dir);
  printed = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));
});
afterEach(() => {
  process.chdir(startDir);
  vi.restoreAllMocks();
});

const REPORTED = ["loss", "acc", "val_loss", "val_acc"];
const lrRule = "train.rules:5:3";
const stopRule = "train.rules:6:3";

/** What each lr firing says: [epoch, from, to]. */
function lrChanges(callback: Training, event = "epochEnd"): [number, number, number][] {
  return callback.firings.filter((f) => f.action === "lr" && f.event === event).map((f) => [f.epoch, f.from ?? NaN, f.to ?? NaN]);
}

describe("train.rules: plateau, stop, restore, checkpoints, CSV (epoch level)", () => {
  // patience 2: `plateau 2 cooldown 2` reduces, `plateau 6` stops.
  const valLoss = [1.0, 0.8, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.5, 0.4];
  const valAcc = [0.5, 0.6, 0.6, 0.55, 0.7, 0.72, 0.71, 0.8, 0.8, 0.75, 0.85, 0.9, 0.95, 0.96];
  // Reduce (ReduceLROnPlateau, min_delta 0, ties do not improve):
  //   e0 best 1.0; e1 best 0.8; e2 tie: wait 1; e3 wait 2 -> lr 0.01 -> 0.001, cooldown 2;
  //   e4 cooldown 1, wait 0; e5 cooldown 0, new best 0.7; e6 wait 1; e7 wait 2 -> 1e-4, cooldown 2;
  //   e8 cooldown 1; e9 cooldown 0 and (no longer cooling) wait 1; e10 wait 2 -> 1e-5.
  // Stop (EarlyStopping patience 6): best 0.7 at e5, waits 1..6 at e6..e11 -> stop at e11,
  //   restore the weights of e5. e12 and e13 never run.
  const lr0 = 0.01;
  const lr1 = Math.max(lr0 * 0.1, 1e-6);
  const lr2 = Math.max(lr1 * 0.1, 1e-6);
  const lr3 = Math.max(lr2 * 0.1, 1e-6);

  test.each([false, true])("tensors: %s", async (asTensors) => {
    const callback = new Training({ patience: 2 });
    const run = await drive(callback, { epochs: { val_loss: valLoss, val_acc: valAcc }, reported: REPORTED, initialLr: lr0, asTensors });
    expect(run.stoppedAt).toBe(11);
    expect(run.epochsRun).toBe(12);
    expect(run.lrAfterEpoch).toEqual([lr0, lr0, lr0, lr1, lr1, lr1, lr1, lr2, lr2, lr2, lr3, lr3]);
    expect(lrChanges(callback)).toEqual([
      [3, lr0, lr1],
      [7, lr1, lr2],
      [10, lr2, lr3],
    ]);
    expect(run.weightsEpoch).toBe(5);
    expect(callback.firings.filter((f) => f.action === "stop" || f.action === "restore").map((f) => [f.rule, f.epoch, f.action, f.detail])).toEqual([
      [stopRule, 11, "stop", undefined],
      [stopRule, 11, "restore", "weights of epoch index 5"],
    ]);
    expect(callback.firings.filter((f) => f.action === "lr").every((f) => f.rule === lrRule)).toBe(true);
    expect(run.leakedTensors).toBe(0);

    // val_acc improves (max: the name holds `acc`) at e0, e1, e4, e5, e7, e10, e11 (ties do not count).
    const saves = callback.firings.filter((f) => f.action === "save").map((f) => [f.epoch, f.detail]);
    expect(saves).toEqual([
      [0, "ckpt/best"],
      [1, "ckpt/best"],
      [4, "ckpt/best"],
      [4, "ckpt/epoch-005-0.8500"],
      [5, "ckpt/best"],
      [7, "ckpt/best"],
      [9, "ckpt/epoch-010-0.7800"],
      [10, "ckpt/best"],
      [11, "ckpt/best"],
    ]);
    for (const dir of ["ckpt/best", "ckpt/epoch-005-0.8500", "ckpt/epoch-010-0.7800"]) expect(existsSync(path.join(dir, "model.json")), dir).toBe(true);
    // Rules run in source order and see what the rules above them did: at e11 the stop rule (line 6)
    // restores e5's weights before the val_acc rule (line 8) saves, so ckpt/best holds e5's weights
    // (Keras' EarlyStopping would restore only at train end). epoch-005 holds e4's.
    for (const [dir, epoch] of [["ckpt/best", 5], ["ckpt/epoch-005-0.8500", 4]] as const) {
      const saved = await tf.loadLayersModel(fileLoader(dir));
      const kernel = saved.getWeights()[0];
      expect(Array.from(kernel.dataSync())).toEqual([epoch, epoch]);
      saved.dispose();
    }

    // One CSV row per epoch: epoch, the reported metrics by name, the lr after this epoch's rules.
    const csv = readFileSync("logs/train.csv", "utf8").split("\r\n").filter((line) => line !== "");
    expect(csv[0]).toBe("epoch,acc,loss,val_acc,val_loss,lr");
    expect(csv.slice(1).map((line) => line.split(",")[0])).toEqual(run.lrAfterEpoch.map((_, epoch) => String(epoch)));
    expect(csv.slice(1).map((line) => Number(line.split(",")[5]))).toEqual(run.lrAfterEpoch);
    // Tensors hold float32, and the log shows it as Keras does (float(np.float32(0.55))).
    const f = asTensors ? Math.fround : (x: number) => x;
    expect(csv[4]).toBe(`3,NA,NA,${f(0.55)},${f(0.9)},0.001`);
    expect(printed).toEqual([]);
  });

  test("without a plateau nothing changes; `at epoch 30` sets 1e-4 at the beginning of epoch index 30", async () => {
    const callback = new Training();
    const epochs = 32;
    const valLossDown = Array.from({ length: epochs }, (_, e) => 1 / (e + 1));
    const run = await drive(callback, { epochs: { val_loss: valLossDown, val_acc: valLossDown.map(() => 0.5) }, reported: REPORTED, initialLr: 0.01 });
    expect(run.epochsRun).toBe(epochs);
    expect(run.stoppedAt).toBeUndefined();
    expect(run.lrAfterEpoch.slice(0, 30)).toEqual(Array(30).fill(0.01));
    expect(run.lrAfterEpoch.slice(30)).toEqual([1e-4, 1e-4]);
    expect(callback.firings.filter((f) => f.action === "lr").map((f) => [f.event, f.epoch, f.rule, f.from, f.to])).toEqual([
      ["epochBegin", 30, "train.rules:12:3", 0.01, 1e-4],
    ]);
    // Never stopped, never restored: the weights are the last epoch's.
    expect(run.weightsEpoch).toBe(epochs - 1);
    // every 5 epochs: after epochs 5, 10, ..., 30 (1-based).
    expect(callback.firings.filter((f) => f.action === "save" && f.detail !== "ckpt/best").map((f) => f.epoch)).toEqual([4, 9, 14, 19, 24, 29]);
  });

  test("val_acc >= 0.99 stops only from epoch index 5 on, printing `target reached`", async () => {
    const callback = new Training();
    const valAccHigh = [0.5, 0.6, 0.995, 0.7, 0.8, 0.9, 0.991, 0.5];
    const run = await drive(callback, { epochs: { val_loss: valAccHigh.map((_, e) => 1 - e / 10), val_acc: valAccHigh }, reported: REPORTED });
    expect(run.stoppedAt).toBe(6);
    expect(printed).toEqual(["target reached"]);
    expect(callback.firings.filter((f) => f.action === "print" || f.action === "stop").map((f) => [f.rule, f.epoch, f.action, f.detail])).toEqual([
      ["train.rules:13:3", 6, "print", "target reached"],
      ["train.rules:13:3", 6, "stop", undefined],
    ]);
    // `stop` alone restores nothing.
    expect(run.weightsEpoch).toBe(6);
  });
});

describe("train.rules at batch level", () => {
  test("warmup: lr = 1e-3 * (step + 1) / 500 at every batch begin while step < 500, global across epochs", async () => {
    const callback = new Training();
    const batches = 170;
    const run = await drive(callback, { epochs: { val_loss: [1, 0.9, 0.8], val_acc: [0.5, 0.6, 0.7] }, batches, reported: REPORTED, initialLr: 0.5 });
    const warmup = callback.firings.filter((f) => f.action === "lr");
    // Steps 0..499 set the rate (510 batches ran); step 500 and later do not.
    expect(warmup.map((f) => f.step)).toEqual(Array.from({ length: 500 }, (_, step) => step));
    expect(warmup.every((f) => f.event === "batchBegin" && f.rule === "train.rules:11:3")).toBe(true);
    expect(warmup.map((f) => f.to)).toEqual(warmup.map((f) => (1e-3 * (f.step + 1)) / 500));
    expect(warmup[0].from).toBe(0.5);
    expect(warmup.slice(1).map((f) => f.from)).toEqual(warmup.slice(0, -1).map((f) => f.to));
    // Step 170 is batch 0 of epoch 1.
    expect([warmup[170].epoch, warmup[170].batch]).toEqual([1, 0]);
    expect(warmup[499].to).toBe(1e-3);
    expect(run.lrAfterEpoch).toEqual([(1e-3 * 170) / 500, (1e-3 * 340) / 500, 1e-3]);
  });

  test.each([false, true])("a NaN loss at batch end prints the step and stops after that batch (tensors: %s)", async (asTensors) => {
    const callback = new Training();
    // Global steps 0..3 in epoch 0, 4..7 in epoch 1: NaN at step 6 = epoch 1, batch 2.
    const loss = [0.5, 0.4, 0.3, 0.2, 0.5, 0.4, NaN, 0.3, 0.2, 0.1, 0.1, 0.1];
    const run = await drive(callback, {
      epochs: { val_loss: [1, 0.9, 0.8], val_acc: [0.5, 0.6, 0.7] },
      batches: 4,
      batchMetrics: { loss },
      reported: REPORTED,
      asTensors,
    });
    expect(printed).toEqual(["loss diverged at step 6"]);
    const stop = callback.firings.find((f) => f.action === "stop");
    expect(stop && [stop.event, stop.epoch, stop.batch, stop.step, stop.rule]).toEqual(["batchEnd", 1, 2, 6, "train.rules:7:3"]);
    // The batch loop ended there: the last batch-begin lr change was for step 6, epoch 1 still ended, none after.
    expect(callback.firings.filter((f) => f.action === "lr").at(-1)?.step).toBe(6);
    expect(run.stoppedAt).toBe(1);
    expect(run.epochsRun).toBe(2);
    expect(run.leakedTensors).toBe(0);
  });

  test("an infinite loss stops too; finite losses never do", async () => {
    for (const [bad, stops] of [[Infinity, true], [-Infinity, true], [1e30, false]] as const) {
      const callback = new Training();
      const run = await drive(callback, { epochs: { val_loss: [1, 0.9], val_acc: [0.5, 0.6] }, batches: 2, batchMetrics: { loss: [0.5, bad, 0.4, 0.3] }, reported: REPORTED });
      expect(run.stoppedAt, String(bad)).toBe(stops ? 0 : undefined);
    }
  });
});
