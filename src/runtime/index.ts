// The Node runtime (what `cbc-runtime` is on Node, without the standard
// classes, which package-node.ts adds): the platform-neutral core plus the
// Node host (files, terminal) for the engine's writing actions, and the writers.
import { setActionHost } from "./host.js";
import { nodeHost } from "./node-host.js";

setActionHost(nodeHost);

export * from "./core.js";
export { nodeHost } from "./node-host.js";
export * from "./writers.js";
export { BackupAndRestore, BackupError } from "./backup.js";
export type { BackupAndRestoreOptions } from "./backup.js";
