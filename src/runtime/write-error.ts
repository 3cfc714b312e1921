// WriteError: a failed write that names its path. Platform-neutral, so the engine can tell it apart.

/** A file or directory could not be written. `path` is the path the caller asked for. */
export class WriteError extends Error {
  readonly path: string;
  /** What went wrong, without the path: "permission denied", "no space left on the device", ... */
  readonly reason: string;
  /** The Node error code (ENOSPC, EACCES, ENOTDIR, ...) when there was one. */
  readonly code: string | undefined;

  constructor(targetPath: string, reason: string, options?: { cause?: unknown; code?: string }) {
    super(`cannot write "${targetPath}": ${reason}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WriteError";
    this.path = targetPath;
    this.reason = reason;
    this.code = options?.code;
  }
}
