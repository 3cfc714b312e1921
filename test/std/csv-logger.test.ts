// CSVLogger from the standard library: its options reach the log (the file, the separator, append, the rate as the
// last column), one real model.fit, and options validation. The bytes themselves (Python's csv module, repr, NA,
// quoting) and the file's append/truncate rules are the writer's: test/runtime/csv.test.ts; `log to` in real fits
// (one callback across fits, failures): test/runtime/writers-csv.test.ts.
import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { callbacks, CSVLogger, type CSVLoggerOptions } from "cbc";
import { drive, type Value } from "../support/drive.js";

let root: string;
let files = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-std-csv-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const freshFile = () => path.join(root, `log-${files++}.csv`);

interface Row {
  name: string;
  options: Omit<CSVLoggerOptions, "filename">;
  epochs: Record<string, Value[]>;
  initialLr?: number;
  bytes: string;
  derivation: string;
}

// Keras 3 CSVLogger: keys = sorted(logs) at the first epoch end; header ["epoch"] + keys; each row
// {"epoch": epoch (0-based), key: logs.get(key, "NA")}; csv.DictWriter with excel dialect and delimiter=separator.
// The rules-language logger adds `lr` as the last column (see csv-logger.rules).
const ROWS: Row[] = [
  {
    name: "header, 0-based epochs, repr of floats",
    options: {},
    epochs: { val_loss: [0.75, 0.125], loss: [0.5, 0.25] },
    initialLr: 0.001,
    bytes: "epoch,loss,val_loss,lr\r\n0,0.5,0.75,0.001\r\n1,0.25,0.125,0.001\r\n",
    derivation: "sorted keys: loss, val_loss; str(0.5)='0.5'; lr 0.001 (adam) appended",
  },
  {
    name: "separator ;",
    options: { separator: ";" },
    epochs: { loss: [0.5], acc: [0.25] },
    initialLr: 0.5,
    bytes: "epoch;acc;loss;lr\r\n0;0.25;0.5;0.5\r\n",
    derivation: "delimiter ';'; keys sorted: acc < loss",
  },
];

async function runLogger(options: CSVLoggerOptions, row: Pick<Row, "epochs" | "initialLr">): Promise<string> {
  await drive(new CSVLogger(options), { epochs: row.epochs, initialLr: row.initialLr });
  return fs.readFile(options.filename, "utf8");
}

describe("CSVLogger options reach the log (Keras 3 semantics)", () => {
  test.each(ROWS)("$name", async (row) => {
    expect(await runLogger({ ...row.options, filename: freshFile() }, row)).toBe(row.bytes);
  });

  test("one instance across two fits, append: the second fit appends", async () => {
    const filename = freshFile();
    const logger = new CSVLogger({ filename, append: true });
    await drive(logger, { epochs: { loss: [0.5] }, initialLr: 0.5 });
    await drive(logger, { epochs: { loss: [0.25] }, initialLr: 0.5 });
    expect(await fs.readFile(filename, "utf8")).toBe("epoch,loss,lr\r\n0,0.5,0.5\r\n0,0.25,0.5\r\n");
  });

  test("a separator of two characters fails at the first row, naming the rule (Python: TypeError)", async () => {
    await expect(runLogger({ filename: freshFile(), separator: ";;" }, { epochs: { loss: [1] } })).rejects.toThrow(
      /csv-logger\.rules:\d+:\d+ .*separator/,
    );
  });
});

describe("CSVLogger inside tfjs' model.fit", () => {
  test("one row per epoch with the values the history holds", async () => {
    const filename = freshFile();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, activation: "sigmoid" })] });
    model.compile({ optimizer: tf.train.sgd(0.5), loss: "binaryCrossentropy", metrics: ["accuracy"] });
    const xs = tf.tensor2d(Array.from({ length: 40 }, (_, i) => Math.cos(i)), [20, 2]);
    const ys = tf.tensor2d(Array.from({ length: 20 }, (_, i) => i % 2), [20, 1]);
    const history = await model.fit(xs, ys, { epochs: 3, batchSize: 5, validationSplit: 0.2, callbacks: [callbacks.csvLogger({ filename })], verbose: 0 });
    const lines = (await fs.readFile(filename, "utf8")).split("\r\n");
    expect(lines[0]).toBe("epoch,acc,loss,val_acc,val_loss,lr");
    expect(lines.at(-1)).toBe("");
    const rows = lines.slice(1, -1).map((line) => line.split(",").map(Number));
    expect(rows.length).toBe(3);
    rows.forEach((cells, epoch) => {
      // repr round-trips: each cell parses back to exactly the value in history.
      expect(cells).toEqual([
        epoch,
        history.history.acc[epoch],
        history.history.loss[epoch],
        history.history.val_acc[epoch],
        history.history.val_loss[epoch],
        0.5,
      ]);
    });
    tf.dispose([xs, ys]);
  });
});

describe("CSVLogger options", () => {
  test.each([
    [{}, "CSVLogger: option `filename`: expected a string, got nothing"],
    [{ filename: 3 }, "CSVLogger: option `filename`: expected a string, got 3"],
    [{ filename: "x.csv", append: "yes" }, 'CSVLogger: option `append`: expected true or false, got "yes"'],
    [{ filename: "x.csv", separator: 9 }, "CSVLogger: option `separator`: expected a string, got 9"],
  ])("%j", (options, message) => {
    expect(() => new CSVLogger(options as CSVLoggerOptions)).toThrow(message);
  });

  test("Keras' defaults", () => {
    expect(new CSVLogger({ filename: "x.csv" }).o).toEqual({ filename: "x.csv", separator: ",", append: false, verbose: 0 });
  });
});
