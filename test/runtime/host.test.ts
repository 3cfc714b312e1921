// The platform seam: a class's writing actions go through the ActionHost it is given, so a host
// that only records (a dry run) sees every write, writes nothing, and the actions' state reads back and restores.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { ActionHost, ActionState, RulesCallback } from "../../src/runtime/index.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";
import { classes, classifier } from "../support/writers-fit.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(removeLoadedRules);

/** Records what a host is asked to do; writes nothing. */
function recordingHost(refuse?: string) {
  const calls: string[] = [];
  const host: ActionHost = {
    platform: "recording",
    unsupported: (action) => (action === refuse ? `${action} is refused here` : undefined),
    saveCheckpoint: async (_model, target, what) => void calls.push(`save ${what} ${target}`),
    removeCheckpoint: async (target) => void calls.push(`remove ${target}`),
    checkpointKey: (target) => target,
    openCsv: (path) => ({
      open: async (columns) => void calls.push(`csv open ${path} ${columns.join(",")}`),
      writeRow: async (epoch, values) => void calls.push(`csv row ${path} ${epoch} lr=${values.lr?.toFixed(3)}`),
      close: async () => void calls.push(`csv close ${path}`),
    }),
    openTensorBoard: (dir) => ({
      write: async (kind, step) => void calls.push(`tb ${dir} ${kind} ${step}`),
      close: async () => void calls.push(`tb close ${dir}`),
    }),
    openProgress: () => ({ epochBegin: () => undefined, batchEnd: () => undefined, epochEnd: (epoch) => void calls.push(`progress ${epoch}`), finish: () => undefined }),
  };
  return { host, calls };
}

const SOURCE = `callback Writes {
  on epoch end then save model to "ckpt/{epoch}" keep 2, log to "log.csv", tensorboard "tb", progress
}`;

async function fit(callback: tf.Callback, epochs: number, initialEpoch = 0): Promise<void> {
  const model = classifier();
  const data = classes(8);
  await model.fit(data.xs, data.ys, { epochs, initialEpoch, batchSize: 4, callbacks: [callback], verbose: 0 });
  tf.dispose([data.xs, data.ys]);
  model.dispose();
}

describe("an injected ActionHost", () => {
  it("receives every writing action, in order, and keep K removes through it", async () => {
    const Writes = await loadRules(SOURCE, "host-writes", "Writes");
    const callback = new Writes() as unknown as RulesCallback;
    const { host, calls } = recordingHost();
    callback.host = host;
    await fit(callback, 3);
    expect(calls).toEqual([
      "save model ckpt/1",
      "csv open log.csv loss,acc",
      "csv row log.csv 0 lr=0.100",
      "tb tb epoch 0",
      "progress 0",
      "save model ckpt/2",
      "csv row log.csv 1 lr=0.100",
      "tb tb epoch 1",
      "progress 1",
      "save model ckpt/3",
      "remove ckpt/1",
      "csv row log.csv 2 lr=0.100",
      "tb tb epoch 2",
      "progress 2",
      "csv close log.csv",
      "tb close tb",
    ]);
  });

  it("reads back the actions' state, and a restored keep-K list goes on pruning what the first run saved", async () => {
    const Writes = await loadRules(SOURCE, "host-state", "Writes");
    const first = new Writes() as unknown as RulesCallback;
    first.host = recordingHost().host;
    await fit(first, 2);
    const state: ActionState = JSON.parse(JSON.stringify(first.actionState()));
    expect(Object.values(state.checkpoints).map((kept) => kept.entries.map((entry) => entry.path))).toEqual([["ckpt/1", "ckpt/2"]]);
    expect(state.csv).toEqual({ "log.csv": { rows: 2, lastEpoch: 1 } });
    expect(state.tensorboard).toEqual({ tb: { epoch: 1 } });

    const resumed = new Writes() as unknown as RulesCallback;
    const { host, calls } = recordingHost();
    resumed.host = host;
    resumed.restoreActionState(state);
    await fit(resumed, 3, 2);
    expect(calls.filter((call) => call.startsWith("save") || call.startsWith("remove"))).toEqual(["save model ckpt/3", "remove ckpt/1"]);
    expect(resumed.actionState().csv).toEqual({ "log.csv": { rows: 3, lastEpoch: 2 } });
  });

  it("an action the host refuses fails naming the rule, and nothing is written", async () => {
    const Writes = await loadRules(SOURCE, "host-refuse", "Writes");
    const callback = new Writes() as unknown as RulesCallback;
    const { host, calls } = recordingHost("log");
    callback.host = host;
    await expect(fit(callback, 1)).rejects.toThrow(/host-refuse\.rules:2:3 .*log is refused here/);
    expect(calls).toEqual(["save model ckpt/1"]);
  });
});
