// BackupAndRestore in one process: a resumed fit equals an uninterrupted one, and every backup it
// cannot use (too new, truncated, damaged, another model, other callbacks) is a clear error that
// changes nothing. The crash-and-restart proof is test/e2e/resume-kill.test.ts.
import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { CSVLogger, EarlyStopping, ReduceLROnPlateau } from "../../src/std.js";
import { BackupAndRestore, BackupError, OptionsError } from "../../src/runtime/index.js";
import { classes } from "../support/writers-fit.js";

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-backup-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function model(units = 6): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units, inputShape: [4], activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }));
  m.add(tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }));
  m.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

function callbacksFor(backupDir: string, options: { patience?: number; deleteCheckpoint?: boolean } = {}) {
  const backup = new BackupAndRestore({ backupDir, deleteCheckpoint: options.deleteCheckpoint ?? false });
  const early = new EarlyStopping({ monitor: "val_loss", patience: options.patience ?? 3, restoreBestWeights: true });
  const reduce = new ReduceLROnPlateau({ monitor: "val_loss", patience: 1, factor: 0.5 });
  const csv = new CSVLogger({ filename: path.join(path.dirname(backupDir), "log.csv") });
  return { backup, early, reduce, csv, list: [backup, early, reduce, csv] };
}

const train = classes(20);
const validation = classes(9, 5);

async function fit(m: tf.LayersModel, callbacks: tf.Callback[], epochs: number, initialEpoch = 0): Promise<void> {
  await m.fit(train.xs, train.ys, { epochs, initialEpoch, batchSize: 8, shuffle: false, validationData: [validation.xs, validation.ys], callbacks, verbose: 0 });
}

const bytes = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

/** A fit of 4 epochs that leaves its backup (taken at the start of epoch 3) behind, as a killed run would. */
async function interruptedRun(backupDir: string): Promise<void> {
  const first = callbacksFor(backupDir);
  const m = model();
  expect(await first.backup.restore(m, first.list)).toEqual({ initialEpoch: 0 });
  await fit(m, first.list, 4);
}

