// `save model/weights to ... [keep K]` through compiled rules in real fits: Keras' file names, checkpoints that
// load back with the same predictions, pruning, and failed writes that stop training without damaging anything.
import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WriteError } from "../../src/runtime/atomic.js";
import { RuleError } from "../../src/runtime/types.js";
import { fileLoader, loadWeights } from "../../src/runtime/checkpoint.js";
import { drive, tinyModel } from "../support/drive.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";
import { readRun } from "../support/tensorboard-reader.js";
import { classes, classifier, predictions, temporaryDirectory } from "../support/writers-fit.js";

let root: { dir: string; remove: () => Promise<void> };
let cases = 0;
beforeAll(async () => {
  root = await temporaryDirectory("cbc-writers-ckpt-");
});
afterAll(async () => {
  await removeLoadedRules();
  await root.remove();
});
async function caseDir(): Promise<string> {
  cases += 1;
  const dir = path.join(root.dir, `case-${cases}`);
  await fs.mkdir(dir);
  return dir;
}

/** Python's format(x, ".4f"). toFixed agrees except on exact binary ties, where Python rounds half to even: refuse those. */
function fourDecimals(x: number): string {
  const scaled = x * 1e4;
  expect(Math.abs(scaled - Math.floor(scaled) - 0.5), `${x} is a rounding tie`).toBeGreaterThan(1e-6);
  return x.toFixed(4);
}

describe("save model/weights in a real fit", () => {
  it("names checkpoints as Keras' ModelCheckpoint formats them, and each loads back with its epoch's predictions", async () => {
    const dir = await caseDir();
    const Checkpoints = await loadRules(
      `callback Checkpoints {
  when val_loss improves then save model to "${dir}/ckpt/{epoch:02d}-{val_loss:.4f}", call snap
  every 2 epochs then save weights to "${dir}/nested/weights/e{epoch}", call snap
}`,
      "checkpoints",
      "Checkpoints",
    );
    const snapshots = new Map<number, number[]>();
    const callback = new Checkpoints({ hooks: { snap: ({ epoch, model }) => void snapshots.set(epoch, predictions(model)) } });
    const model = classifier();
    const train = classes(20);
    const validation = classes(9, 5);
    const history = await model.fit(train.xs, train.ys, {
      epochs: 6,
      batchSize: 8,
      shuffle: false,
      validationData: [validation.xs, validation.ys],
      callbacks: [callback],
      verbose: 0,
    });
    const valLoss = history.history.val_loss as number[];

    // Keras (save_best_only, mode min, min_delta 0): epoch i saves when val_loss[i] < best so far; the first always.
    // filepath.format(epoch=i + 1, **logs): {epoch:02d} is i + 1 zero-padded, {val_loss:.4f} Python's 4 decimals.
    const improved: number[] = [];
    let best = Infinity;
    valLoss.forEach((value, i) => {
      if (value < best) {
        best = value;
        improved.push(i);
      }
    });
    const modelNames = improved.map((i) => `${String(i + 1).padStart(2, "0")}-${fourDecimals(valLoss[i] as number)}`);
    const weightEpochs = [1, 3, 5]; // every 2 epochs: 1-based epochs 2, 4, 6
    expect((await fs.readdir(path.join(dir, "ckpt"))).sort()).toEqual([...modelNames].sort());
    expect((await fs.readdir(path.join(dir, "nested", "weights"))).sort()).toEqual(weightEpochs.map((i) => `e${i + 1}`));
    // Within an epoch end, rules run in source order.
    const saves: string[] = [];
    valLoss.forEach((_, i) => {
      if (improved.includes(i)) saves.push(path.join(dir, "ckpt", modelNames[improved.indexOf(i)] as string));
      if (weightEpochs.includes(i)) saves.push(path.join(dir, "nested", "weights", `e${i + 1}`));
    });
    expect(callback.firings.filter((f) => f.action === "save").map((f) => f.detail)).toEqual(saves);

    // Distinct weights per epoch, so equal predictions identify the epoch.
    expect(new Set([...snapshots.values()].map((p) => p.join())).size).toBe(snapshots.size);
    for (const [k, i] of improved.entries()) {
      const loaded = await tf.loadLayersModel(fileLoader(path.join(dir, "ckpt", modelNames[k] as string)));
      expect(predictions(loaded), `model of epoch ${i}`).toEqual(snapshots.get(i));
      loaded.dispose();
    }
    for (const i of weightEpochs) {
      const fresh = classifier();
      await loadWeights(fresh, path.join(dir, "nested", "weights", `e${i + 1}`));
      expect(predictions(fresh), `weights of epoch ${i}`).toEqual(snapshots.get(i));
      fresh.dispose();
    }
    callback.dispose();
    model.dispose();
    tf.dispose([train.xs, train.ys, validation.xs, validation.ys]);
  });
});

