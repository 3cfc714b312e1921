// History readers on real files: a CSV and a TensorBoard log dir written by cbc's own CSVLogger and
// TensorBoard in a real fit, and Keras-format CSV and JSON fixtures written to Keras' documented formats.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { CSVLogger, TensorBoard } from "../../src/std.js";
import { HistoryError, parseCsvHistory, parseJsonHistory, readHistory, type History } from "../../src/simulate/history.js";
import { fitClassifier, temporaryDirectory } from "../support/writers-fit.js";

const fixtures = fileURLToPath(new URL("../fixtures/histories/", import.meta.url));

/** The history as Keras' history.history would hold it: metric -> per-epoch values (undefined: none). */
function columns(history: History): Record<string, Array<number | undefined>> {
  const out: Record<string, Array<number | undefined>> = {};
  for (const metric of history.metrics) out[metric] = history.epochs.map((e) => e.logs[metric]);
  return out;
}

describe("files written in a real fit", () => {
  test("cbc's CSVLogger and TensorBoard: read back, they hold the fit's history", async () => {
    const { dir, remove } = await temporaryDirectory("cbc-history-");
    try {
      const csvFile = path.join(dir, "log.csv");
      const boardDir = path.join(dir, "board");
      const fitted = await fitClassifier([new CSVLogger({ filename: csvFile }), new TensorBoard({ logDir: boardDir })]);

      const csv = await readHistory(csvFile, dir);
      expect(csv.format).toBe("csv");
      expect([...csv.metrics].sort()).toEqual(Object.keys(fitted).sort());
      expect(columns(csv)).toEqual(fitted);
      expect(csv.epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
      expect(csv.epochs.map((e) => e.lr)).toEqual([0.1, 0.1, 0.1]);

      const board = await readHistory("board", dir);
      expect(board.format).toBe("tensorboard");
      expect([...board.metrics].sort()).toEqual(Object.keys(fitted).sort());
      // TensorBoard stores float32: tfjs' metrics are float32 already.
      expect(columns(board)).toEqual(fitted);
      expect(board.epochs.map((e) => e.lr)).toEqual([0.1, 0.1, 0.1].map(Math.fround));
    } finally {
      await remove();
    }
  });
});

describe("Keras formats", () => {
  test("CSVLogger: \\r\\n, sorted columns, learning_rate, NA, nan, inf, -inf", async () => {
    const history = await readHistory("keras-csvlogger.csv", fixtures);
    expect(history.metrics).toEqual(["accuracy", "loss", "val_accuracy", "val_loss"]);
    expect(history.epochs.map((e) => e.lr)).toEqual([0.0010000000474974513, 0.0010000000474974513, 0.0010000000474974513, 0.00010000000474974513]);
    expect(columns(history)).toEqual({
      accuracy: [0.3125, 0.453125, 0.5, 0.546875],
      loss: [1.0986123085021973, 1.0642211437225342, NaN, Infinity],
      val_accuracy: [0.296875, undefined, 0.484375, 0.5],
      val_loss: [1.0972455739974976, undefined, 1.0310548543930054, -Infinity],
    });
  });

  test("separators ; and tab, an empty cell as no value", async () => {
    const semicolon = await readHistory("semicolon.csv", fixtures);
    expect(columns(semicolon)).toEqual({ loss: [0.9, 0.8, 0.7], val_loss: [1.1, undefined, 0.95] });
    const tab = await readHistory("tab.tsv", fixtures);
    expect(columns(tab)).toEqual({ loss: [0.9, 0.8], val_loss: [1.1, 1.0] });
    expect(tab.epochs.map((e) => e.lr)).toEqual([0.01, 0.01]);
  });

  test("quoted cells as Python's csv writer quotes them (a separator inside, doubled quotes)", () => {
    const history = parseCsvHistory('epoch,loss,"out,""a""/loss"\r\n0,0.5,"0.25"\r\n1,0.4,0.2\r\n', "q.csv");
    expect(history.metrics).toEqual(["loss", 'out,"a"/loss']);
    expect(columns(history)).toEqual({ loss: [0.5, 0.4], 'out,"a"/loss': [0.25, 0.2] });
    expect(() => parseCsvHistory('epoch,loss\n0,0.5\n1,"[0.1, 0.2]"\n', "q.csv")).toThrow(/^q\.csv:3: column `loss`: "\[0\.1, 0\.2\]" is not a number/);
  });

  test("history.history as Python's json.dump writes it (NaN, Infinity)", async () => {
    const history = await readHistory("keras-history.json", fixtures);
    expect(history.format).toBe("json");
    expect(history.metrics).toEqual(["accuracy", "loss", "val_accuracy", "val_loss"]);
    expect(columns(history).loss).toEqual([1.0986123085021973, NaN, Infinity]);
    expect(columns(history).val_loss).toEqual([1.0972455739974976, 1.0642, -Infinity]);
    expect(history.epochs.map((e) => e.lr)).toEqual([0.0010000000474974513, 0.0010000000474974513, 0.00010000000474974513]);
  });

  test("tfjs' History ({epoch, history}) and an array of per-epoch logs", async () => {
    const tfjs = await readHistory("tfjs-history.json", fixtures);
    expect(columns(tfjs)).toEqual({ loss: [0.9, 0.8, 0.7], acc: [0.5, 0.6, 0.7], val_loss: [1.1, undefined, 0.95], val_acc: [0.4, 0.5, 0.6] });
    const logs = await readHistory("log-array.json", fixtures);
    expect(logs.epochs.map((e) => e.epoch)).toEqual([5, 6, 7]);
    expect(columns(logs)).toEqual({ loss: [0.9, 0.8, 0.7], val_loss: [1.1, 1.0, undefined] });
    expect(logs.epochs.map((e) => e.lr)).toEqual([0.01, 0.01, 0.001]);
  });
});

describe("bad input: the file and the line or key", () => {
  const csvCases: Array<[string, string, RegExp]> = [
    ["no epoch column", "loss,val_loss\n0.9,1.0\n", /^h\.csv:1: no `epoch` column/],
    ["a cell that is no number", "epoch,loss\n0,0.9\n1,abc\n", /^h\.csv:3: column `loss`: "abc" is not a number/],
    ["a short row", "epoch,loss,val_loss\n0,0.9\n", /^h\.csv:2: 2 fields, but the header has 3/],
    ["two runs appended", "epoch,loss\n0,0.9\n1,0.8\n0,0.95\n", /^h\.csv:4: epoch 0 follows epoch 1: the epochs start again/],
    ["a missing epoch", "epoch,loss\n0,0.9\n2,0.8\n", /^h\.csv:3: epoch 2 follows epoch 0: epochs 1 to 1 are missing/],
    ["a batch-level log", "epoch,loss\n0,0.9\n0,0.8\n", /^h\.csv:3: .*listed twice/],
    ["an unclosed quote", 'epoch,loss\n0,"0.9\n', /^h\.csv(:\d+)?: not a readable CSV file/],
    ["a repeated column", "epoch,loss,loss\n0,1,2\n", /^h\.csv:1: the header names `loss` twice/],
    ["an epoch that is no index", "epoch,loss\n-1,0.9\n", /^h\.csv:2: epoch "-1" is not an epoch index/],
  ];
  test.each(csvCases)("CSV: %s", (_, text, message) => {
    expect(() => parseCsvHistory(text, "h.csv")).toThrow(HistoryError);
    expect(() => parseCsvHistory(text, "h.csv")).toThrow(message);
  });

  const jsonCases: Array<[string, string, RegExp]> = [
    ["not JSON", '{"loss": [1, 2,', /^h\.json:1: not valid JSON/],
    ["lists of different lengths", '{"loss": [1, 2], "val_loss": [1]}', /^h\.json: val_loss has 1 values but loss has 2/],
    ["a value that is no number", '{"history": {"loss": [1, "x"]}}', /^h\.json: history\.loss\[1\]: expected a number/],
    ["a metric that is no list", '{"loss": 1}', /^h\.json: loss: expected a list/],
    ["an entry that is no object", '[{"loss": 1}, 2]', /^h\.json: \[1\]: expected the logs of one epoch/],
    ["epochs that do not follow", '{"epoch": [0, 2], "history": {"loss": [1, 2]}}', /^h\.json: epoch\[1\]: epoch 2 follows epoch 0/],
    ["a scalar", "3", /^h\.json: expected an object/],
  ];
  test.each(jsonCases)("JSON: %s", (_, text, message) => {
    expect(() => parseJsonHistory(text, "h.json")).toThrow(HistoryError);
    expect(() => parseJsonHistory(text, "h.json")).toThrow(message);
  });

  test("a missing file, and a directory that is no TensorBoard log dir", async () => {
    await expect(readHistory("nope.csv", fixtures)).rejects.toThrow(/^cannot read nope\.csv: no such file/);
    await expect(readHistory(".", fixtures)).rejects.toThrow(/not a TensorBoard log directory/);
  });

  test("a damaged TensorBoard event file", async () => {
    const { dir, remove } = await temporaryDirectory("cbc-history-");
    try {
      await fs.mkdir(path.join(dir, "train"));
      await fs.writeFile(path.join(dir, "train", "events.out.tfevents.1.host"), new Uint8Array(40).fill(7));
      await expect(readHistory(dir, "/")).rejects.toThrow(/train\/events\.out\.tfevents\.1\.host: record 1 \(byte 0\): the length's checksum does not match/);
    } finally {
      await remove();
    }
  });
});
