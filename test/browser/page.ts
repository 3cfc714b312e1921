// The page the browser test loads: a small model trained in Chromium with
// compiled rules (test/browser/fixtures/browser.rules, compiled by the test into
// test/browser/out/) and cbc-runtime's standard classes, exactly as an app
// bundles them: `cbc-runtime` is the package (its browser entry), no shims.
import * as tf from "@tensorflow/tfjs";
import { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, downloadedCsv } from "cbc-runtime";

import { BoardInBrowser, BrowserRules, LogsToFile } from "./out/browser-rules.js";

export interface RunResult {
  backend: string;
  lrs: number[];
  epochsRun: number;
  valLosses: number[];
  /** Each batch's loss, read by the recorder before any rule resolves it. */
  batchLosses: number[];
  /** dataSync() calls on scalars during the fit. */
  scalarDataSyncCalls: number;
  weightsByEpoch: number[][];
  finalWeights: number[];
  checkpoints: string[];
  restoredPrediction: number[];
  loadedPrediction: number[];
  finalFromLocalStorage: number[];
  csv: string | undefined;
  constructionErrors: Record<string, string>;
  prints: string[];
}

const originalDataSync = tf.Tensor.prototype.dataSync;

/** A log value as a number: the recorder reads tensors with data() and leaves them for the rules. */
async function scalarOf(value: unknown): Promise<number> {
  return typeof value === "number" ? value : (await (value as tf.Tensor).data())[0]!;
}

async function flatWeights(model: tf.LayersModel): Promise<number[]> {
  const values = await Promise.all(model.getWeights().map((w) => w.data()));
  return values.flatMap((v) => Array.from(v));
}

function errorOf(make: () => unknown): string {
  try {
    make();
    return "";
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/** Every model in the page's IndexedDB and localStorage, removed: each backend's run starts empty. */
async function clearModels(): Promise<void> {
  for (const url of Object.keys(await tf.io.listModels())) await tf.io.removeModel(url);
}

async function run(backend: "cpu" | "webgl"): Promise<RunResult> {
  // webgl-or-fallback: without a GPU Chromium may still offer WebGL (SwiftShader); if not, cpu.
  if (!(await tf.setBackend(backend).catch(() => false))) await tf.setBackend("cpu");
  await tf.ready();
  await clearModels();
  const prints: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    prints.push(args.map(String).join(" "));
  };
  try {
    const xs = tf.randomUniform([64, 2], -1, 1, "float32", 7);
    const ys = xs.matMul(tf.tensor2d([[2], [-3]])).add(0.5);
    const valXs = tf.randomUniform([16, 2], -1, 1, "float32", 8);
    // Validation data from a nearby function: val_loss falls, then rises as the fit closes in on the training one,
    // so the best epoch is not the last and restoring it changes the weights.
    const valYs = valXs.matMul(tf.tensor2d([[2], [-0.5]])).add(0.5);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: "zeros" })] });
    model.compile({ optimizer: tf.train.sgd(0.01), loss: "meanSquaredError" });

    const lrs: number[] = [];
    const valLosses: number[] = [];
    const weightsByEpoch: number[][] = [];
    const batchLosses: number[] = [];
    // First in the list: it sees each epoch's trained weights and lr before any rule acts on them. A
    // tf.Callback, not a tf.CustomCallback: that one resolves the logs' tensors to numbers before its
    // functions run, and the rules after it would never read a tensor.
    class Recorder extends tf.Callback {
      override async onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
        batchLosses.push(await scalarOf(logs?.["loss"]));
      }
      override async onEpochEnd(_epoch: number, logs?: tf.Logs): Promise<void> {
        lrs.push((model.optimizer as unknown as { learningRate: number }).learningRate);
        valLosses.push(await scalarOf(logs?.["val_loss"]));
        weightsByEpoch.push(await flatWeights(model));
      }
    }
    const recorder = new Recorder();
    // Synchronous reads of scalars during the fit: cbc's on cpu (dataSync), none on webgl (await data()).
    let scalarDataSyncCalls = 0;
    tf.Tensor.prototype.dataSync = function (this: tf.Tensor) {
      if (this.rank === 0) scalarDataSyncCalls += 1;
      return originalDataSync.call(this) as never;
    } as typeof originalDataSync;
    const history = await model.fit(xs, ys, {
      epochs: 20,
      batchSize: 16,
      shuffle: false,
      validationData: [valXs, valYs],
      verbose: 0,
      callbacks: [
        recorder,
        new BrowserRules(),
        new EarlyStopping({ monitor: "val_loss", patience: 50 }),
        new ReduceLROnPlateau({ monitor: "val_loss", patience: 50 }),
        new ModelCheckpoint({ filepath: "indexeddb://cbc-best", monitor: "val_loss", saveBestOnly: true }),
      ],
    });
    tf.Tensor.prototype.dataSync = originalDataSync;
    const probe = tf.tensor2d([[0.25, -0.5], [1, 1], [-0.75, 0.1]]);
    const restoredPrediction = Array.from(await (model.predict(probe) as tf.Tensor).data());
    const loaded = await tf.loadLayersModel("indexeddb://cbc-best");
    const loadedPrediction = Array.from(await (loaded.predict(probe) as tf.Tensor).data());
    const final = await tf.loadLayersModel("localstorage://cbc-final");
    return {
      backend: tf.getBackend(),
      lrs,
      epochsRun: history.epoch.length,
      valLosses,
      batchLosses,
      scalarDataSyncCalls,
      weightsByEpoch,
      finalWeights: await flatWeights(model),
      checkpoints: Object.keys(await tf.io.listModels()).sort(),
      restoredPrediction,
      loadedPrediction,
      finalFromLocalStorage: Array.from(await (final.predict(probe) as tf.Tensor).data()),
      csv: downloadedCsv("browser-run.csv"),
      constructionErrors: {
        logTo: errorOf(() => new LogsToFile()),
        tensorboard: errorOf(() => new BoardInBrowser()),
        checkpointToPath: errorOf(() => new ModelCheckpoint({ filepath: "ckpt/best" })),
      },
      prints,
    };
  } finally {
    tf.Tensor.prototype.dataSync = originalDataSync;
    console.log = log;
  }
}

(globalThis as { cbcRun?: typeof run }).cbcRun = run;
