// Weight snapshots for `restore best weights`: capture without aliasing live variables, restore without leaks.

import * as tf from "@tensorflow/tfjs";

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
}
