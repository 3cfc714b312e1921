// An independent TensorBoard event-file reader for tests: TFRecord framing and both masked CRC32Cs (table-driven
// CRC, not the runtime's), and the Event/Summary protobuf decoded by hand from the wire format.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";

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

/** The records of an event file; checks the length CRC and data CRC of each, and that nothing trails. */
export function readRecords(file: Uint8Array): Uint8Array[] {
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

export type WireValue = { wire: 0; value: bigint } | { wire: 1; bytes: Uint8Array } | { wire: 2; bytes: Uint8Array } | { wire: 5; bytes: Uint8Array };

/** Protobuf wire format: field number -> values in order. */
export function decodeMessage(bytes: Uint8Array): Map<number, WireValue[]> {
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

export function only(fields: Map<number, WireValue[]>, field: number): WireValue {
  const values = fields.get(field) ?? [];
  expect(values, `field ${field}`).toHaveLength(1);
  return values[0] as WireValue;
}
export function bytesOf(value: WireValue): Uint8Array {
  if (value.wire === 0) throw new Error("varint where bytes were expected");
  return value.bytes;
}
export function text(value: WireValue): string {
  return new TextDecoder().decode(bytesOf(value));
}
export function double(value: WireValue): number {
  const bytes = bytesOf(value);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
}
export function integer(value: WireValue): bigint {
  if (value.wire !== 0) throw new Error("bytes where a varint was expected");
  return value.value;
}

export interface DecodedScalar {
  wallTime: number;
  step: bigint;
  tag: string;
  value: number;
}

/** Checks one Event holds one TF2-style scalar and returns it. */
export function decodeScalarEvent(record: Uint8Array): DecodedScalar {
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

/** The one event file of `run` in `logDir`: its name, file_version header and scalar events. */
export async function readRun(logDir: string, run: string): Promise<{ name: string; header: Map<number, WireValue[]>; scalars: DecodedScalar[] }> {
  const names = await fs.readdir(path.join(logDir, run));
  expect(names).toHaveLength(1);
  const name = names[0] as string;
  const records = readRecords(new Uint8Array(await fs.readFile(path.join(logDir, run, name))));
  const header = decodeMessage(records[0] as Uint8Array);
  return { name, header, scalars: records.slice(1).map(decodeScalarEvent) };
}

