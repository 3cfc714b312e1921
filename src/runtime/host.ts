// The platform seam: the actions that need a file system, a terminal or a
// storage backend (`save model|weights to`, `keep K`, `log to`, `tensorboard`,
// `progress`) go through an ActionHost. The engine calls it and knows nothing
// of Node; node-host.ts writes files, a dry run (`cbc simulate`) records what
// would be written, a browser host saves through tfjs' IO router.
import type * as tf from "@tensorflow/tfjs";

/** The actions a host performs. */
export type HostAction = "save" | "keep" | "log" | "tensorboard" | "progress";

/** Where the progress display draws: a stream with `write` (process.stdout on Node). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** A CSV log opened by `log to PATH`: one per path and fit. */
export interface CsvSink {
  /** Train begin (first row of a fit): `columns` are the metrics the fit loop reports. */
  open(columns: readonly string[]): Promise<void>;
  /** One row: `epoch` (0-based) and the values by column, `lr` among them. */
  writeRow(epoch: number, values: Record<string, number | undefined>): Promise<void>;
  /** Flush and close; takes no more rows. */
  close(): Promise<void>;
  /** Where the log stands, as JSON (BackupAndRestore); the host's resumeCsv() reopens it there. */
  state?(): Promise<unknown>;
}

/** TensorBoard scalars for one log dir. */
export interface ScalarSink {
  /** The reported metrics and `lr` of one event, at `step` (epoch index or global batch count). */
  write(kind: "epoch" | "batch", step: number, metrics: Record<string, number | undefined>, lr: number): Promise<void>;
  close(): Promise<void>;
  /** Where the event files stand, as JSON (BackupAndRestore); the host's resumeTensorBoard() reopens them there. */
  state?(): Promise<unknown>;
}

/** The progress display of one fit. */
export interface ProgressSink {
  epochBegin(epoch: number): void;
  batchEnd(epoch: number, batchesDone: number, metrics?: ReadonlyArray<[string, number]>): void;
  epochEnd(epoch: number, metrics: ReadonlyArray<[string, number]>): void;
  finish(): void;
}

export interface ActionHost {
  /** "node", "browser", "dry-run": named in error messages. */
  readonly platform: string;
  /**
   * Why `action` cannot run here (for `save`, with this target), or undefined
   * when it can. The engine asks before it acts and raises a RuleError naming the rule.
   */
  unsupported?(action: HostAction, target?: string): string | undefined;
  /** Write a checkpoint: the whole model (topology + weights) or only the weights. */
  saveCheckpoint(model: tf.LayersModel, target: string, what: "model" | "weights"): Promise<void>;
  /** Delete a checkpoint that `keep K` dropped (and whatever the save left beside it). */
  removeCheckpoint(target: string): Promise<void>;
  /** One identity per checkpoint location, so two spellings of a path count once. */
  checkpointKey(target: string): string;
  openCsv(path: string, options: { separator?: string | undefined; append?: boolean | undefined }): CsvSink;
  openTensorBoard(dir: string): ScalarSink;
  /** Reopen a CSV log where a sink's state() left it, dropping rows written after (a resumed run). */
  resumeCsv?(state: unknown): Promise<CsvSink>;
  /** Reopen TensorBoard event files where a sink's state() left them. */
  resumeTensorBoard?(state: unknown): Promise<ScalarSink>;
  /**
   * The progress display for a fit. `stream` is the callback's progressStream
   * (undefined: the host's default); `params` are the fit's params (epochs, steps, samples).
   */
  openProgress(stream: ProgressStream | undefined, params: Record<string, unknown> | undefined, startedAt: number): ProgressSink;
  /** A line from `print` or `verbose`; absent: console.log. A dry run keeps the terminal quiet. */
  printLine?(line: string): void;
}

/** Until a platform entry installs one: every platform action fails, saying so. */
export const noHost: ActionHost = {
  platform: "none",
  unsupported: () => "no platform host is installed: import the runtime through its package entry (cbc-runtime), or call setActionHost()",
  saveCheckpoint: () => Promise.reject(new Error("no platform host")),
  removeCheckpoint: () => Promise.reject(new Error("no platform host")),
  checkpointKey: (target) => target,
  openCsv: () => {
    throw new Error("no platform host");
  },
  openTensorBoard: () => {
    throw new Error("no platform host");
  },
  openProgress: () => {
    throw new Error("no platform host");
  },
};

let defaultHost: ActionHost = noHost;

/** The host every callback constructed from now on uses (each callback can be given its own: `callback.host = ...`). */
export function setActionHost(host: ActionHost): void {
  defaultHost = host;
}

export function currentActionHost(): ActionHost {
  return defaultHost;
}
