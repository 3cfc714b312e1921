// BackupAndRestore: a killed fit resumes exactly where its last backup left
// it, with the model, the optimizer and the state of every cbc callback.
//
// Layout of `backupDir`:
//   latest/backup.json   header (format, version, epoch, checksums) + state as JSON
//   latest/tensors.bin   every tensor the state refers to (tf.io weights encoding)
//   previous/...         the backup before it (doubleCheckpoint only)
// `latest` is replaced with writeDirectoryAtomic (staged beside it, swapped in
// through `latest.prev`), so a process killed at any moment leaves a complete
// backup behind: `latest`, or `latest.prev` mid-swap, or with doubleCheckpoint
// `previous` while `latest` is being rewritten.
//
// When: tfjs' fit cannot start in the middle of an epoch, so every backup
// holds the state at the start of an epoch, taken at epoch begin, when every
// other callback has finished the previous epoch end (the backup callback
// comes first in the list, so it runs before their epoch-begin rules). With
// saveFreq "epoch" it is written then; with saveFreq N it is written when
// the global batch count reaches a multiple of N, at most once per epoch, and
// still holds the state of that epoch's start: a resumed run repeats the
// batches of that epoch and ends bit for bit where an uninterrupted one would.
//
// How: the hook captures the state (copies of the tensors, the JSON, the
// checksums: about 2 ms for a 0.6 MB model with Adam) and the fit goes on
// while the files are written and fsynced in the background (most of a
// backup's cost). At most one write is in flight: the next backup, restore()
// and train end wait for it and rethrow its failure. A process killed before
// the write is in place resumes from the backup before it, exactly as one
// killed in the middle of a synchronous write would.

import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { PREVIOUS_SUFFIX, fsyncDir, removePath, statOrUndefined, toWriteError, writeDirectoryAtomic } from "./atomic.js";
import { RulesCallback, type CallbackSignature, type RulesCallbackState } from "./engine.js";
import { optimizerClassName, setLearningRate } from "./lr.js";
import { optimizerState, restoreOptimizerState, type OptimizerState } from "./optimizer-state.js";
import { OptionsError, option, parseOptions } from "./options.js";
import { parseState, stringifyState } from "./state.js";
import { filePathOf } from "./storage-url.js";
import { TensorBundle } from "./tensor-bundle.js";

export const BACKUP_JSON_FILE = "backup.json";
export const BACKUP_TENSORS_FILE = "tensors.bin";
export const LATEST_BACKUP = "latest";
export const PREVIOUS_BACKUP = "previous";
/** The backup format this code writes, and the newest it reads. */
export const BACKUP_FORMAT_VERSION = 1;
const BACKUP_FILES = new Set([BACKUP_JSON_FILE, BACKUP_TENSORS_FILE]);

export interface BackupAndRestoreOptions {
  /** Where backups are kept; required. Use one directory per run. */
  backupDir: string;
  /** "epoch" (the default): a backup at each epoch start; N: when the global batch count reaches a multiple of N (see the README). */
  saveFreq?: "epoch" | number;
  /** Keep the backup before the latest too, and fall back to it when the latest cannot be read. */
  doubleCheckpoint?: boolean;
  /** Remove the backups when fit ends normally (train end). Default true. */
  deleteCheckpoint?: boolean;
}

const BackupAndRestoreSchema = option.object({
  backupDir: option.nonEmptyString("expected a directory path"),
  saveFreq: option.withDefault(
    option.either(option.literal("epoch"), option.int({ min: { value: 1, inclusive: true } }), 'expected "epoch" or an integer >= 1'),
    "epoch",
  ),
  doubleCheckpoint: option.withDefault(option.bool(), false),
  deleteCheckpoint: option.withDefault(option.bool(), true),
});

