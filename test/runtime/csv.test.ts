// CsvLogger: Keras CSVLogger bytes (header order, Python repr, NA, quoting, \r\n), append, streaming, write errors.

import { execFileSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WriteError } from "../../src/runtime/atomic.js";
import { CsvLogger, compareCodePoints, formatCsvLine } from "../../src/runtime/csv.js";

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-csv-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
function freshPath(name = "log.csv"): string {
  counter += 1;
  return path.join(root, `case-${counter}`, name);
}

type Row = [number, Record<string, number | undefined>];

async function writeLog(file: string, columns: string[], rows: Row[], options?: { separator?: string; append?: boolean }): Promise<void> {
  const logger = new CsvLogger(file, options);
  await logger.open(columns);
  for (const [epoch, values] of rows) await logger.writeRow(epoch, values);
  await logger.close();
}

const f32 = Math.fround;

describe("CsvLogger bytes", () => {
  const table: Array<{ name: string; columns: string[]; rows: Row[]; separator?: string; expected: string }> = [
    {
      name: "metrics sorted by name between epoch and lr; float32 values in Python repr",
      columns: ["val_loss", "loss", "val_acc", "acc"],
      rows: [
        [0, { loss: f32(0.6931), acc: f32(0.5), val_loss: f32(0.7), val_acc: f32(0.25), lr: f32(0.01) }],
        [1, { loss: f32(0.1), acc: 1, val_loss: 3, val_acc: f32(0.75), lr: 1e-5 }],
      ],
      expected:
        "epoch,acc,loss,val_acc,val_loss,lr\r\n" +
        "0,0.5,0.6930999755859375,0.25,0.699999988079071,0.009999999776482582\r\n" +
        "1,1.0,0.10000000149011612,0.75,3.0,1e-05\r\n",
    },
    {
      name: "a metric missing from the logs is NA, as Keras writes it",
      columns: ["loss", "val_loss"],
      rows: [
        [0, { loss: 0.25, lr: 0.1 }],
        [1, { loss: 0.125, val_loss: undefined, lr: 0.1 }],
        [2, { loss: 0.0625, val_loss: 0.5 }],
      ],
      expected: "epoch,loss,val_loss,lr\r\n0,0.25,NA,0.1\r\n1,0.125,NA,0.1\r\n2,0.0625,0.5,NA\r\n",
    },
    {
      name: "NaN and infinities as Python writes them",
      columns: ["loss"],
      rows: [
        [0, { loss: Number.NaN, lr: Number.POSITIVE_INFINITY }],
        [1, { loss: Number.NEGATIVE_INFINITY, lr: -0 }],
      ],
      expected: "epoch,loss,lr\r\n0,nan,inf\r\n1,-inf,-0.0\r\n",
    },
    {
      name: 'separator ";" leaves commas alone and quotes names holding ";"',
      columns: ["loss", "a;b", "x,y"],
      rows: [[0, { loss: 1.5, "a;b": 2e16, "x,y": 1.25e-7, lr: 0.001 }]],
      separator: ";",
      expected: 'epoch;"a;b";loss;x,y;lr\r\n0;2e+16;1.5;1.25e-07;0.001\r\n',
    },
    {
      name: "a value holding the separator is quoted",
      columns: ["loss"],
      rows: [[0, { loss: 0.5, lr: 2 }]],
      separator: ".",
      expected: 'epoch.loss.lr\r\n0."0.5"."2.0"\r\n',
    },
    {
      name: "huge and tiny floats in Python's exponent form",
      columns: ["loss", "val_loss"],
      rows: [[0, { loss: 2 ** -24, val_loss: 2 ** 60, lr: 0.5 }]],
      expected: "epoch,loss,val_loss,lr\r\n0,5.960464477539063e-08,1.152921504606847e+18,0.5\r\n",
    },
    {
      name: "names holding quotes or line breaks are quoted, quotes doubled",
      columns: ['say "hi"', "two\nlines", "plain"],
      rows: [[3, { plain: 100, lr: 0.5 }]],
      expected: 'epoch,plain,"say ""hi""","two\nlines",lr\r\n3,100.0,NA,NA,0.5\r\n',
    },
    {
      name: "lr and epoch among the columns are not repeated; duplicate names once",
      columns: ["lr", "loss", "epoch", "loss"],
      rows: [[0, { loss: 0.5, lr: 0.25 }]],
      expected: "epoch,loss,lr\r\n0,0.5,0.25\r\n",
    },
  ];

  for (const row of table) {
    it(row.name, async () => {
      const file = freshPath();
      await writeLog(file, row.columns, row.rows, row.separator === undefined ? undefined : { separator: row.separator });
      expect(await fs.readFile(file, "utf8")).toBe(row.expected);
    });
  }

  // Cross-check with Python's own csv.DictWriter, configured as Keras' CSVLogger configures it.
  const python = (() => {
    try {
      execFileSync("python3", ["-c", "import csv, json"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!python)("every table row matches what Python's csv module writes for the same logs", async () => {
    const script = [
      "import csv, io, json, sys",
      "case = json.loads(sys.stdin.read())",
      "class Dialect(csv.excel):",
      "    delimiter = case['separator']",
      "metrics = sorted(set(case['columns']) - {'epoch', 'lr'})",
      "out = io.StringIO()",
      "writer = csv.DictWriter(out, fieldnames=['epoch'] + metrics + ['lr'], dialect=Dialect)",
      "writer.writeheader()",
      "for epoch, logs in case['rows']:",
      "    row = {'epoch': epoch}",
      // Keras' logs hold Python floats; JSON turns 1.0 into 1, so convert back.
      "    row.update((k, float(logs[k]) if logs.get(k) is not None else 'NA') for k in metrics + ['lr'])",
      "    writer.writerow(row)",
      "sys.stdout.write(out.getvalue())",
    ].join("\n");
    for (const row of table) {
      // JSON cannot hold NaN/inf/-0 or undefined; Python's json reads these tokens back as floats.
      const payload = JSON.stringify({ separator: row.separator ?? ",", columns: row.columns, rows: row.rows }, (_key, value: unknown) => {
        if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) return `@@${String(Object.is(value, -0) ? "-0.0" : value)}@@`;
        return value;
      }).replace(/"@@(NaN|Infinity|-Infinity|-0\.0)@@"/g, "$1");
      const expected = execFileSync("python3", ["-c", script], { input: payload }).toString("utf8");
      const file = freshPath();
      await writeLog(file, row.columns, row.rows, row.separator === undefined ? undefined : { separator: row.separator });
      expect(await fs.readFile(file, "utf8"), row.name).toBe(expected);
    }
  });
});

describe("CsvLogger files", () => {
  it("append twice keeps earlier rows and writes the header once", async () => {
    const file = freshPath();
    await writeLog(file, ["loss"], [[0, { loss: 0.5, lr: 0.1 }], [1, { loss: 0.25, lr: 0.1 }]], { append: true });
    await writeLog(file, ["loss"], [[2, { loss: 0.125, lr: 0.01 }]], { append: true });
    await writeLog(file, ["loss"], [[3, { loss: 0.0625, lr: 0.01 }]], { append: true });
    expect(await fs.readFile(file, "utf8")).toBe("epoch,loss,lr\r\n0,0.5,0.1\r\n1,0.25,0.1\r\n2,0.125,0.01\r\n3,0.0625,0.01\r\n");
  });

  it("append to an existing empty file writes the header", async () => {
    const file = freshPath();
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, "");
    await writeLog(file, ["loss"], [[0, { loss: 1, lr: 1 }]], { append: true });
    expect(await fs.readFile(file, "utf8")).toBe("epoch,loss,lr\r\n0,1.0,1.0\r\n");
  });

  it("without append an existing file is truncated on open", async () => {
    const file = freshPath();
    await writeLog(file, ["loss"], [[0, { loss: 1, lr: 1 }], [1, { loss: 2, lr: 1 }]]);
    await writeLog(file, ["acc"], [[0, { acc: 0.5, lr: 1 }]]);
    expect(await fs.readFile(file, "utf8")).toBe("epoch,acc,lr\r\n0,0.5,1.0\r\n");
  });

  it("each row is in the file as soon as writeRow resolves, before close", async () => {
    const file = freshPath("nested/deeper/log.csv");
    const logger = new CsvLogger(file);
    await logger.open(["loss"]);
    expect(await fs.readFile(file, "utf8")).toBe("epoch,loss,lr\r\n");
    await logger.writeRow(0, { loss: 0.5, lr: 0.1 });
    expect(await fs.readFile(file, "utf8")).toBe("epoch,loss,lr\r\n0,0.5,0.1\r\n");
    // Rows written without awaiting each still land in call order.
    const pending = [1, 2, 3].map((epoch) => logger.writeRow(epoch, { loss: epoch, lr: 0.1 }));
    await Promise.all(pending);
    expect((await fs.readFile(file, "utf8")).split("\r\n").slice(2, 5)).toEqual(["1,1.0,0.1", "2,2.0,0.1", "3,3.0,0.1"]);
    await logger.close();
  });

  it("a path that is a directory gives a WriteError naming the path", async () => {
    const dir = freshPath("a-directory");
    await fs.mkdir(dir, { recursive: true });
    for (const append of [false, true]) {
      const logger = new CsvLogger(dir, { append });
      const failure = logger.open(["loss"]);
      await expect(failure).rejects.toBeInstanceOf(WriteError);
      const error = (await failure.catch((e: unknown) => e)) as WriteError;
      expect(error.path).toBe(dir);
      expect(error.message).toBe(`cannot write "${dir}": it is a directory, not a file`);
    }
  });

  it("a parent that is a file gives a WriteError naming the path and the file in the way", async () => {
    const blocker = freshPath("blocker");
    await fs.mkdir(path.dirname(blocker), { recursive: true });
    await fs.writeFile(blocker, "x");
    const file = path.join(blocker, "logs", "train.csv");
    await expect(new CsvLogger(file).open(["loss"])).rejects.toThrow(`cannot write "${file}": "${blocker}" is a file, not a directory`);
  });

  it.skipIf(!existsSync("/dev/full"))("a full disk while writing a row gives a WriteError saying so", async () => {
    const link = freshPath("full.csv");
    await fs.mkdir(path.dirname(link), { recursive: true });
    await fs.symlink("/dev/full", link);
    const logger = new CsvLogger(link);
    // The header is the first write, so the failure already shows at open.
    await expect(logger.open(["loss"])).rejects.toThrow(`cannot write "${link}": no space left on the device`);
  });

  it("writeRow before open is a WriteError, not a silent drop", async () => {
    const file = freshPath();
    await expect(new CsvLogger(file).writeRow(0, { loss: 1 })).rejects.toBeInstanceOf(WriteError);
  });

  it("rejects separators Python's csv module rejects", () => {
    expect(() => new CsvLogger("x.csv", { separator: "::" })).toThrow(/exactly one character/);
    expect(() => new CsvLogger("x.csv", { separator: "" })).toThrow(/exactly one character/);
    expect(() => new CsvLogger("x.csv", { separator: '"' })).toThrow(/cannot be/);
  });
});

describe("CSV helpers", () => {
  it("sorts by code point like Python's sorted(), not by UTF-16 unit", () => {
    const names = ["\u{1F600}", "\uFF21", "b", "B", "a_b", "ab"];
    expect([...names].sort(compareCodePoints)).toEqual(["B", "a_b", "ab", "b", "\uFF21", "\u{1F600}"]);
    // Plain JS sort puts the astral character first: this is the case the helper exists for.
    expect([...names].sort()).not.toEqual([...names].sort(compareCodePoints));
  });

  it("quotes a lone empty field so the row is not blank", () => {
    expect(formatCsvLine([""], ",")).toBe('""\r\n');
    expect(formatCsvLine(["", ""], ",")).toBe(",\r\n");
  });
});
