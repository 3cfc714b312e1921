// What cbc simulate and cbc plot are made of, for the compiler's API (src/index.ts) and the CLI.
export { simulate, simulateInDetail, SimulateError, DEFAULT_LR, type SimulateOptions, type SimulationResult, type Simulation, type ResultFiring, type NotSimulated } from "./simulate.js";
export { readHistory, parseCsvHistory, parseJsonHistory, HistoryError, type History, type HistoryEpoch, type HistoryFormat } from "./history.js";
export { renderReport, summaryLine, noteLines } from "./report.js";
export type { SimulatedFiring } from "./replay.js";
