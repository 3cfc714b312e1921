// TensorBoardWriter, checked by an independent reader: TFRecord framing, CRC32C, and Event/Summary protobuf decoded by hand.

import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WriteError } from "../src/runtime/atomic.js";
import { TensorBoardWriter, scalarsForLogs } from "../src/runtime/tensorboard.js";

// ---------------------------------------------------------------------------
// Independent reader

const CASTAGNOLI_REFLECTED = 0x82f63b78;
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI_REFLECTED : c >>> 1;
  return c >>> 0;
});
function crc32cReference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
function masked(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

function readRecords(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < file.length) {
    const lengthBytes = file.subarray(offset, offset + 8);
    const length = Number(view.getBigUint64(offset, true));
    expect(view.getUint32(offset + 8, true), "length CRC").toBe(masked(crc32cReference(lengthBytes)));
    const data = file.subarray(offset + 12, offset + 12 + length);
    expect(view.getUint32(offset + 12 + length, true), "data CRC").toBe(masked(crc32cReference(data)));
    records.push(data);
    offset += 12 + length + 4;
  }
  expect(offset).toBe(file.length);
  return records;
}

type WireValue = { wire: 0; value: bigint } | { wire: 1; bytes: Uint8Array } | { wire: 2; bytes: Uint8Array } | { wire: 5; bytes: Uint8Array };

/** Protobuf wire format: field number -> values in order. */
function decodeMessage(bytes: Uint8Array): Map<number, WireValue[]> {
  const fields = new Map<number, WireValue[]>();
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[offset] as number;
      offset += 1;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value: WireValue;
    if (wire === 0) value = { wire: 0, value: varint() };
    else if (wire === 1) {
      value = { wire: 1, bytes: bytes.subarray(offset, offset + 8) };
      offset += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      value = { wire: 2, bytes: bytes.subarray(offset, offset + length) };
      offset += length;
    } else if (wire === 5) {
      value = { wire: 5, bytes: bytes.subarray(offset, offset + 4) };
      offset += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

function only(fields: Map<number, WireValue[]>, field: number): WireValue {
  const values = fields.get(field) ?? [];
  expect(values, `field ${field}`).toHaveLength(1);
  return values[0] as WireValue;
}
function bytesOf(value: WireValue): Uint8Array {
  if (value.wire === 0) throw new Error("varint where bytes were expected");
  return value.bytes;
}
function text(value: WireValue): string {
  return new TextDecoder().decode(bytesOf(value));
}
function double(value: WireValue): number {
  const bytes = bytesOf(value);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
}
function integer(value: WireValue): bigint {
  if (value.wire !== 0) throw new Error("bytes where a varint was expected");
  return value.value;
}

interface DecodedScalar {
  wallTime: number;
  step: bigint;
  tag: string;
  value: number;
}

/** Checks one Event holds one TF2-style scalar and returns it. */
function decodeScalarEvent(record: Uint8Array): DecodedScalar {
  const event = decodeMessage(record);
  const summary = decodeMessage(bytesOf(only(event, 5)));
  const value = decodeMessage(bytesOf(only(summary, 1)));
  const metadata = decodeMessage(bytesOf(only(value, 9)));
  const pluginData = decodeMessage(bytesOf(only(metadata, 1)));
  expect(text(only(pluginData, 1))).toBe("scalars");
  expect(integer(only(metadata, 4))).toBe(1n); // DATA_CLASS_SCALAR
  const tensor = decodeMessage(bytesOf(only(value, 8)));
  expect(integer(only(tensor, 1))).toBe(1n); // DT_FLOAT
  expect(bytesOf(only(tensor, 2))).toHaveLength(0); // rank 0: a shape with no dims
  const content = bytesOf(only(tensor, 4));
  expect(content).toHaveLength(4);
  return {
    wallTime: double(only(event, 1)),
    step: event.has(2) ? integer(only(event, 2)) : 0n,
    tag: text(only(value, 1)),
    value: new DataView(content.buffer, content.byteOffset, 4).getFloat32(0, true),
  };
}

async function readRun(logDir: string, run: string): Promise<{ name: string; header: Map<number, WireValue[]>; scalars: DecodedScalar[] }> {
  const names = await fs.readdir(path.join(logDir, run));
  expect(names).toHaveLength(1);
  const name = names[0] as string;
  const records = readRecords(new Uint8Array(await fs.readFile(path.join(logDir, run, name))));
  const header = decodeMessage(records[0] as Uint8Array);
  return { name, header, scalars: records.slice(1).map(decodeScalarEvent) };
}

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
