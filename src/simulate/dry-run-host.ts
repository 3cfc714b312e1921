// The dry-run platform host for `cbc simulate` and `cbc plot`: every writing action is accepted and
// remembered, nothing touches the disk or the terminal. The engine records each action as a firing
// (the path a save would write, the CSV or TensorBoard dir it would write to, the line it would
// print); this host adds what only it sees: the checkpoints `keep K` would delete. A target no
// platform takes (s3://, `log to "indexeddb://…"`) it refuses as every real host would.
import type { ActionHost, CsvSink, ProgressSink, ScalarSink } from "../runtime/index.js";
import { unsupportedAnywhere } from "../runtime/storage-url.js";

export interface DryRunHost extends ActionHost {
  /** Checkpoints `keep K` would delete, in order. */
  readonly removed: string[];
  /** Lines `print` would print (each is also a firing). */
  readonly printed: string[];
}

export function dryRunHost(): DryRunHost {
  const removed: string[] = [];
  const printed: string[] = [];
  const csv: CsvSink = { open: async () => {}, writeRow: async () => {}, close: async () => {} };
  const scalars: ScalarSink = { write: async () => {}, close: async () => {} };
  const progress: ProgressSink = { epochBegin() {}, batchEnd() {}, epochEnd() {}, finish() {} };
  return {
    platform: "dry-run",
    unsupported: (action, target) => (action === "progress" ? undefined : unsupportedAnywhere(action, target ?? "")),
    removed,
    printed,
    printLine: (line) => {
      printed.push(line);
    },
    saveCheckpoint: async () => {},
    removeCheckpoint: async (target) => {
      removed.push(target);
    },
    checkpointKey: (target) => target,
    openCsv: () => csv,
    openTensorBoard: () => scalars,
    openProgress: () => progress,
  };
}
