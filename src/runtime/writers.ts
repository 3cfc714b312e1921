// The runtime's file writers (Node only) in one place: checkpoints, CSV log, TensorBoard events, progress display, atomic writes.

export { writeFileAtomic, ensureDir, fsyncDir, removePath, toWriteError } from "./atomic.js";
export {
  saveModel,
  loadWeights,
  fileLoader,
  CheckpointKeeper,
  removeCheckpoint,
  CheckpointLoadError,
  MODEL_JSON_FILE,
  WEIGHTS_BIN_FILE,
  WEIGHTS_JSON_FILE,
  PREVIOUS_SUFFIX,
} from "./checkpoint.js";
export type { SaveModelOptions, WeightsOnlyManifest } from "./checkpoint.js";
export { CsvLogger, formatCsvLine, formatCsvNumber, compareCodePoints } from "./csv.js";
export type { CsvLoggerOptions } from "./csv.js";
export { TensorBoardWriter, scalarsForLogs, scalarEvent, frameRecord, maskCrc32c } from "./tensorboard.js";
export type { TensorBoardRun, TensorBoardScalar } from "./tensorboard.js";
export { encodeEvent, decodeEvent } from "./tensorboard-proto.js";
export type { TensorBoardEvent, SummaryValue, SummaryMetadata, TensorProto } from "./tensorboard-proto.js";
export { ProgressBarCallback, formatMetricValue } from "./progress.js";
export type { ProgressBarOptions } from "./progress.js";
