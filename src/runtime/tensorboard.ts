// TensorBoard event files in pure JS, laid out as Keras' TensorBoard callback writes them (logDir/train, logDir/validation).
//
// Each scalar is written the way TF2's `tf.summary.scalar` writes it: a
// Summary.Value with a rank-0 DT_FLOAT tensor (tensor_content, little endian)
// and metadata naming the "scalars" plugin with data_class DATA_CLASS_SCALAR.
// TensorBoard's scalar dashboard, `tensorboard.backend.event_processing` and
// tbparse all read this form; it is also what Keras 3 produces.
//
// Records use TFRecord framing: uint64 length, masked CRC32C of the length,
// the serialized Event, masked CRC32C of the Event (all little endian).

import { crc32c } from "@aws-crypto/crc32c";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { WriteError, ensureDir, reopenAt, toWriteError } from "./atomic.js";
import { checkState } from "./state.js";
import { DATA_CLASS_SCALAR, DT_FLOAT, encodeEvent } from "./tensorboard-proto.js";

/** The event files a TensorBoardWriter has open, and how many bytes of each are complete records. */
export interface TensorBoardWriterState {
  v: 1;
  logDir: string;
  files: Array<{ run: TensorBoardRun; path: string; length: number }>;
}

export type TensorBoardRun = "train" | "validation";

export interface TensorBoardScalar {
  run: TensorBoardRun;
  tag: string;
  value: number;
}

/** TFRecord's CRC mask, so a CRC of data that itself holds CRCs is not trivially zero. */
export function maskCrc32c(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, masked CRC of the length, data, masked CRC of the data. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const record = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(record.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc32c(crc32c(record.subarray(0, 8))), true);
  record.set(data, 12);
  view.setUint32(12 + data.length, maskCrc32c(crc32c(data)), true);
  return record;
}

function scalarTensorContent(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return bytes;
}

/** The serialized Event of one scalar, as tf.summary.scalar writes it. */
export function scalarEvent(tag: string, step: number, value: number, wallTime: number): Uint8Array {
  return encodeEvent({
    wall_time: wallTime,
    step,
    summary: {
      value: [
        {
          tag,
          metadata: { plugin_data: { plugin_name: "scalars", content: new Uint8Array(0) }, data_class: DATA_CLASS_SCALAR },
          tensor: { dtype: DT_FLOAT, tensor_shape: {}, tensor_content: scalarTensorContent(value) },
        },
      ],
    },
  });
}

/**
 * The scalars Keras' TensorBoard callback writes for these logs. Epoch level:
 * `loss` -> train `epoch_loss`, `val_loss` -> validation `epoch_loss`, the
 * learning rate -> train `epoch_learning_rate`. Batch level, as Keras writes
 * every batch log: `loss` -> train `batch_loss`, plus train
 * `batch_learning_rate` (Keras has no batch-level learning rate; the rules
 * language logs `lr` wherever it logs metrics). Metrics without a value are skipped.
 */
export function scalarsForLogs(kind: "epoch" | "batch", metrics: Record<string, number | undefined>, lr: number): TensorBoardScalar[] {
  const train: TensorBoardScalar[] = [];
  const validation: TensorBoardScalar[] = [];
  for (const [name, value] of Object.entries(metrics)) {
    if (value === undefined) continue;
    if (kind === "epoch" && name.startsWith("val_")) {
      validation.push({ run: "validation", tag: `epoch_${name.slice(4)}`, value });
    } else {
      train.push({ run: "train", tag: `${kind}_${name}`, value });
    }
  }
  train.push({ run: "train", tag: `${kind}_learning_rate`, value: lr });
  return [...train, ...validation];
}

// A process-wide counter, as TF numbers the event files a process opens.
let eventFileCounter = 0;

interface RunFile {
  path: string | undefined;
  handle: fs.FileHandle | undefined;
  queued: Uint8Array[];
  /** Bytes written to the file. */
  length: number;
}

/**
 * Writes scalars to `logDir/train/events.out.tfevents.<secs>.<host>.<pid>.<n>.v2`
 * and `logDir/validation/...`, each file starting with `file_version: "brain.Event:2"`.
 * scalar() only queues; records reach the file in the background, and flush()
 * waits until they are in it (handed to the OS: any reader sees them, a killed
 * process loses nothing). Only close() fsyncs, since an fsync per batch costs
 * about 2 ms on an ordinary disk. A write failure is raised, as a WriteError
 * naming the file, by the next scalar(), flush() or close().
 */
