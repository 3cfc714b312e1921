// Reads and sets the learning rate of any built-in tfjs optimizer, so `lr = ...` really changes the next step.

import * as tf from "@tensorflow/tfjs";

// Optimizers are told apart by their serialization class name: tfjs gives
// tf.Optimizer a Symbol.hasInstance that makes `x instanceof tf.AdamOptimizer`
// true for every optimizer. SGD and Momentum (a subclass) cache the rate in a
// scalar tensor and need their setter; the others read the `learningRate`
// field at every step (checked in tfjs-core 4.22 sources).
const CACHED_RATE = new Set(["SGD", "Momentum"]);
const FIELD_RATE = new Set(["Adagrad", "Adadelta", "Adam", "Adamax", "RMSProp"]);

/** The optimizer's tfjs class name ("Adam", "SGD", ...). */
export function optimizerClassName(optimizer: tf.Optimizer): string {
  return (optimizer.constructor as { className?: string }).className ?? optimizer.constructor.name;
}

function describe(optimizer: tf.Optimizer): string {
  return `optimizer ${optimizerClassName(optimizer)}`;
}

/** The optimizer's current learning rate, as its getConfig() reports it. */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = optimizer.getConfig().learningRate;
  if (typeof lr !== "number") {
    throw new Error(`cannot read the learning rate of ${describe(optimizer)}: its getConfig() has no numeric learningRate`);
  }
  return lr;
}

/**
 * Sets the learning rate used from the next step on. Throws for an optimizer
 * whose rate it cannot control (custom classes): silently changing a field
 * the optimizer never reads would be worse.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  if (!Number.isFinite(lr)) {
    throw new Error(`cannot set the learning rate of ${describe(optimizer)} to ${lr}: it must be a finite number`);
  }
  const kind = optimizerClassName(optimizer);
  if (CACHED_RATE.has(kind)) {
    // The setter disposes the cached scalar and keeps a new one.
    (optimizer as tf.SGDOptimizer).setLearningRate(lr);
    return;
  }
  if (FIELD_RATE.has(kind)) {
    // `learningRate` is protected in the typings but a plain field read by applyGradients.
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    return;
  }
  throw new Error(
    `cannot set the learning rate of ${describe(optimizer)}: only tfjs' sgd, momentum, adagrad, adadelta, adam, adamax and rmsprop optimizers are supported`,
  );
}
