// The platform seam: a class's writing actions go through the ActionHost it is given, so a host
// that only records (a dry run) sees every write, writes nothing, and the actions' state reads back and restores.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { ActionHost, CsvSink, RulesCallback, ScalarSink } from "../../src/runtime/index.js";
import { parseState, stringifyState } from "../../src/runtime/state.js";
import { TensorBundle } from "../../src/runtime/tensor-bundle.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";
import { classes, classifier } from "../support/writers-fit.js";

afterAll(removeLoadedRules);

/** Records what a host is asked to do; writes nothing. */
function recordingHost(refuse?: string) {
  const calls: string[] = [];
  const csv = (path: string): CsvSink => ({
    open: async (columns) => void calls.push(`csv open ${path} ${columns.join(",")}`),
    writeRow: async (epoch, values) => void calls.push(`csv row ${path} ${epoch} lr=${values.lr?.toFixed(3)}`),
    close: async () => void calls.push(`csv close ${path}`),
    state: async () => ({ path }),
  });
  const board = (dir: string): ScalarSink => ({
    write: async (kind, step) => void calls.push(`tb ${dir} ${kind} ${step}`),
    close: async () => void calls.push(`tb close ${dir}`),
    state: async () => ({ dir }),
  });
  const host: ActionHost = {
    platform: "recording",
    unsupported: (action) => (action === refuse ? `${action} is refused here` : undefined),
    saveCheckpoint: async (_model, target, what) => void calls.push(`save ${what} ${target}`),
    removeCheckpoint: async (target) => void calls.push(`remove ${target}`),
    checkpointKey: (target) => target,
    openCsv: (path) => csv(path),
    openTensorBoard: (dir) => board(dir),
    resumeCsv: async (state) => {
      const { path } = state as { path: string };
      calls.push(`csv resume ${path}`);
      return csv(path);
    },
    resumeTensorBoard: async (state) => {
      const { dir } = state as { dir: string };
      calls.push(`tb resume ${dir}`);
      return board(dir);
    },
    openProgress: () => ({ epochBegin: () => undefined, batchEnd: () => undefined, epochEnd: (epoch) => void calls.push(`progress ${epoch}`), finish: () => undefined }),
  };
  return { host, calls };
}

const SOURCE = `callback Writes {
  on epoch end then save model to "ckpt/{epoch}" keep 2, log to "log.csv", tensorboard "tb", progress
}`;

async function fit(callback: tf.Callback, epochs: number, initialEpoch = 0, before: tf.Callback[] = []): Promise<void> {
  const model = classifier();
  const data = classes(8);
  await model.fit(data.xs, data.ys, { epochs, initialEpoch, batchSize: 4, callbacks: [...before, callback], verbose: 0 });
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

  it("a state read back and restored through the host reopens its logs, and a keep-K list goes on pruning what the first run saved", async () => {
    const Writes = await loadRules(SOURCE, "host-state", "Writes");
    const first = new Writes() as unknown as RulesCallback;
    first.host = recordingHost().host;
    let saved: unknown;
    const tensors = new TensorBundle();
    // As BackupAndRestore does: read at the next epoch begin, restore after train begin.
    await fit(first, 2, 0, [new (class extends tf.Callback {
      override async onTrainEnd() {
        saved = parseState(stringifyState(await first.state(tensors)));
      }
    })()]);
    const { keepers, csvLogs, tensorboards } = saved as { keepers: Record<string, { entries: Array<{ path: string }> }>; csvLogs: unknown[]; tensorboards: unknown[] };
    expect(Object.values(keepers).map((kept) => kept.entries.map((entry) => entry.path))).toEqual([["ckpt/1", "ckpt/2"]]);
    expect([csvLogs, tensorboards]).toEqual([[{ path: "log.csv", state: { path: "log.csv" } }], [{ dir: "tb", state: { dir: "tb" } }]]);

    const resumed = new Writes() as unknown as RulesCallback;
    const { host, calls } = recordingHost();
    resumed.host = host;
    const restorer = new (class extends tf.Callback {
      override async onEpochBegin() {
        if (saved !== undefined) await resumed.restoreState(saved, tensors);
        saved = undefined;
      }
    })();
    await fit(resumed, 3, 2, [restorer]);
    expect(calls.filter((call) => !call.startsWith("progress"))).toEqual([
      "csv resume log.csv",
      "tb resume tb",
      "save model ckpt/3",
      "remove ckpt/1",
      "csv row log.csv 2 lr=0.100",
      "tb tb epoch 2",
      "csv close log.csv",
      "tb close tb",
    ]);
    tensors.dispose();
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
