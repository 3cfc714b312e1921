// The platform-neutral runtime: what generated code needs on any platform (the
// engine, option schemas, semantics) and nothing of Node. The package entries
// add a platform host: index.ts (Node) and browser.ts.
export * from "./types.js";
export * from "./engine.js";
export * from "./host.js";
export * from "./options.js";
export * from "./semantics.js";
export { KeptCheckpoints, type CheckpointRank, type CheckpointScore, type CheckpointStore, type KeptCheckpointsState } from "./keeper.js";
export { WriteError } from "./write-error.js";
export { StateError } from "./state.js";
export { pyRepr } from "./pyfloat.js";
export { TwoTfjsCopiesError } from "./foreign-tfjs.js";
export { RUNTIME_VERSION, RuntimeVersionError, requireRuntimeVersion } from "./version.js";
export { storageScheme, isTfjsStorageUrl, filePathOf } from "./storage-url.js";
