// The runtime that generated callbacks import (`cbc/runtime`): the engine,
// option schemas, and the tested semantics and writers it is built from.
// This entry is Node's: it installs the Node host (files, terminal) for the
// engine's writing actions.
import { setActionHost } from "./host.js";
import { nodeHost } from "./node-host.js";

setActionHost(nodeHost);

export * from "./types.js";
export * from "./engine.js";
export * from "./host.js";
export { nodeHost } from "./node-host.js";
export * from "./options.js";
export * from "./semantics.js";
export * from "./writers.js";
export { BackupAndRestore, BackupError } from "./backup.js";
export type { BackupAndRestoreOptions } from "./backup.js";
export { StateError } from "./state.js";
export { pyRepr } from "./pyfloat.js";
export { TwoTfjsCopiesError } from "./foreign-tfjs.js";
