// Recorded training histories for `cbc simulate`: Keras' and cbc's CSV logs, tfjs' and Keras' JSON
// dumps, and TensorBoard log directories in Keras' layout, read into one shape.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { parse as csvParse } from "csv-parse/sync";
import JSON5 from "json5";

/** One epoch as the fit loop reported it at epoch end. */
export interface HistoryEpoch {
  /** The epoch index (0-based, as Keras and tfjs number them). */
  epoch: number;
  /** Metric values; a metric without a value that epoch is absent. NaN and infinities are kept. */
  logs: Record<string, number>;
  /** The learning rate the history recorded for this epoch (`lr` or `learning_rate`), if any. */
  lr?: number;
}

export type HistoryFormat = "csv" | "json" | "tensorboard";

export interface History {
  /** The path as the user wrote it, for messages. */
  file: string;
  format: HistoryFormat;
  /** Metric names in the order the history lists them (`lr` / `learning_rate` excluded). */
  metrics: string[];
  /** Consecutive epochs, oldest first. */
  epochs: HistoryEpoch[];
}

/** Unreadable or inconsistent history: the message names the file and the line or key. */
export class HistoryError extends Error {
  override name = "HistoryError";
}

/** Columns and keys that hold the learning rate rather than a metric. */
const LR_KEYS = new Set(["lr", "learning_rate"]);

/**
 * Reads a history file or TensorBoard log directory. The format comes from the
 * name (`.json`; a directory is a TensorBoard log dir; anything else is CSV).
 */