describe("keep K", () => {
  // Scripted metrics (test/support/drive.ts) on a tiny model whose weights are stamped with the epoch index before
  // each epoch end, so a surviving checkpoint tells which epoch wrote it. Derivations per row.
  const table: Array<{ name: string; rule: string; series: Record<string, number[]>; kept: string[]; stamps: number[] }> = [
    {
      name: "without a predicate: the K newest",
      rule: `every 1 epochs then save weights to "{dir}/n-{epoch}" keep 3`,
      series: { val_loss: [1, 1, 1, 1, 1] },
      // saves n-1..n-5; the 3 newest stay.
      kept: ["n-3", "n-4", "n-5"],
      stamps: [2, 3, 4],
    },
    {
      name: "improves: the K best (each save is a new best, so also the newest)",
      rule: `when val_loss improves then save weights to "{dir}/b-{epoch}" keep 2`,
      series: { val_loss: [1, 0.8, 0.9, 0.5, 0.7, 0.4] },
      // new bests at epochs 0, 1, 3, 5 -> b-1, b-2, b-4, b-6; best two: 0.4 (b-6), 0.5 (b-4).
      kept: ["b-4", "b-6"],
      stamps: [3, 5],
    },
    {
      name: "improves or another condition: ranked by the value at the save, not the best so far",
      rule: `when val_loss improves or epoch == 4 then save weights to "{dir}/c-{epoch}" keep 2`,
      series: { val_loss: [1, 0.8, 0.9, 0.5, 0.95, 0.6] },
      // saves at epochs 0 (1), 1 (0.8), 3 (0.5), 4 (0.95, no new best); best two: 0.5 (c-4), 0.8 (c-2).
      // The two newest would be c-4 and c-5.
      kept: ["c-2", "c-4"],
      stamps: [1, 3],
    },
    {
      name: "a NaN value ranks last",
      rule: `when val_loss improves or epoch == 4 then save weights to "{dir}/d-{epoch}" keep 2`,
      series: { val_loss: [1, 0.8, 0.9, 0.5, Number.NaN, 0.6] },
      // saves at epochs 0 (1), 1 (0.8), 3 (0.5), 4 (NaN): keep 0.5 (d-4) and 0.8 (d-2).
      kept: ["d-2", "d-4"],
      stamps: [1, 3],
    },
    {
      name: "improves in max mode (acc): the best is the highest",
      rule: `when val_acc improves then save weights to "{dir}/a-{epoch}" keep 1`,
      series: { val_acc: [0.5, 0.7, 0.6, 0.9, 0.8] },
      // new bests at epochs 0, 1, 3: keep the 0.9 of epoch 3 (a-4).
      kept: ["a-4"],
      stamps: [3],
    },
    {
      name: "two saves in one rule keep their K each",
      rule: `every 1 epochs then save weights to "{dir}/s-{epoch}" keep 1, save weights to "{dir}/t-{epoch}" keep 2`,
      series: { val_loss: [1, 1, 1] },
      // s-1..s-3 keep the newest one, t-1..t-3 the newest two.
      kept: ["s-3", "t-2", "t-3"],
      stamps: [2, 1, 2],
    },
    {
      name: "plateau is no ranking: the K newest",
      rule: `when val_loss plateau 1 then save weights to "{dir}/p-{epoch}" keep 1`,
      series: { val_loss: [1, 1.1, 1.2, 0.5, 0.6] },
      // patience 1: epoch 0 best; 1 wait 1 -> fires; 2 wait 1 -> fires; 3 best; 4 wait 1 -> fires. Newest: p-5.
      kept: ["p-5"],
      stamps: [4],
    },
  ];
  for (const row of table) {
    it(row.name, async () => {
      const dir = await caseDir();
      const Keep = await loadRules(`callback Keep {\n  ${row.rule.replaceAll("{dir}", dir)}\n}`, "keep", "Keep");
      const run = await drive(new Keep(), { epochs: row.series });
      expect((await fs.readdir(dir)).sort()).toEqual(row.kept);
      for (const [i, name] of row.kept.entries()) {
        const model = tinyModel();
        await loadWeights(model, path.join(dir, name));
        expect(model.getWeights()[0]?.dataSync()[0], name).toBe(row.stamps[i]);
        model.dispose();
      }
      run.model.dispose();
    });
  }
});

