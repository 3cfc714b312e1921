// The standard library on Node: the platform-neutral classes (std.ts) and
// BackupAndRestore, which keeps its backups in a directory.
import { BackupAndRestore, type BackupAndRestoreOptions } from "./backup.js";
import { callbacks as neutralCallbacks } from "./std.js";

export * from "./std.js";
export { BackupAndRestore };

/** Factories in the tfjs style, `backupAndRestore` included. */
export const callbacks = {
  ...neutralCallbacks,
  backupAndRestore: (options: BackupAndRestoreOptions) => new BackupAndRestore(options),
};
