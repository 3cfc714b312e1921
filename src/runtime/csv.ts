// The CSV training log, byte for byte as Keras' CSVLogger writes it (csv.DictWriter, excel dialect, Python float repr).

import { promises as fs, writeSync } from "node:fs";
import * as path from "node:path";

import { WriteError, reopenAt, toWriteError } from "./atomic.js";
import { badSeparator, compareCodePoints, formatCsvLine, formatCsvNumber } from "./csv-format.js";
import { pyRepr } from "./pyfloat.js";
import { checkState } from "./state.js";

export { compareCodePoints, formatCsvLine, formatCsvNumber };

/** An open CSV log: its file, columns, and how many bytes of it are complete rows. */
export interface CsvLoggerState {
  v: 1;
  path: string;
  separator: string;
  append: boolean;
  columns: string[];
  length: number;
}

export interface CsvLoggerOptions {
  /** One character between cells; "," by default. */
  separator?: string;
  /** Keep an existing file and add rows to it; the header is written only if the file is new or empty. */
  append?: boolean;
}

/**
 * Streams one row per call to a CSV file: header `epoch`, the metric columns
 * sorted by name, then `lr`. Rows reach the OS as they are written, so a reader
 * (pandas, a spreadsheet, `tail -f`) sees each row at once. Failures are
 * WriteErrors naming the file.
 */
export class CsvLogger {
  readonly path: string;
  readonly separator: string;
  readonly append: boolean;
  private handle: fs.FileHandle | undefined;
  private columns: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** Bytes in the file once the queued writes are done. */
  private length = 0;

  constructor(filePath: string, options?: CsvLoggerOptions) {
    const separator = options?.separator ?? ",";
    const bad = badSeparator(separator);
    if (bad !== undefined) throw new RangeError(bad);
    this.path = filePath;
    this.separator = separator;
    this.append = options?.append ?? false;
  }

  /** The header of the open file: epoch, the metrics by name, lr. */
  get header(): readonly string[] {
    return ["epoch", ...this.columns, "lr"];
  }

  /**
   * Opens the file at train begin. `columns` are the metric names (an `lr` or
   * `epoch` among them is not repeated). Without `append` the file is truncated.
   */
  async open(columns: readonly string[]): Promise<void> {
    await this.close();
    this.columns = [...new Set(columns)].filter((name) => name !== "epoch" && name !== "lr").sort(compareCodePoints);
    try {
      await fs.mkdir(path.dirname(path.resolve(this.path)), { recursive: true });
      let writeHeader = true;
      if (this.append) {
        const existing = await fs.stat(this.path).catch((error: NodeJS.ErrnoException) => {
          if (error.code === "ENOENT") return undefined;
          throw error;
        });
        // Keras writes the header when the file's first line is empty.
        writeHeader = existing === undefined || existing.size === 0;
        this.length = existing?.size ?? 0;
      } else {
        this.length = 0;
      }
      this.handle = await fs.open(this.path, this.append ? "a" : "w");
      if (writeHeader) this.writeText(this.handle, formatCsvLine(this.header, this.separator));
    } catch (error) {
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
      throw await toWriteError(this.path, error);
    }
  }

  /** Writes the row of one epoch (0-based, as Keras writes it); `values` holds metrics and `lr`. */
  writeRow(epoch: number, values: Record<string, number | undefined>): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) {
      return Promise.reject(new WriteError(this.path, "the CSV log is not open: call open() at train begin first"));
    }
    const cells = [
      Number.isInteger(epoch) ? String(epoch) : pyRepr(epoch),
      ...this.columns.map((name) => formatCsvNumber(values[name])),
      formatCsvNumber(values["lr"]),
    ];
    const line = formatCsvLine(cells, this.separator);
    // Rows are chained so they land in call order even if a caller does not await.
    const run = this.writing.then(async () => {
      try {
        this.writeText(handle, line);
      } catch (error) {
        throw await toWriteError(this.path, error);
      }
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /**
   * A row is a few dozen bytes into the page cache: written at once on the main thread, as
   * Keras' CSVLogger writes it. The fit loop waits for the hook either way, and the thread
   * pool's round trip (FileHandle.writeFile) costs the main thread several times the write.
   */
  private writeText(handle: fs.FileHandle, text: string): void {
    const bytes = Buffer.from(text, "utf8");
    let written = 0;
    while (written < bytes.length) written += writeSync(handle.fd, bytes, written, bytes.length - written);
    this.length += bytes.length;
  }

  /**
   * Where the log stands, once the rows written so far are on disk (fsynced):
   * a backup that records it never refers to bytes a crash could lose.
   */
  async state(): Promise<CsvLoggerState> {
    const handle = this.handle;
    if (handle === undefined) throw new WriteError(this.path, "the CSV log is not open");
    await this.writing;
    try {
      await handle.sync();
    } catch (error) {
      throw await toWriteError(this.path, error);
    }
    return { v: 1, path: this.path, separator: this.separator, append: this.append, columns: [...this.columns], length: this.length };
  }

  /**
   * Reopens a log where `state` left it: rows a killed run wrote after that
   * point are cut off, so the rows that follow are not duplicated. A file
   * shorter than the state says was changed since: a StateError naming it.
   */
  static async resume(saved: unknown): Promise<CsvLogger> {
    const state = checkState<CsvLoggerState>("CSV log", saved, 1);
    const logger = new CsvLogger(state.path, { separator: state.separator, append: state.append });
    logger.columns = [...state.columns];
    logger.handle = await reopenAt(state.path, state.length, "the CSV log");
    logger.length = state.length;
    return logger;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) return;
    this.handle = undefined;
    await this.writing;
    try {
      await handle.close();
    } catch (error) {
      throw await toWriteError(this.path, error);
    }
  }
}
