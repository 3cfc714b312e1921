// The tested runtime semantics that generated callbacks call, re-exported in one place for src/runtime/index.ts.

export { type Mode, type Direction, resolveMode, beats } from "./modes.js";
export { type PlateauOptions, PlateauTracker, type ImprovesOptions, ImprovesTracker } from "./trackers.js";
export { MetricHistory } from "./history.js";
export { getLearningRate, setLearningRate } from "./lr.js";
export { WeightSnapshot, BestWeights } from "./weights.js";
export { type Logs, LogValueError, readMetrics } from "./logs.js";
export {
  type FormatArg,
  type Align,
  type FormatSpec,
  type TemplatePart,
  parseFormatSpec,
  formatValue,
  parseTemplate,
  formatTemplate,
} from "./format.js";