export class TensorBoardWriter {
  readonly logDir: string;
  private readonly runs = new Map<TensorBoardRun, RunFile>();
  private writing: Promise<void> = Promise.resolve();
  private failure: WriteError | undefined;
  private closed = false;

  constructor(logDir: string) {
    this.logDir = logDir;
  }

  /** The event files created so far, by run. */
  get files(): Partial<Record<TensorBoardRun, string>> {
    const files: Partial<Record<TensorBoardRun, string>> = {};
    for (const [run, file] of this.runs) if (file.path !== undefined) files[run] = file.path;
    return files;
  }

  scalar(run: TensorBoardRun, tag: string, step: number, value: number): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new Error(`TensorBoardWriter for "${this.logDir}" is closed`);
    if (run !== "train" && run !== "validation") throw new RangeError(`unknown TensorBoard run "${String(run)}": use "train" or "validation"`);
    if (!Number.isSafeInteger(step)) throw new RangeError(`TensorBoard step must be an integer, got ${step}`);
    const file = this.runFile(run);
    file.queued.push(frameRecord(scalarEvent(tag, step, value, Date.now() / 1000)));
    this.writing = this.writing.then(() => this.drain());
  }

  /** Waits until every queued scalar is in the file, where TensorBoard and other readers see it. */
  async flush(): Promise<void> {
    this.writing = this.writing.then(() => this.drain());
    await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Flushes, fsyncs and closes the files; the writer takes no more scalars. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
      for (const file of this.runs.values()) {
        try {
          await file.handle?.sync();
        } catch (error) {
          this.failure ??= await toWriteError(file.path ?? this.logDir, error);
          throw this.failure;
        }
      }
    } finally {
      for (const file of this.runs.values()) {
        await file.handle?.close().catch(() => undefined);
        file.handle = undefined;
      }
    }
  }

  private runFile(run: TensorBoardRun): RunFile {
    let file = this.runs.get(run);
    if (file === undefined) {
      file = { path: undefined, handle: undefined, queued: [], length: 0 };
      this.runs.set(run, file);
    }
    return file;
  }

  private async drain(): Promise<void> {
    if (this.failure !== undefined) return;
    for (const [run, file] of this.runs) {
      if (file.queued.length === 0) continue;
      const records = file.queued.splice(0);
      try {
        const handle = file.handle ?? (await this.open(run, file));
        const bytes = concat(records);
        await handle.writeFile(bytes);
        file.length += bytes.length;
      } catch (error) {
        this.failure = await toWriteError(file.path ?? path.join(this.logDir, run), error);
        return;
      }
    }
  }

  private async open(run: TensorBoardRun, file: RunFile): Promise<fs.FileHandle> {
    const dir = path.join(this.logDir, run);
    await ensureDir(dir);
    const now = Date.now() / 1000;
    eventFileCounter += 1;
    const seconds = String(Math.floor(now)).padStart(10, "0");
    file.path = path.join(dir, `events.out.tfevents.${seconds}.${os.hostname()}.${process.pid}.${eventFileCounter}.v2`);
    const handle = await fs.open(file.path, "wx");
    file.handle = handle;
    const header = frameRecord(encodeEvent({ wall_time: now, file_version: "brain.Event:2" }));
    await handle.writeFile(header);
    file.length = header.length;
    return handle;
  }

  /** The open files once everything queued is in them and fsynced, so a backup never refers to records a crash could lose. */
  async state(): Promise<TensorBoardWriterState> {
    await this.flush();
    const files: TensorBoardWriterState["files"] = [];
    for (const [run, file] of this.runs) {
      if (file.path === undefined || file.handle === undefined) continue;
      try {
        await file.handle.sync();
      } catch (error) {
        throw await toWriteError(file.path, error);
      }
      files.push({ run, path: file.path, length: file.length });
    }
    return { v: 1, logDir: this.logDir, files };
  }

  /**
   * Reopens the event files where `state` left them: records a killed run
   * wrote after that point are cut off, so no step is written twice.
   */
  static async resume(saved: unknown): Promise<TensorBoardWriter> {
    const state = checkState<TensorBoardWriterState>("TensorBoard writer", saved, 1);
    const writer = new TensorBoardWriter(state.logDir);
    try {
      for (const entry of state.files) {
        const file = writer.runFile(entry.run);
        file.handle = await reopenAt(entry.path, entry.length, "the TensorBoard event file");
        file.path = entry.path;
        file.length = entry.length;
      }
    } catch (error) {
      await writer.close().catch(() => undefined);
      throw error;
    }
    return writer;
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}
