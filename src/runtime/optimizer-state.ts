// The state of a tfjs optimizer, saved and restored exactly: its slots
// (Adam's moments, ...), its iteration count, its learning rate.
//
// tfjs' getWeights()/setWeights() give the slots and the iteration count for
// SGD, Momentum, Adagrad, Adadelta and RMSProp. Two gaps (tfjs-core 4.22,
// checked by test/runtime/optimizer-state.test.ts on all seven optimizers):
// Adam's setWeights recomputes its running beta powers as pow(beta, t + 1),
// which differs in the last bit from the products applyGradients accumulated,
// so they are saved as they are; Adamax implements neither method, so its
// fields are read and written directly.

import * as tf from "@tensorflow/tfjs";

import { getLearningRate, optimizerClassName, setLearningRate } from "./lr.js";
import { checkState, StateError, type TensorSink, type TensorSource } from "./state.js";

export interface OptimizerState {
  v: 1;
  className: string;
  learningRate: number;
  /** Keys of the slot tensors, in the optimizer's order, with their tfjs names. */
  slots: Array<{ name: string; key: string }>;
  /** Keys of private scalar variables that getWeights() leaves out. */
  extras: Record<string, string>;
  iterations: number;
}

/** tfjs' OptimizerVariable. */
interface Slot {
  originalName: string;
  variable: tf.Variable;
}

// The private fields this module reads: the tfjs boundary, typed here once.
interface AdamFields {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}
interface AdamaxFields {
  accBeta1: tf.Variable;
  iteration: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedWeightedInfNorm: Slot[];
  iterations_: number;
}

const WITH_GET_WEIGHTS = new Set(["SGD", "Momentum", "Adagrad", "Adadelta", "RMSProp", "Adam"]);
const ADAM_EXTRAS = ["accBeta1", "accBeta2"] as const;
const ADAMAX_EXTRAS = ["accBeta1", "iteration"] as const;

function unsupported(kind: string): StateError {
  return new StateError(
    `cannot back up the state of optimizer ${kind}: only tfjs' sgd, momentum, adagrad, adadelta, adam, adamax and rmsprop optimizers are supported`,
  );
}

/** Puts the optimizer's slots and private scalars in `sink` (as snapshots) and returns the state that names them. */
export async function optimizerState(optimizer: tf.Optimizer, sink: TensorSink): Promise<OptimizerState> {
  const className = optimizerClassName(optimizer);
  const state: OptimizerState = { v: 1, className, learningRate: getLearningRate(optimizer), slots: [], extras: {}, iterations: 0 };
  if (WITH_GET_WEIGHTS.has(className)) {
    const [iterations, ...slots] = await optimizer.getWeights();
    if (iterations === undefined) throw unsupported(className);
    state.iterations = (await iterations.tensor.data())[0] ?? 0;
    iterations.tensor.dispose();
    state.slots = slots.map((slot) => ({ name: slot.name, key: sink.put(slot.tensor) }));
    if (className === "Adam") {
      const fields = optimizer as unknown as AdamFields;
      for (const name of ADAM_EXTRAS) state.extras[name] = sink.put(fields[name]);
    }
    return state;
  }
  if (className === "Adamax") {
    const fields = optimizer as unknown as AdamaxFields;
    state.iterations = fields.iterations_ ?? 0;
    state.slots = [...fields.accumulatedFirstMoment, ...fields.accumulatedWeightedInfNorm].map((slot) => ({
      name: slot.originalName,
      key: sink.put(slot.variable),
    }));
    for (const name of ADAMAX_EXTRAS) state.extras[name] = sink.put(fields[name]);
    return state;
  }
  throw unsupported(className);
}

/**
 * Gives `optimizer` the saved state; its previous slots are freed. The
 * optimizer must be of the saved class (a StateError otherwise), and the slots
 * must fit the model it trains: checked by the caller against the weights.
 */
export async function restoreOptimizerState(optimizer: tf.Optimizer, saved: unknown, source: TensorSource): Promise<void> {
  const state = checkState<OptimizerState>("optimizer", saved, 1);
  const className = optimizerClassName(optimizer);
  if (state.className !== className) {
    throw new StateError(`the backup was made with optimizer ${state.className}, this model is compiled with ${className}`);
  }
  const slots = state.slots.map((slot) => ({ name: slot.name, tensor: source.take(slot.key) }));
  try {
    if (WITH_GET_WEIGHTS.has(className)) {
      const [previousIterations, ...previous] = await optimizer.getWeights();
      const iterations = { name: "iter", tensor: tf.scalar(state.iterations, "int32") };
      await optimizer.setWeights([iterations, ...slots]);
      iterations.tensor.dispose();
      previousIterations?.tensor.dispose();
      tf.dispose(previous.map((slot) => slot.tensor));
      if (className === "Adam") assignExtras(optimizer as unknown as AdamFields, ADAM_EXTRAS, state, source);
    } else if (className === "Adamax") {
      const fields = optimizer as unknown as AdamaxFields;
      const count = slots.length / 2;
      const previous = [...fields.accumulatedFirstMoment, ...fields.accumulatedWeightedInfNorm];
      const asSlot = (slot: { name: string; tensor: tf.Tensor }): Slot => ({ originalName: slot.name, variable: slot.tensor.variable(false) });
      fields.accumulatedFirstMoment = slots.slice(0, count).map(asSlot);
      fields.accumulatedWeightedInfNorm = slots.slice(count).map(asSlot);
      fields.iterations_ = state.iterations;
      tf.dispose(previous.map((slot) => slot.variable));
      assignExtras(fields, ADAMAX_EXTRAS, state, source);
    } else {
      throw unsupported(className);
    }
  } finally {
    // The optimizer's variables hold their own references to the data.
    tf.dispose(slots.map((slot) => slot.tensor));
  }
  setLearningRate(optimizer, state.learningRate);
}

function assignExtras<K extends string>(fields: Record<K, tf.Variable>, names: readonly K[], state: OptimizerState, source: TensorSource): void {
  for (const name of names) {
    const key = state.extras[name];
    if (key === undefined) throw new StateError(`optimizer ${state.className}: the saved state lacks ${name}`);
    const value = source.take(key);
    fields[name].assign(value);
    value.dispose();
  }
}
