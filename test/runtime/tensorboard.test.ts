// TensorBoardWriter, checked by an independent reader: TFRecord framing, CRC32C, and Event/Summary protobuf decoded by hand.

import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WriteError } from "../../src/runtime/atomic.js";
import { TensorBoardWriter, scalarsForLogs } from "../../src/runtime/tensorboard.js";
import { double, only, readRun, text } from "../support/tensorboard-reader.js";

// ---------------------------------------------------------------------------

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-tb-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
function freshLogDir(): string {
  counter += 1;
  return path.join(root, `case-${counter}`, "logs");
}

describe("TensorBoardWriter event files", () => {
  it("writes Keras' layout with a brain.Event:2 header and TF2 scalar summaries, valid CRCs", async () => {
    const logDir = freshLogDir();
    const before = Date.now() / 1000;
    const writer = new TensorBoardWriter(logDir);
    const written: Array<[ "train" | "validation", string, number, number]> = [
      ["train", "epoch_loss", 0, 0.6931],
      ["train", "epoch_learning_rate", 0, 0.01],
      ["validation", "epoch_loss", 0, 0.75],
      ["train", "epoch_loss", 1, 0.5],
      ["train", "epoch_learning_rate", 1, 0.001],
      ["validation", "epoch_loss", 1, Number.NaN],
      ["train", "epoch_loss", 5_000_000_000, Number.POSITIVE_INFINITY],
    ];
    for (const [run, tag, step, value] of written) writer.scalar(run, tag, step, value);
    await writer.close();
    const after = Date.now() / 1000;

    expect((await fs.readdir(logDir)).sort()).toEqual(["train", "validation"]);
    for (const run of ["train", "validation"] as const) {
      const { name, header, scalars } = await readRun(logDir, run);
      const match = /^events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)\.v2$/.exec(name);
      expect(match, name).not.toBeNull();
      const [, seconds, host, pid] = match as RegExpExecArray;
      expect(Number(seconds)).toBeGreaterThanOrEqual(Math.floor(before));
      expect(Number(seconds)).toBeLessThanOrEqual(after);
      expect(host).toBe(os.hostname());
      expect(Number(pid)).toBe(process.pid);

      expect(text(only(header, 3))).toBe("brain.Event:2");
      expect(double(only(header, 1))).toBeGreaterThanOrEqual(before - 1);

      const expected = written.filter(([r]) => r === run);
      expect(scalars.map((s) => [s.tag, s.step])).toEqual(expected.map(([, tag, step]) => [tag, BigInt(step)]));
      scalars.forEach((s, i) => {
        const value = (expected[i] as [string, string, number, number])[3];
        if (Number.isNaN(value)) expect(s.value).toBeNaN();
        else expect(s.value).toBe(Math.fround(value));
        expect(s.wallTime).toBeGreaterThanOrEqual(before - 1);
        expect(s.wallTime).toBeLessThanOrEqual(after + 1);
      });
    }
    expect(Object.keys(writer.files).sort()).toEqual(["train", "validation"]);
  });

  it("flush() makes every queued scalar readable while the writer stays open; later scalars follow", async () => {
    const logDir = freshLogDir();
    const writer = new TensorBoardWriter(logDir);
    writer.scalar("train", "batch_loss", 1, 2.5);
    await writer.flush();
    expect((await readRun(logDir, "train")).scalars.map((s) => s.value)).toEqual([2.5]);
    await expect(fs.stat(path.join(logDir, "validation"))).rejects.toThrow();
    writer.scalar("train", "batch_loss", 2, 1.25);
    writer.scalar("train", "batch_loss", 3, 0.625);
    await writer.flush();
    expect((await readRun(logDir, "train")).scalars.map((s) => [s.step, s.value])).toEqual([
      [1n, 2.5],
      [2n, 1.25],
      [3n, 0.625],
    ]);
    await writer.close();
    expect(() => writer.scalar("train", "batch_loss", 4, 0)).toThrow(/closed/);
  });

  it("two writers in one process get distinct files", async () => {
    const logDir = freshLogDir();
    const first = new TensorBoardWriter(logDir);
    const second = new TensorBoardWriter(logDir);
    first.scalar("train", "epoch_loss", 0, 1);
    second.scalar("train", "epoch_loss", 0, 2);
    await Promise.all([first.close(), second.close()]);
    const names = await fs.readdir(path.join(logDir, "train"));
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });

  it("a log dir under a file gives a WriteError naming the path, raised by flush and by later scalars", async () => {
    const parent = path.dirname(freshLogDir());
    await fs.mkdir(parent, { recursive: true });
    const blocker = path.join(parent, "blocker");
    await fs.writeFile(blocker, "x");
    const logDir = path.join(blocker, "logs");
    const writer = new TensorBoardWriter(logDir);
    writer.scalar("train", "epoch_loss", 0, 1);
    const failure = writer.flush();
    await expect(failure).rejects.toBeInstanceOf(WriteError);
    const error = (await failure.catch((e: unknown) => e)) as WriteError;
    expect(error.path).toBe(path.join(logDir, "train"));
    expect(error.message).toContain(`"${blocker}" is a file, not a directory`);
    expect(() => writer.scalar("train", "epoch_loss", 1, 1)).toThrow(WriteError);
    await expect(writer.close()).rejects.toBeInstanceOf(WriteError);
  });

  it("rejects a run other than train/validation and a fractional step", () => {
    const writer = new TensorBoardWriter(freshLogDir());
    expect(() => writer.scalar("test" as "train", "x", 0, 1)).toThrow(/unknown TensorBoard run "test"/);
    expect(() => writer.scalar("train", "x", 1.5, 1)).toThrow(/step must be an integer/);
  });
});

describe("scalarsForLogs (Keras TensorBoard naming)", () => {
  const table: Array<{ name: string; kind: "epoch" | "batch"; metrics: Record<string, number | undefined>; lr: number; expected: ReturnType<typeof scalarsForLogs> }> = [
    {
      name: "epoch: train metrics and lr in train, val_ metrics in validation without the prefix",
      kind: "epoch",
      metrics: { loss: 0.5, acc: 0.75, val_loss: 0.6, val_acc: 0.7 },
      lr: 0.01,
      expected: [
        { run: "train", tag: "epoch_loss", value: 0.5 },
        { run: "train", tag: "epoch_acc", value: 0.75 },
        { run: "train", tag: "epoch_learning_rate", value: 0.01 },
        { run: "validation", tag: "epoch_loss", value: 0.6 },
        { run: "validation", tag: "epoch_acc", value: 0.7 },
      ],
    },
    {
      name: "epoch: metrics without a value are skipped",
      kind: "epoch",
      metrics: { loss: 0.5, val_loss: undefined },
      lr: 0.1,
      expected: [
        { run: "train", tag: "epoch_loss", value: 0.5 },
        { run: "train", tag: "epoch_learning_rate", value: 0.1 },
      ],
    },
    {
      name: "batch: every log as batch_<name> in train, plus the learning rate",
      kind: "batch",
      metrics: { loss: 2, acc: 0.25 },
      lr: 0.001,
      expected: [
        { run: "train", tag: "batch_loss", value: 2 },
        { run: "train", tag: "batch_acc", value: 0.25 },
        { run: "train", tag: "batch_learning_rate", value: 0.001 },
      ],
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(scalarsForLogs(row.kind, row.metrics, row.lr)).toEqual(row.expected);
    });
  }
});