describe("BackupAndRestore", () => {
  it("a fit resumed from its backup ends where an uninterrupted one does: weights, firings, lr, CSV", async () => {
    const whole = callbacksFor(path.join(dir, "a", "backup"), { deleteCheckpoint: true });
    const reference = model();
    await whole.backup.restore(reference, whole.list);
    await fit(reference, whole.list, 9);
    await expect(fs.stat(path.join(dir, "a", "backup"))).rejects.toThrow();

    const backupDir = path.join(dir, "b", "backup");
    await interruptedRun(backupDir);
    const again = callbacksFor(backupDir, { deleteCheckpoint: true });
    const resumed = model();
    expect(await again.backup.restore(resumed, again.list)).toEqual({ initialEpoch: 3 });
    await fit(resumed, again.list, 9, 3);

    expect(bytes(resumed)).toEqual(bytes(reference));
    expect(resumed.optimizer.getConfig().learningRate).toBe(reference.optimizer.getConfig().learningRate);
    for (const name of ["early", "reduce"] as const) expect(again[name].firings).toEqual(whole[name].firings);
    const logged = (firings: readonly { detail?: string }[]) => firings.map((f) => ({ ...f, detail: path.basename(f.detail ?? "") }));
    expect(logged(again.csv.firings)).toEqual(logged(whole.csv.firings));
    expect(await fs.readFile(path.join(dir, "b", "log.csv"), "utf8")).toBe(await fs.readFile(path.join(dir, "a", "log.csv"), "utf8"));
  });

  it("writes backup.json and tensors.bin in backupDir/latest, with a format version", async () => {
    const backupDir = path.join(dir, "backup");
    await interruptedRun(backupDir);
    expect((await fs.readdir(backupDir)).sort()).toEqual(["latest"]);
    expect((await fs.readdir(path.join(backupDir, "latest"))).sort()).toEqual(["backup.json", "tensors.bin"]);
    const header = JSON.parse(await fs.readFile(path.join(backupDir, "latest", "backup.json"), "utf8"));
    expect(header).toMatchObject({ format: "cbc-backup", formatVersion: 1, epoch: 3 });
    expect(header.body.callbacks.map((c: { className: string }) => c.className)).toEqual(["EarlyStopping", "ReduceLROnPlateau", "CSVLogger"]);
  });

  it("with saveFreq \"epoch\" it has no batch hook: the step it records is read off the optimizer, and a resumed run continues it", async () => {
    expect(new BackupAndRestore({ backupDir: "b" }).onBatchEnd).toBe(tf.Callback.prototype.onBatchEnd);
    expect(new BackupAndRestore({ backupDir: "b", saveFreq: 2 }).onBatchEnd).not.toBe(tf.Callback.prototype.onBatchEnd);
    const backupDir = path.join(dir, "backup");
    const stepOf = async () => JSON.parse(await fs.readFile(path.join(backupDir, "latest", "backup.json"), "utf8")).body.step;
    await interruptedRun(backupDir);
    // 20 samples in batches of 8: 3 batches an epoch; the backup at the start of epoch 3 follows 9.
    expect(await stepOf()).toBe(9);
    const again = callbacksFor(backupDir);
    const resumed = model();
    await again.backup.restore(resumed, again.list);
    await fit(resumed, again.list, 6, 3);
    expect(await stepOf()).toBe(5 * 3); // the backup at the start of epoch 5
  });

  describe("a backup it cannot use is a BackupError naming the file, and the model is left as it was", () => {
    async function expectRefused(
      damage: (latest: string) => Promise<void>,
      message: string | RegExp,
      setup: { model?: tf.LayersModel; patience?: number } = {},
    ): Promise<void> {
      const backupDir = path.join(dir, "backup");
      await interruptedRun(backupDir);
      await damage(path.join(backupDir, "latest"));
      const again = callbacksFor(backupDir, setup.patience === undefined ? {} : { patience: setup.patience });
      const fresh = setup.model ?? model();
      const before = bytes(fresh);
      const failure = await again.backup.restore(fresh, again.list).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(BackupError);
      expect((failure as Error).message).toMatch(message);
      expect(bytes(fresh)).toEqual(before);
    }

    it("written by a newer cbc", async () => {
      await expectRefused(async (latest) => {
        const file = path.join(latest, "backup.json");
        await fs.writeFile(file, (await fs.readFile(file, "utf8")).replace('"formatVersion":1', '"formatVersion":2'));
      }, /^backup ".*latest[/\\]backup\.json": it was written by a newer cbc \(backup format 2; this cbc reads up to 1\): upgrade cbc/);
    });

    it("truncated JSON", async () => {
      await expectRefused(async (latest) => {
        const file = path.join(latest, "backup.json");
        const text = await fs.readFile(file, "utf8");
        await fs.writeFile(file, text.slice(0, text.length >> 1));
      }, /backup\.json": it is truncated or damaged \(not valid JSON\)$/);
    });

    it("a changed value in the JSON", async () => {
      await expectRefused(async (latest) => {
        const file = path.join(latest, "backup.json");
        await fs.writeFile(file, (await fs.readFile(file, "utf8")).replace('"wait":', '"wait":1'));
      }, /backup\.json": it is damaged \(its checksum does not match\)$/);
    });

    it("truncated tensors", async () => {
      await expectRefused(async (latest) => {
        const file = path.join(latest, "tensors.bin");
        const data = await fs.readFile(file);
        await fs.writeFile(file, data.subarray(0, data.length - 8));
      }, /tensors\.bin": it is truncated or damaged: \d+ bytes, \d+ expected$/);
    });

    it("another model", async () => {
      await expectRefused(async () => undefined, /it was made for another model: its weight #0 \(.*\) is float32 \[4, 6\], this model's .* is float32 \[4, 5\]$/, {
        model: model(5),
      });
    });

    it("other callback options", async () => {
      await expectRefused(async () => undefined, /callback #2 differs from the run that made it: the backup has EarlyStopping \{.*"patience":3.*\}, restore\(\) was given EarlyStopping \{.*"patience":4/, {
        patience: 4,
      });
    });
  });

  it("another number of callbacks is refused, naming both lists", async () => {
    const backupDir = path.join(dir, "backup");
    await interruptedRun(backupDir);
    const again = callbacksFor(backupDir);
    await expect(again.backup.restore(model(), [again.backup, again.early])).rejects.toThrow(
      /it was made with 3 other callbacks \(EarlyStopping, ReduceLROnPlateau, CSVLogger\), restore\(\) was given 1 \(EarlyStopping\)/,
    );
  });

  it("must come before every cbc callback, and fit must not start without restore()", async () => {
    const { backup, early, list } = callbacksFor(path.join(dir, "backup"));
    await expect(backup.restore(model(), [early, backup])).rejects.toThrow(OptionsError);
    await expect(backup.restore(model(), [early])).rejects.toThrow(/must be given the fit's callback list/);
    await expect(fit(model(), list, 1)).rejects.toThrow(/call `const \{ initialEpoch \} = await backup.restore\(model, callbacks\)` before model.fit/);
  });

  it("a backup that cannot be written fails the fit at the next backup or at train end, naming the path; settled() waits for the write", async () => {
    await fs.writeFile(path.join(dir, "file"), "not a directory");
    for (const epochs of [2, 4]) {
      const backup = new BackupAndRestore({ backupDir: path.join(dir, "file", "backup") });
      const m = model();
      await backup.restore(m, [backup]);
      const failure = await fit(m, [backup], epochs).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(/file[/\\]backup/);
    }
    // settled(): the backup of the last epoch begin is on disk once it resolves.
    const backup = new BackupAndRestore({ backupDir: path.join(dir, "ok"), deleteCheckpoint: false });
    const m = model();
    await backup.restore(m, [backup]);
    backup.setModel(m);
    await backup.onTrainBegin();
    await backup.onEpochBegin(1);
    await backup.settled();
    expect(JSON.parse(await fs.readFile(path.join(dir, "ok", "latest", "backup.json"), "utf8")).epoch).toBe(1);
  });

  it("backupDir file://PATH is PATH; any other scheme is refused at construction (backups need a file system)", async () => {
    const backup = new BackupAndRestore({ backupDir: `file://${path.join(dir, "fb")}`, deleteCheckpoint: false });
    const m = model();
    await backup.restore(m, [backup]);
    backup.setModel(m);
    await backup.onTrainBegin();
    await backup.onEpochBegin(1);
    await backup.settled();
    expect(JSON.parse(await fs.readFile(path.join(dir, "fb", "latest", "backup.json"), "utf8")).epoch).toBe(1);
    for (const url of ["indexeddb://bk", "localstorage://bk", "s3://bucket/bk"]) {
      expect(() => new BackupAndRestore({ backupDir: url })).toThrow(OptionsError);
      expect(() => new BackupAndRestore({ backupDir: url })).toThrow(
        `BackupAndRestore: option \`backupDir\` is "${url}": backups need a file system (Node)`,
      );
    }
  });

  it("checks its options with Keras' names", () => {
    expect(() => new BackupAndRestore({ backupDir: "" })).toThrow(OptionsError);
    expect(() => new BackupAndRestore({ backupDir: "b", saveFreq: 0 })).toThrow(/option `saveFreq`: expected "epoch" or an integer >= 1, got 0/);
    expect(() => new BackupAndRestore({ backupDir: "b", saveFreq: "batch" as "epoch" })).toThrow(OptionsError);
    expect(new BackupAndRestore({ backupDir: "b" }).options).toEqual({ backupDir: "b", saveFreq: "epoch", doubleCheckpoint: false, deleteCheckpoint: true });
  });
});
