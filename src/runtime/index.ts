// The runtime that generated callbacks import (`cbc/runtime`): the engine,
// option schemas, and the tested semantics and writers it is built from.
export * from "./callback.js";
export * from "./options.js";
export * from "./semantics.js";
export * from "./writers.js";
export { BackupAndRestore, BackupError } from "./backup.js";
export type { BackupAndRestoreOptions } from "./backup.js";
export { StateError } from "./state.js";
export { pyRepr } from "./pyfloat.js";