export async function readHistory(file: string, cwd: string): Promise<History> {
  const absolute = path.resolve(cwd, file);
  let info;
  try {
    info = await fs.stat(absolute);
  } catch (error) {
    throw new HistoryError(`cannot read ${file}: ${fsReason(error)}`);
  }
  if (info.isDirectory()) {
    const { readTensorBoardHistory } = await import("./tensorboard-history.js");
    return readTensorBoardHistory(absolute, file);
  }
  let text: string;
  try {
    text = await fs.readFile(absolute, "utf8");
  } catch (error) {
    throw new HistoryError(`cannot read ${file}: ${fsReason(error)}`);
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const looksLikeJson = /^\s*[[{]/.test(text);
  return file.toLowerCase().endsWith(".json") || looksLikeJson ? parseJsonHistory(text, file) : parseCsvHistory(text, file);
}

function fsReason(error: unknown): string {
  const code = typeof error === "object" && error !== null && "code" in error ? (error as { code: unknown }).code : undefined;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

/**
 * A number as Python (and so Keras) writes it: `0.25`, `1e-05`, `nan`, `inf`,
 * `-inf`; JavaScript's `NaN` and `Infinity` too. Empty and `NA` are no value
 * (undefined). Anything else: null, for the caller to report.
 */
export function parseValue(text: string): number | undefined | null {
  const cell = text.trim();
  if (cell === "" || cell === "NA" || cell === "None" || cell === "null") return undefined;
  const lower = cell.toLowerCase();
  if (lower === "nan" || lower === "+nan" || lower === "-nan") return NaN;
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") return Infinity;
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  // Number("") and Number("0x10") are not Python floats; a decimal literal is.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cell)) return null;
  return Number(cell);
}

// ------------------------------------------------------------------ CSV

const SEPARATORS = [",", ";", "\t"] as const;

/** The separator of a CSV log: the one of `,` `;` tab that the header line holds most often. */
function detectSeparator(headerLine: string): string {
  let best: string = ",";
  let bestCount = 0;
  for (const separator of SEPARATORS) {
    const count = headerLine.split(separator).length - 1;
    if (count > bestCount) {
      best = separator;
      bestCount = count;
    }
  }
  return best;
}

/**
 * A CSV log as Keras' CSVLogger (csv.DictWriter, `\r\n`, `NA` for a missing
 * value) or cbc's `log to` writes it: a header with an `epoch` column, metric
 * columns, optionally `lr` or `learning_rate`, one row per epoch.
 */
export function parseCsvHistory(text: string, file: string): History {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? "";
  if (firstLine.trim() === "") throw new HistoryError(`${file}:1: the file is empty or starts with an empty line; expected a header such as epoch,loss,val_loss`);
  const separator = detectSeparator(firstLine);
  const rows = parseCsvRows(text, file, separator);
  const header = rows[0];
  if (header === undefined) throw new HistoryError(`${file}: no header line`);
  const names = header.cells.map((cell) => cell.trim());
  const epochColumn = names.indexOf("epoch");
  if (epochColumn < 0) {
    throw new HistoryError(`${file}:${header.line}: no \`epoch\` column in the header (${names.map((n) => JSON.stringify(n)).join(", ")}); a CSV history has the columns epoch, the metrics and optionally lr or learning_rate`);
  }
  const seen = new Map<string, number>();
  names.forEach((name, column) => {
    if (name === "") throw new HistoryError(`${file}:${header.line}: column ${column + 1} of the header has no name`);
    const earlier = seen.get(name);
    if (earlier !== undefined) throw new HistoryError(`${file}:${header.line}: the header names \`${name}\` twice (columns ${earlier + 1} and ${column + 1})`);
    seen.set(name, column);
  });
  const lrColumns = names.filter((name) => LR_KEYS.has(name));
  if (lrColumns.length > 1) throw new HistoryError(`${file}:${header.line}: the header has both \`lr\` and \`learning_rate\`; keep one`);
  const metrics = names.filter((name, column) => column !== epochColumn && !LR_KEYS.has(name));

  const epochs: HistoryEpoch[] = [];
  const lineOfEpoch: number[] = [];
  for (const row of rows.slice(1)) {
    if (row.cells.length !== names.length) {
      throw new HistoryError(`${file}:${row.line}: ${row.cells.length} fields, but the header has ${names.length} (separator ${JSON.stringify(separator)})`);
    }
    const epochCell = row.cells[epochColumn] ?? "";
    const epoch = Number(epochCell.trim());
    if (epochCell.trim() === "" || !Number.isInteger(epoch) || epoch < 0) {
      throw new HistoryError(`${file}:${row.line}: epoch ${JSON.stringify(epochCell)} is not an epoch index (0, 1, 2, ...)`);
    }
    const record: HistoryEpoch = { epoch, logs: {} };
    names.forEach((name, column) => {
      if (column === epochColumn) return;
      const cell = row.cells[column] ?? "";
      const value = parseValue(cell);
      if (value === null) throw new HistoryError(`${file}:${row.line}: column \`${name}\`: ${JSON.stringify(cell)} is not a number (expected e.g. 0.25, 1e-05, nan, inf, -inf; empty or NA for no value)`);
      if (value === undefined) return;
      if (LR_KEYS.has(name)) record.lr = value;
      else record.logs[name] = value;
    });
    epochs.push(record);
    lineOfEpoch.push(row.line);
  }
  checkConsecutive(epochs, (index) => `${file}:${lineOfEpoch[index]}`);
  return { file, format: "csv", metrics, epochs };
}

interface CsvRow {
  /** 1-based line where the row starts. */
  line: number;
  cells: string[];
}

function parseCsvRows(text: string, file: string, separator: string): CsvRow[] {
  // Without a quote a CSV file is lines of cells: split it directly (a 10,000-epoch log in a few ms).
  if (!text.includes('"')) {
    const rows: CsvRow[] = [];
    text.split(/\r\n|\n|\r/).forEach((line, index) => {
      if (line !== "") rows.push({ line: index + 1, cells: line.split(separator) });
    });
    return rows;
  }
  // Quoted cells: csv-parse/sync (quotes, doubled quotes, separators and line breaks inside).
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = csvParse(text, {
      delimiter: separator,
      record_delimiter: ["\r\n", "\n", "\r"],
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    const line = typeof error === "object" && error !== null && "lines" in error ? Number((error as { lines: unknown }).lines) : undefined;
    const message = error instanceof Error ? error.message.replace(/^Invalid [^:]*:\s*/, "") : String(error);
    throw new HistoryError(`${file}${line === undefined || Number.isNaN(line) ? "" : `:${line}`}: not a readable CSV file: ${message}`);
  }
  // info.lines is the line where the record ends; count back the line breaks inside it.
  return records.map(({ record, info }) => ({
    line: info.lines - record.reduce((breaks, cell) => breaks + (cell.match(/\r\n|\n|\r/g)?.length ?? 0), 0),
    cells: record,
  }));
}

/**
 * Epochs must run 0, 1, 2... or k, k+1, ... (a fit with initialEpoch k). A
 * repeated or earlier index means two runs in one file (a CSVLogger with
 * append) or a batch-level log.
 */
function checkConsecutive(epochs: readonly HistoryEpoch[], where: (index: number) => string): void {
  for (let index = 1; index < epochs.length; index++) {
    const previous = epochs[index - 1] as HistoryEpoch;
    const current = epochs[index] as HistoryEpoch;
    if (current.epoch === previous.epoch + 1) continue;
    const why =
      current.epoch <= previous.epoch
        ? current.epoch === previous.epoch
          ? "an epoch listed twice (a batch-level log? simulate reads one row per epoch)"
          : "the epochs start again (two runs in one file, e.g. a log appended to: keep one run)"
        : `epochs ${previous.epoch + 1} to ${current.epoch - 1} are missing`;
    throw new HistoryError(`${where(index)}: epoch ${current.epoch} follows epoch ${previous.epoch}: ${why}`);
  }
}

// ------------------------------------------------------------------ JSON

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * JSON in three shapes:
 * - tfjs' History: `{"epoch": [0, 1, ...], "history": {"loss": [...], ...}}`
 * - Keras' `history.history`: `{"loss": [...], "val_loss": [...]}`
 * - an array of per-epoch logs: `[{"loss": 0.9, "val_loss": 1.1}, ...]`, with an optional `epoch`.
 * Python's json module writes NaN, Infinity and -Infinity: they are read too.
 */
export function parseJsonHistory(text: string, file: string): History {
  let data: JsonValue;
  try {
    data = JSON5.parse(text) as JsonValue;
  } catch (error) {
    const where = typeof error === "object" && error !== null && "lineNumber" in error ? `:${(error as { lineNumber: number }).lineNumber}` : "";
    const message = error instanceof Error ? error.message.replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "") : String(error);
    throw new HistoryError(`${file}${where}: not valid JSON: ${message}`);
  }
  if (Array.isArray(data)) return fromLogArray(data, file);
  if (data === null || typeof data !== "object") {
    throw new HistoryError(`${file}: expected an object ({"loss": [...]}, or tfjs' {"epoch": [...], "history": {...}}) or an array of per-epoch logs, got ${describeJson(data)}`);
  }
  if ("history" in data && data.history !== null && typeof data.history === "object" && !Array.isArray(data.history)) {
    return fromColumns(data.history, "history.", data.epoch, file);
  }
  return fromColumns(data, "", undefined, file);
}

function describeJson(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

/** A JSON value as a metric value: a number (NaN and infinities included), null for none, or a Python float as a string. */
function jsonNumber(value: JsonValue | undefined, key: string, file: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const parsed = parseValue(value);
    if (parsed !== null) return parsed;
  }
  // A one-element list, as a scalar tensor's arraySync or a Keras metric of shape (1,) dumps.
  if (Array.isArray(value) && value.length === 1) return jsonNumber(value[0], key, file);
  throw new HistoryError(`${file}: ${key}: expected a number, got ${describeJson(value)}`);
}

function fromColumns(columns: { [key: string]: JsonValue }, prefix: string, epochList: JsonValue | undefined, file: string): History {
  const names = Object.keys(columns);
  if (names.length === 0) throw new HistoryError(`${file}: ${prefix === "" ? "the object" : prefix.slice(0, -1)} has no metrics`);
  let length: number | undefined;
  let lengthKey = "";
  for (const name of names) {
    const series = columns[name];
    if (!Array.isArray(series)) throw new HistoryError(`${file}: ${prefix}${name}: expected a list of per-epoch values, got ${describeJson(series ?? null)}`);
    if (length === undefined) {
      length = series.length;
      lengthKey = name;
    } else if (series.length !== length) {
      throw new HistoryError(`${file}: ${prefix}${name} has ${series.length} values but ${prefix}${lengthKey} has ${length}: every metric needs one value per epoch (null for none)`);
    }
  }
  const count = length ?? 0;
  let indices: number[];
  if (epochList === undefined) indices = Array.from({ length: count }, (_, i) => i);
  else {
    if (!Array.isArray(epochList)) throw new HistoryError(`${file}: epoch: expected a list of epoch indices, got ${describeJson(epochList)}`);
    if (epochList.length !== count) throw new HistoryError(`${file}: epoch has ${epochList.length} entries but ${prefix}${lengthKey} has ${count} values`);
    indices = epochList.map((value, i) => epochIndex(value, `epoch[${i}]`, file));
  }
  const epochs: HistoryEpoch[] = indices.map((epoch) => ({ epoch, logs: {} }));
  const lrKeys = names.filter((name) => LR_KEYS.has(name));
  if (lrKeys.length > 1) throw new HistoryError(`${file}: both ${prefix}lr and ${prefix}learning_rate are given; keep one`);
  for (const name of names) {
    const series = columns[name] as JsonValue[];
    series.forEach((raw, i) => {
      const value = jsonNumber(raw, `${prefix}${name}[${i}]`, file);
      if (value === undefined) return;
      const record = epochs[i] as HistoryEpoch;
      if (LR_KEYS.has(name)) record.lr = value;
      else record.logs[name] = value;
    });
  }
  checkConsecutive(epochs, (i) => `${file}: ${epochList === undefined ? `${prefix}${lengthKey}[${i}]` : `epoch[${i}]`}`);
  return { file, format: "json", metrics: names.filter((name) => !LR_KEYS.has(name)), epochs };
}

function epochIndex(value: JsonValue, key: string, file: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new HistoryError(`${file}: ${key}: expected an epoch index (0, 1, 2, ...), got ${JSON.stringify(value)}`);
  }
  return value;
}

function fromLogArray(entries: JsonValue[], file: string): History {
  const metrics: string[] = [];
  const known = new Set<string>();
  const epochs = entries.map((entry, i): HistoryEpoch => {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw new HistoryError(`${file}: [${i}]: expected the logs of one epoch ({"loss": 0.5, ...}), got ${describeJson(entry)}`);
    }
    const record: HistoryEpoch = { epoch: "epoch" in entry ? epochIndex(entry.epoch ?? null, `[${i}].epoch`, file) : i, logs: {} };
    if ("lr" in entry && "learning_rate" in entry) throw new HistoryError(`${file}: [${i}]: both lr and learning_rate are given; keep one`);
    for (const [name, raw] of Object.entries(entry)) {
      if (name === "epoch") continue;
      const value = jsonNumber(raw, `[${i}].${name}`, file);
      if (LR_KEYS.has(name)) {
        if (value !== undefined) record.lr = value;
        continue;
      }
      if (!known.has(name)) {
        known.add(name);
        metrics.push(name);
      }
      if (value !== undefined) record.logs[name] = value;
    }
    return record;
  });
  checkConsecutive(epochs, (i) => `${file}: [${i}].epoch`);
  return { file, format: "json", metrics, epochs };
}
