// A TensorBoard log directory in Keras' layout as a history: `train/` and `validation/` runs of event
// files (TFRecord framing, Event protobufs), `epoch_<metric>` scalars at the epoch index.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { crc32c } from "@aws-crypto/crc32c";
import { maskCrc32c } from "../runtime/tensorboard.js";
import { decodeEvent, DT_FLOAT, type SummaryValue } from "../runtime/tensorboard-proto.js";
import { HistoryError, type History, type HistoryEpoch } from "./history.js";

const DT_DOUBLE = 2;
/** Keras' runs, and the prefix each gives its metrics. */
const RUNS = [
  { run: "train", prefix: "" },
  { run: "validation", prefix: "val_" },
] as const;
const EPOCH_TAG = "epoch_";
const LR_TAG = "epoch_learning_rate";

/** Reads `dir` (shown as `shown`): the epoch scalars of its train/ and validation/ runs. */
export async function readTensorBoardHistory(dir: string, shown: string): Promise<History> {
  const byEpoch = new Map<number, HistoryEpoch>();
  const metrics: string[] = [];
  let runsFound = 0;
  for (const { run, prefix } of RUNS) {
    const files = await eventFiles(path.join(dir, run));
    if (files === undefined) continue;
    runsFound += 1;
    // Sorted by name: Keras names them events.out.tfevents.<time>..., so later fits come later and win.
    for (const name of files) {
      const file = path.join(dir, run, name);
      const shownFile = `${shown.replace(/\/+$/, "")}/${run}/${name}`;
      for (const { event, record } of readEvents(await readBytes(file, shownFile), shownFile)) {
        for (const value of event.summary?.value ?? []) {
          const tag = value.tag ?? "";
          if (!tag.startsWith(EPOCH_TAG)) continue;
          const step = event.step ?? 0;
          if (!Number.isInteger(step) || step < 0) throw new HistoryError(`${shownFile}: record ${record}: tag ${tag} at step ${step}, not an epoch index`);
          const number = scalarOf(value, `${shownFile}: record ${record}: tag ${tag}`);
          const entry = byEpoch.get(step) ?? { epoch: step, logs: {} };
          byEpoch.set(step, entry);
          if (tag === LR_TAG) {
            if (run === "train") entry.lr = number;
            continue;
          }
          const metric = prefix + tag.slice(EPOCH_TAG.length);
          if (!metrics.includes(metric)) metrics.push(metric);
          entry.logs[metric] = number;
        }
      }
    }
  }
  if (runsFound === 0) {
    throw new HistoryError(`${shown}: a directory, but not a TensorBoard log directory in Keras' layout: no train/ or validation/ with events.out.tfevents.* files (a CSV or JSON history is read from a file)`);
  }
  const epochs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  if (epochs.length === 0) throw new HistoryError(`${shown}: no epoch_* scalars in train/ or validation/ (batch-level logs are not read)`);
  for (let i = 1; i < epochs.length; i++) {
    const previous = (epochs[i - 1] as HistoryEpoch).epoch;
    const current = (epochs[i] as HistoryEpoch).epoch;
    if (current !== previous + 1) throw new HistoryError(`${shown}: epoch scalars at steps ${previous} and ${current}: epochs ${previous + 1} to ${current - 1} are missing`);
  }
  return { file: shown, format: "tensorboard", metrics, epochs };
}

async function eventFiles(runDir: string): Promise<string[] | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(runDir);
  } catch {
    return undefined;
  }
  const events = names.filter((name) => name.startsWith("events.out.tfevents.")).sort();
  return events.length === 0 ? undefined : events;
}

async function readBytes(file: string, shown: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (error) {
    throw new HistoryError(`cannot read ${shown}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** TFRecord framing: u64 length, masked CRC-32C of the length, the data, masked CRC-32C of the data. */
function* readEvents(bytes: Uint8Array, shown: string): Generator<{ event: ReturnType<typeof decodeEvent>; record: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  let record = 0;
  while (offset < bytes.length) {
    record += 1;
    const where = `${shown}: record ${record} (byte ${offset})`;
    // A file still being written may end in a partial record: TensorBoard stops there too.
    if (offset + 12 > bytes.length) return;
    const length = Number(view.getBigUint64(offset, true));
    if (view.getUint32(offset + 8, true) !== maskCrc32c(crc32c(bytes.subarray(offset, offset + 8)))) {
      throw new HistoryError(`${where}: the length's checksum does not match: not a TensorBoard event file, or damaged`);
    }
    if (offset + 12 + length + 4 > bytes.length) return;
    const data = bytes.subarray(offset + 12, offset + 12 + length);
    if (view.getUint32(offset + 12 + length, true) !== maskCrc32c(crc32c(data))) {
      throw new HistoryError(`${where}: the data's checksum does not match: the file is damaged`);
    }
    let event;
    try {
      event = decodeEvent(data);
    } catch (error) {
      throw new HistoryError(`${where}: not an Event message: ${error instanceof Error ? error.message : String(error)}`);
    }
    yield { event, record };
    offset += 12 + length + 4;
  }
}

/** A scalar as Keras writes it (a rank-0 float tensor) or as TF1 did (simple_value). */
function scalarOf(value: SummaryValue, where: string): number {
  const tensor = value.tensor;
  if (tensor === undefined) {
    if (typeof value.simple_value === "number") return value.simple_value;
    throw new HistoryError(`${where}: neither a tensor nor a simple value`);
  }
  if ((tensor.tensor_shape?.dim ?? []).some((dim) => (dim.size ?? 1) !== 1)) throw new HistoryError(`${where}: not a scalar`);
  const content = tensor.tensor_content;
  if (content !== undefined && content.length > 0) {
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    if (tensor.dtype === DT_FLOAT && content.length === 4) return view.getFloat32(0, true);
    if (tensor.dtype === DT_DOUBLE && content.length === 8) return view.getFloat64(0, true);
  } else if (tensor.dtype === DT_FLOAT && tensor.float_val?.length === 1) {
    return tensor.float_val[0] as number;
  }
  throw new HistoryError(`${where}: not a float32 or float64 scalar (dtype ${tensor.dtype ?? "unset"})`);
}
