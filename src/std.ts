// The standard library, as the cbc package re-exports it so that `import { EarlyStopping } from "cbc"`
// keeps working. It lives in cbc-runtime (src/runtime/std.ts); the cbc build resolves these imports
// to the cbc-runtime package, so an app holds one copy of each class. Names are listed (not
// `export *`): a bundler keeps a listed re-export of an external package, not a star.
export {
  BackupAndRestore,
  CosineDecay,
  CSVLogger,
  EarlyStopping,
  ExponentialDecay,
  LearningRateScheduler,
  ModelCheckpoint,
  OneCycle,
  PiecewiseConstantDecay,
  PolynomialDecay,
  ReduceLROnPlateau,
  TensorBoard,
  TerminateOnNaN,
  callbacks,
} from "./runtime/std-node.js";
export type {
  CosineDecayOptions,
  CSVLoggerOptions,
  EarlyStoppingOptions,
  ExponentialDecayOptions,
  LearningRateSchedulerOptions,
  ModelCheckpointOptions,
  OneCycleOptions,
  PiecewiseConstantDecayOptions,
  PolynomialDecayOptions,
  ReduceLROnPlateauOptions,
  TensorBoardOptions,
  TerminateOnNaNOptions,
} from "./runtime/std-node.js";
export type { BackupAndRestoreOptions } from "./runtime/index.js";
