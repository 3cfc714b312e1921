// state()/restoreState() of each runtime piece: a restored piece behaves as the original from then on.
import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { CheckpointKeeper, type KeptCheckpointsState } from "../../src/runtime/checkpoint.js";
import { CsvLogger } from "../../src/runtime/csv.js";
import { MetricHistory } from "../../src/runtime/history.js";
import { StateError, parseState, stringifyState } from "../../src/runtime/state.js";
import { TensorBundle } from "../../src/runtime/tensor-bundle.js";
import { TensorBoardWriter } from "../../src/runtime/tensorboard.js";
import { ImprovesTracker, PlateauTracker } from "../../src/runtime/trackers.js";
import { BestWeights } from "../../src/runtime/weights.js";
import { readRecords } from "../support/tensorboard-reader.js";

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-state-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Through JSON text, as a backup stores it. */
const viaJson = <T>(state: T): unknown => parseState(stringifyState(state));

describe("state JSON", () => {
  it("keeps NaN, the infinities and -0 exactly, and marks functions", () => {
    const value = { a: NaN, b: Infinity, c: -Infinity, d: -0, e: [1.5, NaN], f: () => 1 };
    const back = parseState(stringifyState(value)) as Record<string, unknown>;
    expect(back).toEqual({ a: NaN, b: Infinity, c: -Infinity, d: -0, e: [1.5, NaN], f: "[function]" });
    expect(Object.is(back.d, -0)).toBe(true);
  });

  it("refuses another format version, naming the piece", () => {
    expect(() => new PlateauTracker({ patience: 1, direction: "min" }).restoreState({ v: 2 })).toThrow(
      new StateError("plateau: the saved state has format version 2, this cbc reads version 1"),
    );
  });
});

describe("trackers and histories", () => {
  const values = [0.9, NaN, 0.7, 0.71, 0.72, 0.5, 0.52, 0.53, 0.54, 0.4];

  it("a plateau restored mid-run fires where the original does", () => {
    for (const cut of [0, 1, 3, 6, 9]) {
      const make = () => new PlateauTracker({ patience: 2, cooldown: 1, minDelta: 0.001, direction: "min" });
      const original = make();
      const restored = make();
      const firedOriginal: number[] = [];
      const firedRestored: number[] = [];
      values.forEach((value, epoch) => {
        if (original.update(epoch, value)) firedOriginal.push(epoch);
        if (epoch < cut && restored.update(epoch, value)) firedRestored.push(epoch);
      });
      const resumed = make();
      resumed.restoreState(viaJson(restored.state()));
      values.slice(cut).forEach((value, i) => {
        if (resumed.update(cut + i, value)) firedRestored.push(cut + i);
      });
      expect(firedRestored, `cut at ${cut}`).toEqual(firedOriginal);
      expect(resumed.state()).toEqual(original.state());
    }
  });

  it("improves and a NaN best survive the round trip", () => {
    const tracker = new PlateauTracker({ patience: 3, direction: "min" });
    tracker.update(0, NaN);
    const copy = new PlateauTracker({ patience: 3, direction: "min" });
    copy.restoreState(viaJson(tracker.state()));
    expect(copy.best).toBeNaN();
    expect(copy.bestEpoch).toBe(0);
    const improves = new ImprovesTracker({ direction: "max" });
    improves.update(0, 0.5);
    const other = new ImprovesTracker({ direction: "max" });
    other.restoreState(viaJson(improves.state()));
    expect(other.update(1, 0.5)).toBe(false);
    expect(other.update(2, 0.6)).toBe(true);
  });

  it("a history keeps best, prev and mean", () => {
    const history = new MetricHistory("min");
    values.slice(0, 5).forEach((value, epoch) => history.record(epoch, value));
    const copy = new MetricHistory("min");
    copy.restoreState(viaJson(history.state()));
    expect([copy.best(), copy.prev(5), copy.mean(3)]).toEqual([history.best(), history.prev(5), history.mean(3)]);
    expect(() => new MetricHistory("max").restoreState(viaJson(history.state()))).toThrow(StateError);
  });
});

describe("best weights", () => {
  it("come back through the tensor bundle's bytes, and must fit the model", async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 })] });
    const best = new BestWeights();
    best.capture(model, 4);
    const sink = new TensorBundle();
    const state = viaJson(best.state(sink));
    const { data, specs } = await sink.encode();
    sink.dispose();
    const expected = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.setWeights(model.getWeights().map((w) => tf.zerosLike(w)));

    const source = TensorBundle.decode(data.slice().buffer, specs);
    const restored = new BestWeights();
    restored.restoreState(state, source, model);
    expect(restored.restore(model)).toBe(4);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(expected);
    const other = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    expect(() => new BestWeights().restoreState(state, source, other)).toThrow(/best weights: saved weight #0 has shape \[2, 2\], the model's .* has \[3, 2\]/);
    source.dispose();
    best.dispose();
    restored.dispose();
  });
});

describe("writers", () => {
  it("a resumed CSV log is cut back to its saved length: the rows that follow are not duplicated", async () => {
    const file = path.join(dir, "log.csv");
    const logger = new CsvLogger(file);
    await logger.open(["loss"]);
    await logger.writeRow(0, { loss: 1, lr: 0.1 });
    const state = viaJson(await logger.state());
    await logger.writeRow(1, { loss: 0.5, lr: 0.1 });
    await logger.close();
    const resumed = await CsvLogger.resume(state);
    await resumed.writeRow(1, { loss: 0.25, lr: 0.1 });
    await resumed.close();
    expect(await fs.readFile(file, "utf8")).toBe("epoch,loss,lr\r\n0,1.0,0.1\r\n1,0.25,0.1\r\n");
    await fs.writeFile(file, "epoch");
    await expect(CsvLogger.resume(state)).rejects.toThrow(/the CSV log ".*log\.csv" holds 5 bytes, the backup recorded 26: it was changed or removed after the backup/);
  });

  it("a resumed TensorBoard writer appends to its event file after the saved records", async () => {
    const writer = new TensorBoardWriter(dir);
    writer.scalar("train", "epoch_loss", 0, 1);
    const state = viaJson(await writer.state());
    writer.scalar("train", "epoch_loss", 1, 0.5);
    await writer.close();
    const resumed = await TensorBoardWriter.resume(state);
    resumed.scalar("train", "epoch_loss", 1, 0.25);
    await resumed.close();
    const names = await fs.readdir(path.join(dir, "train"));
    expect(names).toHaveLength(1);
    expect(readRecords(new Uint8Array(await fs.readFile(path.join(dir, "train", names[0]!))))).toHaveLength(3);
  });

  it("a keeper restored with its list deletes what the original would", async () => {
    const keeper = new CheckpointKeeper(2, "best");
    for (const [name, value] of [["a", 0.5], ["b", 0.4]] as const) {
      await fs.mkdir(path.join(dir, name));
      await keeper.add(path.join(dir, name), { value, direction: "min" });
    }
    const copy = new CheckpointKeeper(2, "best");
    copy.restoreState(viaJson(keeper.state) as KeptCheckpointsState);
    await fs.mkdir(path.join(dir, "c"));
    await copy.add(path.join(dir, "c"), { value: 0.45, direction: "min" });
    expect(copy.kept.map((p) => path.basename(p))).toEqual(["b", "c"]);
    expect((await fs.readdir(dir)).sort()).toEqual(["b", "c"]);
  });
});
