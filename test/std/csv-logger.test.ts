// CSVLogger from the standard library: the exact bytes Keras 3's CSVLogger writes (Python's csv module, excel
// dialect: "\r\n" line ends, minimal quoting; str(float) = repr; "NA" for a missing key), the separator, append
// across two runs, one real model.fit, and options validation.
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
    name: "a metric missing in an epoch is NA",
    options: {},
    epochs: { loss: [0.5, 0.25], val_loss: [0.75, undefined] },
    initialLr: 0.5,
    bytes: "epoch,loss,val_loss,lr\r\n0,0.5,0.75,0.5\r\n1,0.25,NA,0.5\r\n",
    derivation: "logs.get('val_loss', 'NA') at epoch 1",
  },
  {
    name: "separator ;",
    options: { separator: ";" },
    epochs: { loss: [0.5], acc: [0.25] },
    initialLr: 0.5,
    bytes: "epoch;acc;loss;lr\r\n0;0.25;0.5;0.5\r\n",
    derivation: "delimiter ';'; keys sorted: acc < loss",
  },
  {
    name: "a separator found in a value quotes that field",
    options: { separator: "." },
    epochs: { loss: [0.5] },
    initialLr: 2,
    bytes: 'epoch.loss.lr\r\n0."0.5"."2.0"\r\n',
    derivation: "QUOTE_MINIMAL: '0.5' and the rate's repr '2.0' hold the delimiter '.', so both are quoted",
  },
  {
    name: "large, small and non-finite values",
    options: {},
    // Powers of two: the same in float32 (tensor logs) and float64.
    epochs: { loss: [2 ** -24, Infinity], val_loss: [2 ** 60, Number.NaN] },
    initialLr: 0.5,
    bytes: "epoch,loss,val_loss,lr\r\n0,5.960464477539063e-08,1.152921504606847e+18,0.5\r\n1,inf,nan,0.5\r\n",
    derivation: "repr(2**-24)='5.960464477539063e-08', repr(2.0**60)='1.152921504606847e+18', str(inf)='inf', str(nan)='nan'",
  },
];

async function runLogger(options: CSVLoggerOptions, row: Pick<Row, "epochs" | "initialLr">, asTensors = false): Promise<string> {
  await drive(new CSVLogger(options), { epochs: row.epochs, initialLr: row.initialLr, asTensors });
  return fs.readFile(options.filename, "utf8");
}

describe("CSVLogger bytes (Keras 3 semantics)", () => {
  const cases = ROWS.flatMap((row) => [false, true].map((asTensors) => ({ ...row, asTensors })));
  test.each(cases)("$name (tensors: $asTensors)", async (row) => {
    expect(await runLogger({ ...row.options, filename: freshFile() }, row, row.asTensors)).toBe(row.bytes);
  });

  test("append across two runs keeps the rows and writes the header once", async () => {
    const filename = freshFile();
    // Keras: run 1 finds no file -> append_header True, mode "a"; run 2 reads a non-empty first line -> no header.
    await runLogger({ filename, append: true }, { epochs: { loss: [0.5, 0.25] }, initialLr: 0.5 });
    const bytes = await runLogger({ filename, append: true }, { epochs: { loss: [0.125] }, initialLr: 0.5 });
    expect(bytes).toBe("epoch,loss,lr\r\n0,0.5,0.5\r\n1,0.25,0.5\r\n0,0.125,0.5\r\n");
  });

  test("append to an existing empty file writes the header", async () => {
    const filename = freshFile();
    await fs.writeFile(filename, "");
    expect(await runLogger({ filename, append: true }, { epochs: { loss: [0.5] }, initialLr: 0.5 })).toBe("epoch,loss,lr\r\n0,0.5,0.5\r\n");
  });

  test("without append a second run replaces the file", async () => {
    const filename = freshFile();
    await runLogger({ filename }, { epochs: { loss: [0.5, 0.25] }, initialLr: 0.5 });
    expect(await runLogger({ filename }, { epochs: { loss: [0.125] }, initialLr: 0.5 })).toBe("epoch,loss,lr\r\n0,0.125,0.5\r\n");
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
