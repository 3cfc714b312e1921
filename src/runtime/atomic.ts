// Crash-safe file writing for the runtime writers: atomic replace, directory helpers, and WriteError (a failure that names its path).

import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { WriteError } from "./write-error.js";

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

/** A name beside `target` that no other writer (in this or another process) uses. */
export function siblingTempName(target: string, tag = "tmp"): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  tempCounter += 1;
  return path.join(dir, `.${base}.${tag}-${process.pid}-${tempCounter}-${randomBytes(3).toString("hex")}`);
}

/**
 * Replaces `filePath` with `data` so a reader sees either the old file or the new
 * one, never a mix: temp file in the same directory, fsync, rename, fsync the
 * directory. Parent directories are created.
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
    await writeNewFileDurably(temp, data);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw await toWriteError(filePath, error);
  }
  await fsyncDir(dir);
}

/** Removes a file or directory tree; a missing path is not an error. */
export async function removePath(target: string): Promise<void> {
  try {
    await fs.rm(target, { recursive: true, force: true });
  } catch (error) {
    throw await toWriteError(target, error);
  }
}
