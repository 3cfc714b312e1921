// Train a small classifier on the Iris data with rules compiled by cbc, then
// show what fired and why. Run with `npm run demo`.
import * as tf from "@tensorflow/tfjs";
import { EarlyStopping, TerminateOnNaN } from "cbc";
import { IrisRules } from "../generated/examples/iris.js";
import { irisTensors } from "./iris-data.js";

async function main(): Promise<void> {
  // The native backend when it is installed; pure-JS tfjs otherwise.
  const nativeBackend = "@tensorflow/tfjs-node";
  await import(nativeBackend).catch(() => undefined);
  const { x, y } = irisTensors();
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 16, activation: "relu" }), tf.layers.dense({ units: 3, activation: "softmax" })],
  });
  model.compile({ optimizer: tf.train.adam(0.005), loss: "categoricalCrossentropy", metrics: ["accuracy"] });

  const rules = new IrisRules({ patience: 12, verbose: 1 });
  const guard = new EarlyStopping({ monitor: "val_loss", patience: 40, restoreBestWeights: true });
  const history = await model.fit(x, y, {
    epochs: 150,
    batchSize: 16,
    validationSplit: 0.2,
    verbose: 0,
    callbacks: [rules, guard, new TerminateOnNaN()],
  });

  const epochs = history.epoch.length;
  const valAcc = history.history.val_acc as number[];
  console.log(`\ntrained ${epochs} epochs; final val_acc ${valAcc[valAcc.length - 1].toFixed(3)}`);
  const changes = rules.firings.filter((f) => f.action !== "log");
  console.log(`\nwhat fired (${changes.length} actions besides the CSV log; the first 20):`);
  for (const f of changes.slice(0, 20)) {
    const change = f.action === "lr" ? ` ${f.from?.toExponential(2)} -> ${f.to?.toExponential(2)}` : f.detail ? ` ${f.detail}` : "";
    console.log(`  epoch ${String(f.epoch + 1).padStart(3)}  ${f.action.padEnd(7)}${change}   ${f.rule}  ${f.text}`);
  }
  x.dispose();
  y.dispose();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
