// What the CLI talks to (streams, cwd, environment, the emitter), injectable so tests run it in-process; plus its user-facing error.
import * as path from "node:path";
import type { Emitter } from "./emitter.js";

export interface TextSink {
  write(text: string): unknown;
}

export interface CliIO {
  stdout: TextSink;
  stderr: TextSink;
  /** Directory that relative paths in arguments are resolved against. */
  cwd: string;
  /** Whether stderr (where code frames go) is a terminal. */
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Where `compile` emits; by default in this thread, loading the emitter when first needed. */
  emitter?: Emitter;
}

/** Exit codes: the contract scripts rely on. */
export const EXIT = {
  ok: 0,
  /** The rules have errors, or `compile --check` found stale output. */
  failed: 1,
  /** Bad arguments, or a file or directory that cannot be read or written. */
  usage: 2,
  /** A bug in cbc (BSD EX_SOFTWARE). */
  internal: 70,
} as const;

/** A problem with the arguments or the file system, reported as one `cbc: ...` line with exit code 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * Colour only for a terminal, never when NO_COLOR is set (non-empty, per
 * no-color.org); FORCE_COLOR (other than `0`/`false`) turns it on anywhere.
 */
export function wantsColor(io: Pick<CliIO, "isTTY" | "env">): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  const noColor = io.env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  return io.isTTY;
}

/** A path as the user wrote it, tidied (`./a//b.rules` -> `a/b.rules`), with `/` separators on every platform. */
export function shownPath(written: string): string {
  return path.normalize(written).split(path.sep).join("/");
}

/** The Node error code of a failed fs call, if any. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/** A failed fs call in words a user can act on. */
export function describeFsError(error: unknown): string {
  switch (errnoCode(error)) {
    case "ENOENT":
      return "no such file";
    case "ENOTDIR":
      return "a part of the path is a file, not a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "ENAMETOOLONG":
      return "the name is too long";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "EROFS":
      return "the file system is read-only";
    case "EMFILE":
    case "ENFILE":
      return "too many open files";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
