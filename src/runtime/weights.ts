// Weight snapshots for `restore best weights`: capture without aliasing live variables, restore without leaks.

import * as tf from "@tensorflow/tfjs";

import { checkState, StateError, type TensorSink, type TensorSource } from "./state.js";

/** A BestWeights' snapshot: its epoch and the keys of its tensors in the saved bundle; neither when none was captured. */
export interface BestWeightsState {
  v: 1;
  epoch?: number;
  tensors?: string[];
}

/**
 * A copy of all of a model's weights (trainable and not, like Keras'
 * get_weights). getWeights() returns the live variables, so each is cloned:
 * tfjs variables get a new data id on every assign, so a clone keeps the
 * values of the moment it was taken. Owns its tensors until dispose().
 */
export class WeightSnapshot {
  readonly epoch?: number;
  private tensors: tf.Tensor[] | undefined;

  private constructor(tensors: tf.Tensor[], epoch: number | undefined) {
    this.tensors = tensors;
    this.epoch = epoch;
  }

  static capture(model: tf.LayersModel, epoch?: number): WeightSnapshot {
    return new WeightSnapshot(
      model.getWeights().map((weight) => weight.clone()),
      epoch,
    );
  }

  /**
   * Puts the captured values back. The model receives fresh clones, disposed
   * here once assigned (a variable holds its own reference to the data), so
   * the snapshot stays valid for another restore and owns nothing the model uses.
   */
  restore(model: tf.LayersModel): void {
    if (this.tensors === undefined) throw new Error("cannot restore a weight snapshot that was disposed");
    const fresh = this.tensors.map((tensor) => tensor.clone());
    try {
      model.setWeights(fresh);
    } finally {
      tf.dispose(fresh);
    }
  }

  dispose(): void {
    if (this.tensors !== undefined) tf.dispose(this.tensors);
    this.tensors = undefined;
  }

  /** Puts the snapshot's tensors in `sink`; returns their keys. */
  saveTo(sink: TensorSink): string[] {
    if (this.tensors === undefined) throw new Error("cannot save a weight snapshot that was disposed");
    return this.tensors.map((tensor) => sink.put(tensor));
  }

  /** A snapshot of the tensors saved under `keys`, which must fit `model`'s weights. */
  static loadFrom(source: TensorSource, keys: readonly string[], model: tf.LayersModel, epoch: number | undefined): WeightSnapshot {
    const weights = model.weights;
    if (keys.length !== weights.length) {
      throw new StateError(`best weights: the saved snapshot holds ${keys.length} tensors, the model has ${weights.length} weights`);
    }
    const tensors: tf.Tensor[] = [];
    try {
      keys.forEach((key, index) => {
        const tensor = source.take(key);
        tensors.push(tensor);
        const expected = weights[index].shape;
        if (tensor.shape.length !== expected.length || tensor.shape.some((dim, axis) => dim !== expected[axis])) {
          throw new StateError(
            `best weights: saved weight #${index} has shape [${tensor.shape.join(", ")}], the model's ${weights[index].originalName} has [${expected.join(", ")}]`,
          );
        }
      });
    } catch (error) {
      tf.dispose(tensors);
      throw error;
    }
    return new WeightSnapshot(tensors, epoch);
  }
}

/** The weights of the best epoch so far; capturing again replaces (and frees) the previous snapshot. */
export class BestWeights {
  private snapshot: WeightSnapshot | undefined;

  capture(model: tf.LayersModel, epoch: number): void {
    const next = WeightSnapshot.capture(model, epoch);
    this.snapshot?.dispose();
    this.snapshot = next;
  }

  /** Restores the captured weights; returns the epoch they came from, or undefined when none was captured. */
  restore(model: tf.LayersModel): number | undefined {
    if (this.snapshot === undefined) return undefined;
    this.snapshot.restore(model);
    return this.snapshot.epoch;
  }

  get epoch(): number | undefined {
    return this.snapshot?.epoch;
  }

  dispose(): void {
    this.snapshot?.dispose();
    this.snapshot = undefined;
  }

  state(sink: TensorSink): BestWeightsState {
    if (this.snapshot === undefined) return { v: 1 };
    const state: BestWeightsState = { v: 1, tensors: this.snapshot.saveTo(sink) };
    if (this.snapshot.epoch !== undefined) state.epoch = this.snapshot.epoch;
    return state;
  }

  /** Replaces the snapshot with the saved one (or none); `model` is the one the weights belong to. */
  restoreState(saved: unknown, source: TensorSource, model: tf.LayersModel): void {
    const state = checkState<BestWeightsState>("best weights", saved, 1);
    const next = state.tensors === undefined ? undefined : WeightSnapshot.loadFrom(source, state.tensors, model, state.epoch);
    this.snapshot?.dispose();
    this.snapshot = next;
  }
}
