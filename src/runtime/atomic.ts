// Crash-safe file writing for the runtime writers: atomic replace, directory helpers, and WriteError (a failure that names its path).

import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import type { Stats } from "node:fs";
import * as path from "node:path";

import { StateError } from "./state.js";
import { WriteError } from "./write-error.js";

/** Suffix of the previous copy of a directory while writeDirectoryAtomic swaps a new one in. */
export const PREVIOUS_SUFFIX = ".prev";
const STAGING_INFIX = ".tmp-";

export { WriteError };

function errnoCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/** The first existing ancestor of `target` that is not a directory, if any. */
async function fileInTheWay(target: string): Promise<string | undefined> {
  let current = path.dirname(path.resolve(target));
  for (;;) {
    try {
      const info = await fs.stat(current);
      return info.isDirectory() ? undefined : current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}

/**
 * Turns any error from writing `targetPath` into a WriteError whose message says
 * what went wrong in words a user can act on.
 */
export async function toWriteError(targetPath: string, error: unknown): Promise<WriteError> {
  if (error instanceof WriteError) return error;
  const code = errnoCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  let reason: string;
  switch (code) {
    case "ENOSPC":
      reason = "no space left on the device";
      break;
    case "EDQUOT":
      reason = "disk quota exceeded";
      break;
    case "EACCES":
    case "EPERM":
      reason = "permission denied";
      break;
    case "EROFS":
      reason = "the file system is read-only";
      break;
    case "EISDIR":
      reason = "it is a directory, not a file";
      break;
    case "ENOTDIR":
    case "EEXIST": {
      // mkdir -p reports a file in the way as ENOTDIR (below it) or EEXIST (at it).
      const blocker = await fileInTheWay(targetPath);
      reason = blocker !== undefined ? `"${blocker}" is a file, not a directory` : detail;
      break;
    }
    case "ENAMETOOLONG":
      reason = "the name is too long";
      break;
    case "EMFILE":
    case "ENFILE":
      reason = "too many open files";
      break;
    default:
      reason = detail;
  }
  return new WriteError(targetPath, reason, { cause: error, ...(code === undefined ? {} : { code }) });
}

/** `mkdir -p`, with a WriteError naming `dir` when a file is in the way. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (error) {
    if (errnoCode(error) === "EEXIST") {
      throw new WriteError(dir, "it exists and is a file, not a directory", { cause: error, code: "EEXIST" });
    }
    throw await toWriteError(dir, error);
  }
}

/**
 * Makes a rename or a new entry in `dir` durable. Best effort: some file systems
 * refuse to fsync a directory, and the data itself is already synced.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch {
    // Directory fsync is unsupported on some platforms (Windows) and file systems.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Writes `data` to a new file and fsyncs it. Fails if the file exists. */
export async function writeNewFileDurably(filePath: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(filePath, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

let tempCounter = 0;

/** The longest file name (in bytes) common file systems take. */
const NAME_MAX = 255;
/** Room for `.<tag>-<pid>-<counter>-<hex>` after the name: pid and counter up to 10 digits each. */
const TEMP_SUFFIX_ROOM = 40;

/** `text` cut to at most `bytes` bytes of UTF-8, on a character boundary. */
function truncateUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let result = "";
  for (const char of text) {
    if (Buffer.byteLength(result + char) > bytes) break;
    result += char;
  }
  return result;
}

/**
 * The start of every temp name beside `target`: `.<name>.<tag>-`, the name cut
 * so that a temp name fits where the target's own name does (a 250-byte stem
 * still gets a temp file).
 */
function tempPrefix(target: string, tag: string): string {
  return `.${truncateUtf8(path.basename(target), NAME_MAX - TEMP_SUFFIX_ROOM - tag.length)}.${tag}-`;
}

/** A name beside `target` that no other writer (in this or another process) uses. */
export function siblingTempName(target: string, tag = "tmp"): string {
  tempCounter += 1;
  return path.join(path.dirname(target), `${tempPrefix(target, tag)}${process.pid}-${tempCounter}-${randomBytes(3).toString("hex")}`);
}

/** Whether a process runs (EPERM: it does, as someone else's). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Removes the temp files of `target` (siblingTempName) left by processes that no
 * longer run: a writer killed between writing its temp file and the rename.
 * Best effort: an unreadable directory keeps its leftovers.
 */
export async function removeStaleTemps(target: string, tag = "tmp"): Promise<void> {
  const absolute = path.resolve(target);
  await removeLeftoversOfDeadProcesses(path.dirname(absolute), new RegExp(`^${escapeRegExp(tempPrefix(absolute, tag))}(\\d+)-\\d+-[0-9a-f]+$`));
}

/** Removes the entries of `dir` whose names match `pattern` (group 1: the pid that made them) and whose process is gone. */
async function removeLeftoversOfDeadProcesses(dir: string, pattern: RegExp): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Replaces `filePath` with `data` so a reader sees either the old file or the new
 * one, never a mix: temp file in the same directory, fsync, rename, fsync the
 * directory. Parent directories are created; a replaced file keeps its mode.
 */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  const target = path.resolve(filePath);
  const dir = path.dirname(target);
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (error) {
    throw await toWriteError(filePath, error);
  }
  const temp = siblingTempName(target);
  try {
    const mode = await fs.stat(target).then(
      (info) => info.mode & 0o7777,
      () => undefined,
    );
    await writeNewFileDurably(temp, data);
    if (mode !== undefined) await fs.chmod(temp, mode);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw await toWriteError(filePath, error);
  }
  await fsyncDir(dir);
}

/**
 * Reopens a log file for appending where a backup left it: bytes written
 * after `length` (by a run killed later) are cut off. A file shorter than
 * that was changed since: a StateError naming it (`what`: "the CSV log").
 */
export async function reopenAt(filePath: string, length: number, what: string): Promise<fs.FileHandle> {
  const info = await statOrUndefined(filePath).catch(() => undefined);
  if (info === undefined || info.size < length) {
    throw new StateError(`${what} "${filePath}" holds ${info?.size ?? 0} bytes, the backup recorded ${length}: it was changed or removed after the backup`);
  }
  try {
    await fs.truncate(filePath, length);
    return await fs.open(filePath, "a");
  } catch (error) {
    throw await toWriteError(filePath, error);
  }
}

/** Removes a file or directory tree; a missing path is not an error. */
export async function removePath(target: string): Promise<void> {
  try {
    await fs.rm(target, { recursive: true, force: true });
  } catch (error) {
    throw await toWriteError(target, error);
  }
}

// ---------------------------------------------------------------------------
// Atomic directories (checkpoints, backups)

// Saves to one directory run one after another, so two rules saving to the same
// path in the same process never interleave their renames.
const saveQueues = new Map<string, Promise<unknown>>();

function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = saveQueues.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  saveQueues.set(key, settled);
  void settled.then(() => {
    if (saveQueues.get(key) === settled) saveQueues.delete(key);
  });
  return run;
}

/** Removes staging directories for `target` left by processes that died mid-save. */
async function removeStaleStaging(target: string): Promise<void> {
  await removeLeftoversOfDeadProcesses(path.dirname(target), new RegExp(`^${escapeRegExp(path.basename(target) + STAGING_INFIX)}(\\d+)-(\\d+)$`));
}

/** fs.stat, or undefined when nothing is there. */
export async function statOrUndefined(target: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Refuses to replace anything that is not a directory of this kind: a file, or a directory with other files in it. */
async function checkReplaceable(target: string, requested: string, options: AtomicDirectoryOptions): Promise<boolean> {
  const info = await statOrUndefined(target);
  if (info === undefined) return false;
  if (!info.isDirectory()) {
    throw new WriteError(requested, `it exists and is a file, not a ${options.kind} directory`, { code: "EEXIST" });
  }
  const foreign = (await fs.readdir(target)).filter((name) => !options.ownedFiles.has(name));
  if (foreign.length > 0) {
    throw new WriteError(
      requested,
      `the directory holds files that are not part of a ${options.kind} (${foreign.slice(0, 5).join(", ")}); ` +
        "refusing to replace it: choose another path or move those files",
      { code: "EEXIST" },
    );
  }
  return true;
}

let stagingCounter = 0;

async function writeDirectory(
  requested: string,
  files: ReadonlyArray<readonly [string, string | Uint8Array]>,
  options: AtomicDirectoryOptions,
): Promise<void> {
  const target = path.resolve(requested);
  const parent = path.dirname(target);
  const previous = target + PREVIOUS_SUFFIX;
  try {
    await fs.mkdir(parent, { recursive: true });
  } catch (error) {
    throw await toWriteError(requested, error);
  }
  const targetExists = await checkReplaceable(target, requested, options).catch(async (error: unknown) => {
    throw await toWriteError(requested, error);
  });
  await removeStaleStaging(target);

  stagingCounter += 1;
  const staging = `${target}${STAGING_INFIX}${process.pid}-${stagingCounter}`;
  let movedAside = false;
  try {
    await fs.mkdir(staging);
    for (const [name, data] of files) await writeNewFileDurably(path.join(staging, name), data);
    await fsyncDir(staging);

    if (targetExists) {
      // `target` is complete, so an older `.prev` (from a crash) is no longer needed.
      await fs.rm(previous, { recursive: true, force: true });
      await fs.rename(target, previous);
      movedAside = true;
    }
    // If `target` was missing, a `.prev` from a crash is the last good copy: keep it until now.
    await fs.rename(staging, target);
    movedAside = false;
    await fsyncDir(parent);
  } catch (error) {
    if (movedAside) await fs.rename(previous, target).catch(() => undefined);
    await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw await toWriteError(requested, error);
  }
  await removePath(previous).catch(() => undefined);
}

export interface AtomicDirectoryOptions {
  /** The file names a directory of this kind holds: one with any other file is never replaced. */
  ownedFiles: ReadonlySet<string>;
  /** What the directory is, for messages: "checkpoint", "backup". */
  kind: string;
}

/**
 * Replaces the directory `dir` with one holding exactly `files`, so a reader
 * sees the old directory or the new one, never a mix: the new one is written
 * completely into a sibling `dir.tmp-<pid>-<n>` (every file fsynced), then
 * swapped in with two renames, `dir` -> `dir.prev` and `dir.tmp-...` -> `dir`;
 * then `dir.prev` is removed. Between the two renames `dir` does not exist and
 * `dir.prev` is the last complete copy, so a process killed at any point leaves
 * `dir` or `dir.prev` complete. Leftover staging directories of processes that
 * no longer run are removed by the next write to `dir`. Writes to one
 * directory run one after another. Failures are WriteErrors naming `dir`.
 */
export async function writeDirectoryAtomic(
  dir: string,
  files: ReadonlyArray<readonly [string, string | Uint8Array]>,
  options: AtomicDirectoryOptions,
): Promise<void> {
  await serialized(path.resolve(dir), () => writeDirectory(dir, files, options));
}