describe("a write that fails", () => {
  // The save rule is line 3. At epoch index 2 a hook puts something in the way of that epoch's checkpoint; the
  // save at that epoch end fails, so the log and tensorboard rules below it do not run for epoch 2.
  const table: Array<{ name: string; template: string; failing: string; sabotage: string; content: "file" | "foreign"; reason: RegExp; previous: Array<[string, number]> }> = [
    {
      name: "the checkpoint path is a file",
      template: "ckpt/{epoch:02d}",
      failing: "ckpt/03",
      sabotage: "ckpt/03",
      content: "file",
      reason: /it exists and is a file, not a checkpoint directory/,
      previous: [
        ["ckpt/01", 0],
        ["ckpt/02", 1],
      ],
    },
    {
      name: "a parent of the path is a file",
      template: "e{epoch:02d}/model",
      failing: "e03/model",
      sabotage: "e03",
      content: "file",
      reason: /"[^"]*e03" is a file, not a directory/,
      previous: [
        ["e01/model", 0],
        ["e02/model", 1],
      ],
    },
    {
      name: "the checkpoint directory holds a file that is not part of a checkpoint",
      template: "ckpt/last",
      failing: "ckpt/last",
      sabotage: "ckpt/last/notes.txt",
      content: "foreign",
      reason: /holds files that are not part of a checkpoint \(notes\.txt\)/,
      previous: [["ckpt/last", 1]],
    },
  ];
  for (const row of table) {
    it(`${row.name}: model.fit rejects with a RuleError naming the rule and path; nothing written is damaged`, async () => {
      const dir = await caseDir();
      const Failing = await loadRules(
        `callback Failing {
  at epoch 2 then call sabotage
  on epoch end then save model to "${dir}/${row.template}", call snap
  on epoch end then log to "${dir}/logs/train.csv"
  on epoch end then tensorboard "${dir}/runs"
}`,
        "failing",
        "Failing",
      );
      const snapshots = new Map<number, number[]>();
      const callback = new Failing({
        hooks: {
          snap: ({ epoch, model }) => void snapshots.set(epoch, predictions(model)),
          sabotage: () => fs.writeFile(path.join(dir, row.sabotage), "not a checkpoint"),
        },
      });
      const model = classifier();
      const train = classes(20);
      const validation = classes(9, 5);
      const fit = model.fit(train.xs, train.ys, {
        epochs: 5,
        batchSize: 8,
        shuffle: false,
        validationData: [validation.xs, validation.ys],
        callbacks: [callback],
        verbose: 0,
      });
      const error = await fit.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RuleError);
      const ruleError = error as RuleError;
      const failing = path.join(dir, row.failing);
      expect(ruleError.rule.at).toBe("failing.rules:3:3");
      expect(ruleError.message).toContain("failing.rules:3:3");
      expect(ruleError.message).toContain(`"${failing}"`);
      expect(ruleError.message).toMatch(row.reason);
      expect(ruleError.cause).toBeInstanceOf(WriteError);
      expect((ruleError.cause as WriteError).path).toBe(failing);
      // tfjs clears its training flag in a finally: the model can be trained again.
      expect((model as unknown as { isTraining: boolean }).isTraining).toBe(false);
      expect([...snapshots.keys()]).toEqual([0, 1]);

      // Earlier checkpoints load with their epoch's predictions; no staging or .prev directories are left over.
      for (const [relative, epoch] of row.previous) {
        const loaded = await tf.loadLayersModel(fileLoader(path.join(dir, relative)));
        expect(predictions(loaded), relative).toEqual(snapshots.get(epoch));
        loaded.dispose();
        const siblings = await fs.readdir(path.dirname(path.join(dir, relative)));
        expect(siblings.filter((name) => name.includes(".tmp-") || name.endsWith(".prev"))).toEqual([]);
      }
      // The CSV log keeps its header and the rows of epochs 0 and 1, complete.
      const csv = await fs.readFile(path.join(dir, "logs", "train.csv"), "utf8");
      expect(csv.endsWith("\r\n")).toBe(true);
      expect(csv.split("\r\n").slice(0, -1).map((line) => line.split(",")[0])).toEqual(["epoch", "0", "1"]);
      // The TensorBoard files hold epochs 0 and 1 (their framing and CRCs are checked by the reader).
      for (const run of ["train", "validation"]) {
        const { scalars } = await readRun(path.join(dir, "runs"), run);
        expect(scalars.filter((s) => s.tag === "epoch_loss").map((s) => s.step), run).toEqual([0n, 1n]);
      }

      callback.dispose();
      model.dispose();
      tf.dispose([train.xs, train.ys, validation.xs, validation.ys]);
    });
  }
});
