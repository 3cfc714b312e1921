// The cbc package: the compiler API (check, compile) and the standard library
// of Keras callbacks, compiled from src/std/*.rules into generated/std/.
// Importing it does not load TypeScript: compile() loads the emitter on demand.
export { check, compile, type CheckResult, type CompileResult, type SourceOptions } from "./compiler.js";
export type { Diagnostic, Severity } from "./diagnostics/diagnostic.js";
export type { DiagnosticCode } from "./diagnostics/catalogue.js";
export { renderDiagnostic, renderSummary, toJson } from "./diagnostics/render.js";
export * from "./std.js";
export {
  RulesCallback,
  RuleError,
  RuleFailure,
  OptionsError,
  LogValueError,
  TwoTfjsCopiesError,
  ProgressBarCallback,
  fileLoader,
  loadWeights,
  type Firing,
  type HookContext,
} from "./runtime/index.js";
// What the rules would do on a recorded history, without training (`cbc simulate`): the engine itself, on a stand-in model.
export {
  simulate,
  simulateInDetail,
  readHistory,
  parseCsvHistory,
  parseJsonHistory,
  SimulateError,
  HistoryError,
  type SimulateOptions,
  type SimulationResult,
  type Simulation,
  type ResultFiring,
  type NotSimulated,
  type History,
  type HistoryEpoch,
  type HistoryFormat,
} from "./simulate/index.js";
