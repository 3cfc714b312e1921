// The ActionHost for Node: checkpoints in tfjs-node's file:// layout with an
// atomic swap, the CSV log and TensorBoard event files on disk, the progress
// bar on process.stdout.
import * as path from "node:path";

import { removeCheckpoint, saveModel } from "./checkpoint.js";
import { CsvLogger } from "./csv.js";
import type { ActionHost, ProgressStream, ScalarSink } from "./host.js";
import { ProgressRenderer, progressPlan } from "./progress.js";
import { scalarsForLogs, TensorBoardWriter } from "./tensorboard.js";

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

export const nodeHost: ActionHost = {
  platform: "node",
  saveCheckpoint: (model, target, what) => saveModel(model, target, { weightsOnly: what === "weights" }),
  removeCheckpoint,
  checkpointKey: (target) => path.resolve(target),
  openCsv: (file, options) => new CsvLogger(file, options),
  openTensorBoard: (dir) => scalarSink(new TensorBoardWriter(dir)),
  resumeCsv: (state) => CsvLogger.resume(state),
  resumeTensorBoard: async (state) => scalarSink(await TensorBoardWriter.resume(state)),
  openProgress(stream: ProgressStream | undefined, params, startedAt) {
    // A ProgressStream given by a subclass is a Node writable (cli-progress drives a TTY through it).
    const renderer = new ProgressRenderer((stream as NodeJS.WritableStream | undefined) ?? process.stdout, () => performance.now());
    renderer.start(progressPlan(params), startedAt);
    return renderer;
  },
};