/** A backup that cannot be used: unreadable, damaged, too new, or made for another model or callback list. Names the file. */
export class BackupError extends Error {
  override name = "BackupError";
  /** Written by a newer cbc: no fallback to an older backup may hide that. */
  readonly tooNew: boolean;
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown; tooNew?: boolean },
  ) {
    super(`backup "${path}": ${reason}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.tooNew = options?.tooNew ?? false;
  }
}

/** backup.json */
interface BackupFile {
  format: "cbc-backup";
  formatVersion: number;
  generatedBy: string;
  /** The epoch the resumed fit starts at (its initialEpoch). */
  epoch: number;
  tensors: { file: string; bytes: number; sha256: string; specs: tf.io.WeightsManifestEntry[] };
  /** SHA-256 of the body as written (stringifyState output). */
  bodySha256: string;
  body: BackupBody;
}

interface BackupBody {
  /** The global batch count at the backup (for saveFreq N). */
  step: number;
  model: { weights: Array<{ name: string; shape: number[]; dtype: string; key: string }> };
  optimizer: OptimizerState;
  /** Every callback of the list after the BackupAndRestore: cbc ones with their options and state, others by class name. */
  callbacks: Array<{ className: string; options?: string; state?: RulesCallbackState }>;
}

/** A backup in memory: the file's JSON and its tensors, ready to write. */
interface Snapshot {
  epoch: number;
  json: string;
  tensors: Uint8Array;
}

// A checksum in native code: the pure-JS CRC-32C the TensorBoard writer uses reads about 15 MB/s.
function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function describeCallback(callback: object): string {
  return callback instanceof RulesCallback ? callback.signature().className : (callback.constructor?.name ?? "a callback");
}

/**
 * Backs up the model, the optimizer and every cbc callback in the list, and
 * restores them: `const { initialEpoch } = await backup.restore(model,
 * callbacks)` before `model.fit(x, y, { initialEpoch, callbacks })`. Put it
 * first in the list; give restore() the same list as fit(). Callbacks that
 * are not cbc's are checked by class name and otherwise left alone.
 */
export class BackupAndRestore extends tf.Callback {
  readonly options: Readonly<Required<BackupAndRestoreOptions>>;
  /** The directory `backupDir` names (PATH for file://PATH). */
  private readonly directory: string;
  private callbacks: ReadonlyArray<object> = [];
  /** restore() ran for the coming fit. */
  private prepared = false;
  private initialEpoch = 0;
  /** The saved callback states, applied at the first epoch begin (after every train begin has reset its callback). */
  private pending: { body: BackupBody; tensors: TensorBundle; file: string } | undefined;
  /** Batches trained since the run began: counted per batch with saveFreq N; with "epoch" read off the optimizer (currentStep). */
  private step = 0;
  /** With saveFreq "epoch": the step and the optimizer's update count at train begin. */
  private stepOrigin = { step: 0, iterations: Number.NaN };
  /** saveFreq N: the state of this epoch's start, written at the next multiple of N. */
  private unwritten: Snapshot | undefined;
  /** `latest` could not be read (restore fell back to `previous`): it must not become `previous`. */
  private latestDamaged = false;
  /** The backup being written in the background; it never rejects (its failure waits in `writeFailure`). */
  private writing: Promise<void> = Promise.resolve();
  private writeFailure: { error: unknown } | undefined;

  constructor(options: BackupAndRestoreOptions) {
    super();
    this.options = parseOptions("BackupAndRestore", BackupAndRestoreSchema, options);
    const directory = filePathOf(this.options.backupDir);
    if (directory === undefined) {
      throw new OptionsError(
        `BackupAndRestore: option \`backupDir\` is ${JSON.stringify(this.options.backupDir)}: backups need a file system (Node); give a directory path or file://PATH`,
      );
    }
    this.directory = directory;
    // Backups at epoch begin need no batch hook: the step is read off the optimizer's update
    // count, so tfjs calls only tf.Callback's empty onBatchEnd (nothing per batch).
    if (this.options.saveFreq === "epoch") this.onBatchEnd = tf.Callback.prototype.onBatchEnd;
  }

  /** The batches trained since the run began (a resumed run continues the count of the run it resumes). */
  private currentStep(): number {
    if (typeof this.options.saveFreq === "number") return this.step;
    const iterations: unknown = this.model?.optimizer?.iterations;
    const trained = typeof iterations === "number" ? iterations - this.stepOrigin.iterations : Number.NaN;
    // An optimizer that does not count its updates leaves the step where train begin found it.
    return Number.isFinite(trained) && trained >= 0 ? this.stepOrigin.step + trained : this.stepOrigin.step;
  }

  private get latest(): string {
    return path.join(this.directory, LATEST_BACKUP);
  }

  private get previous(): string {
    return path.join(this.directory, PREVIOUS_BACKUP);
  }

  /**
   * Reads the latest backup, if any, into `model` (weights and optimizer
   * state) and prepares `callbacks` to be restored when the fit starts.
   * Returns the epoch to pass as fit's initialEpoch: 0 when there is no
   * backup. Throws a BackupError naming the file when the backup cannot be
   * used (nothing is changed then); with doubleCheckpoint, a damaged latest
   * backup falls back to the previous one, with a warning.
   */
  async restore(model: tf.LayersModel, callbacks: ReadonlyArray<object>): Promise<{ initialEpoch: number }> {
    const first = callbacks.findIndex((callback) => callback instanceof RulesCallback || callback === this);
    if (!callbacks.includes(this)) {
      throw new OptionsError("BackupAndRestore: restore(model, callbacks) must be given the fit's callback list, with this BackupAndRestore in it");
    }
    if (callbacks[first] !== this) {
      throw new OptionsError(
        `BackupAndRestore: put it before every cbc callback in the list (${describeCallback(callbacks[first] as object)} comes first): it must take its backup at epoch begin before their rules run`,
      );
    }
    if (!model.optimizer) throw new OptionsError("BackupAndRestore: restore() needs a compiled model (it restores the optimizer's state too)");
    await this.settled();
    this.discardPending();
    this.callbacks = [...callbacks];
    const found = await this.read();
    this.prepared = true;
    this.step = 0;
    this.initialEpoch = 0;
    if (found === undefined) return { initialEpoch: 0 };
    const { file, backup, tensors } = found;
    try {
      this.checkFits(file, backup.body, model);
      const weights = backup.body.model.weights.map((weight) => tensors.take(weight.key));
      try {
        await restoreOptimizerState(model.optimizer, backup.body.optimizer, tensors);
        model.setWeights(weights);
      } finally {
        tf.dispose(weights);
      }
    } catch (error) {
      tensors.dispose();
      this.prepared = false;
      if (error instanceof BackupError) throw error;
      throw new BackupError(file, error instanceof Error ? error.message : String(error), { cause: error });
    }
    this.pending = { body: backup.body, tensors, file };
    this.step = backup.body.step;
    this.initialEpoch = backup.epoch;
    return { initialEpoch: backup.epoch };
  }

  /** Another model or another callback list than the backup's: a BackupError saying what differs. */
  private checkFits(file: string, body: BackupBody, model: tf.LayersModel): void {
    const weights = model.weights;
    const saved = body.model.weights;
    if (saved.length !== weights.length) {
      throw new BackupError(file, `it was made for another model: it holds ${saved.length} weights, this model has ${weights.length}`);
    }
    saved.forEach((weight, index) => {
      const here = weights[index];
      const shape = here.shape.map((dim) => dim ?? -1);
      if (weight.dtype !== here.dtype || weight.shape.length !== shape.length || weight.shape.some((dim, axis) => dim !== shape[axis])) {
        throw new BackupError(
          file,
          `it was made for another model: its weight #${index} (${weight.name}) is ${weight.dtype} [${weight.shape.join(", ")}], ` +
            `this model's ${here.originalName} is ${here.dtype} [${shape.join(", ")}]`,
        );
      }
    });
    const optimizer = optimizerClassName(model.optimizer);
    if (body.optimizer.className !== optimizer) {
      throw new BackupError(file, `it was made with optimizer ${body.optimizer.className}, this model is compiled with ${optimizer}`);
    }
    const others = this.callbacks.filter((callback) => callback !== this);
    const describe = (entry: { className: string; options?: string }) => entry.className + (entry.options === undefined ? "" : ` ${entry.options}`);
    const here = others.map((callback) =>
      callback instanceof RulesCallback ? callback.signature() : { className: describeCallback(callback) },
    );
    if (here.length !== body.callbacks.length) {
      throw new BackupError(
        file,
        `it was made with ${body.callbacks.length} other callbacks (${body.callbacks.map((c) => c.className).join(", ") || "none"}), ` +
          `restore() was given ${here.length} (${here.map((c) => c.className).join(", ") || "none"}): pass the same callbacks as the run that made it`,
      );
    }
    here.forEach((entry, index) => {
      const savedEntry = body.callbacks[index];
      const options = (entry as Partial<CallbackSignature>).options;
      if (savedEntry.className !== entry.className || savedEntry.options !== options) {
        throw new BackupError(
          file,
          `callback #${index + 2} differs from the run that made it: the backup has ${describe(savedEntry)}, restore() was given ${describe({ className: entry.className, ...(options === undefined ? {} : { options }) })}`,
        );
      }
    });
  }

  // ------------------------------------------------------------ events

  override async onTrainBegin(): Promise<void> {
    if (!this.prepared) {
      throw new OptionsError(
        "BackupAndRestore: call `const { initialEpoch } = await backup.restore(model, callbacks)` before model.fit, and pass initialEpoch to it",
      );
    }
    this.prepared = false;
    const iterations: unknown = this.model?.optimizer?.iterations;
    this.stepOrigin = { step: this.step, iterations: typeof iterations === "number" ? iterations : Number.NaN };
    for (const [index, callback] of this.callbacks.entries()) {
      if (callback instanceof RulesCallback && callback.model !== this.model) {
        throw new OptionsError(`BackupAndRestore: callback #${index + 1} (${describeCallback(callback)}) was given to restore() but not to this fit`);
      }
    }
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      try {
        if (epoch !== this.initialEpoch) {
          throw new BackupError(pending.file, `the fit started at epoch ${epoch}, the backup resumes at epoch ${this.initialEpoch}: pass the initialEpoch restore() returned to model.fit`);
        }
        await this.applyCallbackStates(pending.body, pending.tensors, pending.file);
      } finally {
        pending.tensors.dispose();
      }
      return;
    }
    if (epoch === this.initialEpoch) return; // the backup on disk (or a fresh start) is this state already
    await this.settled();
    const snapshot = await this.capture(epoch);
    if (this.options.saveFreq === "epoch") this.writeInBackground(snapshot);
    else this.unwritten = snapshot;
  }

  /** saveFreq N only (with "epoch" the instance takes tf.Callback's empty hook). */
  override async onBatchEnd(_batch?: number): Promise<void> {
    this.step += 1;
    const unwritten = this.unwritten;
    if (unwritten !== undefined && typeof this.options.saveFreq === "number" && this.step % this.options.saveFreq === 0) {
      this.unwritten = undefined;
      await this.settled();
      this.writeInBackground(unwritten);
    }
  }

  override async onTrainEnd(): Promise<void> {
    this.unwritten = undefined;
    await this.settled();
    if (!this.options.deleteCheckpoint) return;
    const names = await fs.readdir(this.directory).catch(() => [] as string[]);
    // Staging directories of killed writes go too (`latest.tmp-<pid>-<n>`).
    const ours = names.filter((name) => [LATEST_BACKUP, PREVIOUS_BACKUP].some((slot) => name === slot || name.startsWith(`${slot}.`)));
    for (const name of ours) await removePath(path.join(this.directory, name));
    // The directory goes too if nothing else is in it.
    await fs.rmdir(this.directory).catch(() => undefined);
  }

  private async applyCallbackStates(body: BackupBody, tensors: TensorBundle, file: string): Promise<void> {
    setLearningRate(this.model.optimizer, body.optimizer.learningRate);
    const others = this.callbacks.filter((callback) => callback !== this);
    for (const [index, callback] of others.entries()) {
      const saved = body.callbacks[index]?.state;
      if (!(callback instanceof RulesCallback) || saved === undefined) continue;
      try {
        await callback.restoreState(saved, tensors);
      } catch (error) {
        throw new BackupError(file, `cannot restore callback #${index + 2} (${describeCallback(callback)}): ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    }
  }

  // ------------------------------------------------------------ writing

  /** The whole state now, as the bytes of a backup that resumes at `epoch`. */
  private async capture(epoch: number): Promise<Snapshot> {
    const tensors = new TensorBundle();
    try {
      const values = this.model.getWeights();
      const weights = this.model.weights.map((weight, index) => ({
        name: weight.originalName,
        shape: weight.shape.map((dim) => dim ?? -1),
        dtype: weight.dtype as string,
        key: tensors.put(values[index]),
      }));
      const body: BackupBody = {
        step: this.currentStep(),
        model: { weights },
        optimizer: await optimizerState(this.model.optimizer, tensors),
        callbacks: [],
      };
      for (const callback of this.callbacks) {
        if (callback === this) continue;
        if (callback instanceof RulesCallback) {
          const { className, options } = callback.signature();
          body.callbacks.push({ className, options, state: await callback.state(tensors) });
        } else {
          body.callbacks.push({ className: describeCallback(callback) });
        }
      }
      const { data, specs } = await tensors.encode();
      const bodyText = stringifyState(body);
      // The body is spliced in as written, so its checksum covers exactly these bytes.
      const header: Omit<BackupFile, "body"> = {
        format: "cbc-backup",
        formatVersion: BACKUP_FORMAT_VERSION,
        generatedBy: "cbc",
        epoch,
        tensors: { file: BACKUP_TENSORS_FILE, bytes: data.length, sha256: sha256(data), specs },
        bodySha256: sha256(bodyText),
      };
      const json = `${JSON.stringify(header).slice(0, -1)},"body":${bodyText}}`;
      return { epoch, json, tensors: data };
    } finally {
      tensors.dispose();
    }
  }

  private writeInBackground(snapshot: Snapshot): void {
    this.writing = this.write(snapshot).catch((error: unknown) => {
      this.writeFailure = { error };
    });
  }

  /** Waits for the backup being written, if any, and throws what made it fail. */
  async settled(): Promise<void> {
    await this.writing;
    const failure = this.writeFailure;
    this.writeFailure = undefined;
    if (failure !== undefined) throw failure.error;
  }

  private async write(snapshot: Snapshot): Promise<void> {
    try {
      if (this.latestDamaged) {
        // `previous` is the backup this run resumed from: keep it, drop the damaged one.
        await removePath(this.latest);
        this.latestDamaged = false;
      } else if (this.options.doubleCheckpoint && (await statOrUndefined(this.latest)) !== undefined) {
        // Keep the latest complete backup as `previous`; `latest` is missing until the new one is in place.
        await removePath(this.previous);
        await fs.rename(this.latest, this.previous);
        await fsyncDir(this.directory);
      }
    } catch (error) {
      throw await toWriteError(this.latest, error);
    }
    // tensors.bin first: a reader that finds backup.json finds its tensors too.
    await writeDirectoryAtomic(this.latest, [[BACKUP_TENSORS_FILE, snapshot.tensors], [BACKUP_JSON_FILE, snapshot.json]], {
      ownedFiles: BACKUP_FILES,
      kind: "backup",
    });
  }

  // ------------------------------------------------------------ reading

  /** The newest usable backup, or undefined when there is none. */
  private async read(): Promise<{ file: string; backup: BackupFile; tensors: TensorBundle } | undefined> {
    const candidates = [this.latest, this.latest + PREVIOUS_SUFFIX];
    if (this.options.doubleCheckpoint) candidates.push(this.previous, this.previous + PREVIOUS_SUFFIX);
    let failure: BackupError | undefined;
    this.latestDamaged = false;
    for (const dir of candidates) {
      if ((await statOrUndefined(dir).catch(() => undefined)) === undefined) continue;
      try {
        return await readBackupDirectory(dir);
      } catch (error) {
        if (!(error instanceof BackupError) || !this.options.doubleCheckpoint || error.tooNew) throw error;
        console.warn(`BackupAndRestore: ${error.message}; trying the previous backup`);
        failure ??= error;
        if (dir.startsWith(this.latest)) this.latestDamaged = true;
      }
    }
    if (failure !== undefined) throw failure;
    return undefined;
  }

  private discardPending(): void {
    this.pending?.tensors.dispose();
    this.pending = undefined;
    this.unwritten = undefined;
  }
}

/** Reads and checks one backup directory: format, version, checksums. Any flaw is a BackupError naming the file. */
export async function readBackupDirectory(dir: string): Promise<{ file: string; backup: BackupFile; tensors: TensorBundle }> {
  const file = path.join(dir, BACKUP_JSON_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    throw new BackupError(file, `cannot be read: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "it is missing" : (error as Error).message}`, { cause: error });
  }
  let backup: BackupFile;
  try {
    backup = parseState(text) as BackupFile;
  } catch (error) {
    throw new BackupError(file, "it is truncated or damaged (not valid JSON)", { cause: error });
  }
  if (typeof backup !== "object" || backup === null || backup.format !== "cbc-backup") {
    throw new BackupError(file, "it is not a cbc backup");
  }
  if (typeof backup.formatVersion !== "number" || backup.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new BackupError(
      file,
      `it was written by a newer cbc (backup format ${String(backup.formatVersion)}; this cbc reads up to ${BACKUP_FORMAT_VERSION}): upgrade cbc to resume this run`,
      { tooNew: true },
    );
  }
  const bodyText = stringifyState(backup.body);
  if (sha256(bodyText) !== backup.bodySha256) {
    throw new BackupError(file, "it is damaged (its checksum does not match)");
  }
  const tensorsFile = path.join(dir, BACKUP_TENSORS_FILE);
  let data: Buffer;
  try {
    data = await fs.readFile(tensorsFile);
  } catch (error) {
    throw new BackupError(tensorsFile, "cannot be read", { cause: error });
  }
  if (data.length !== backup.tensors.bytes) {
    throw new BackupError(tensorsFile, `it is truncated or damaged: ${data.length} bytes, ${backup.tensors.bytes} expected`);
  }
  if (sha256(data) !== backup.tensors.sha256) {
    throw new BackupError(tensorsFile, "it is damaged (its checksum does not match)");
  }
  let tensors: TensorBundle;
  try {
    tensors = TensorBundle.decode(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer, backup.tensors.specs);
  } catch (error) {
    throw new BackupError(tensorsFile, `it cannot be decoded: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { file, backup, tensors };
}
