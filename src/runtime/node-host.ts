// The ActionHost for Node: checkpoints in tfjs-node's file:// layout with an
// atomic swap (a plain path or file://PATH), or through tfjs' IO router for
// http(s)://; the CSV log and TensorBoard event files on disk; the progress
// bar on process.stdout.
import * as path from "node:path";

import { removeCheckpoint, saveModel } from "./checkpoint.js";
import { CsvLogger } from "./csv.js";
import type { ActionHost, HostAction, ProgressStream, ScalarSink } from "./host.js";
import { ProgressRenderer, progressPlan, type ProgressOutput } from "./progress.js";
import { filePathOf, isTfjsStorageUrl, refusalIn } from "./storage-url.js";
import { scalarsForLogs, TensorBoardWriter } from "./tensorboard.js";
import { removeFromStorageUrl, saveToStorageUrl } from "./url-storage.js";

function scalarSink(writer: TensorBoardWriter): ScalarSink {
  return {
    async write(kind, step, metrics, lr) {
      for (const scalar of scalarsForLogs(kind, metrics, lr)) writer.scalar(scalar.run, scalar.tag, step, scalar.value);
      await writer.flush();
    },
    close: () => writer.close(),
    state: () => writer.state(),
  };
}

/** The path a Node action writes to: `file://PATH` is PATH. */
function localPath(target: string): string {
  const file = filePathOf(target);
  if (file === undefined) throw new Error(`${target}: not a path on this machine`);
  return file;
}

function why(action: HostAction, target: string | undefined): string | undefined {
  return action === "progress" || target === undefined ? undefined : refusalIn("node", action, target);
}

export const nodeHost: ActionHost = {
  platform: "node",
  unsupported: why,
  saveCheckpoint: (model, target, what) =>
    isTfjsStorageUrl(target) ? saveToStorageUrl(model, target) : saveModel(model, localPath(target), { weightsOnly: what === "weights" }),
  removeCheckpoint: (target) => (isTfjsStorageUrl(target) ? removeFromStorageUrl(target) : removeCheckpoint(localPath(target))),
  checkpointKey: (target) => (isTfjsStorageUrl(target) ? target : path.resolve(localPath(target))),
  openCsv: (file, options) => new CsvLogger(localPath(file), options),
  openTensorBoard: (dir) => scalarSink(new TensorBoardWriter(localPath(dir))),
  resumeCsv: (state) => CsvLogger.resume(state),
  resumeTensorBoard: async (state) => scalarSink(await TensorBoardWriter.resume(state)),
  openProgress(stream: ProgressStream | undefined, params, startedAt) {
    // A ProgressStream given by a subclass is a Node writable (cli-progress drives a TTY through it).
    const renderer = new ProgressRenderer((stream as ProgressOutput | undefined) ?? process.stdout, () => performance.now());
    renderer.start(progressPlan(params), startedAt);
    return renderer;
  },
};
