// The tensors of a saved state (BackupAndRestore), kept beside its JSON as tf.io weight bytes.
import * as tf from "@tensorflow/tfjs";

import { StateError, type TensorSink, type TensorSource } from "./state.js";

/**
 * Tensors of one saved state, by key. put() clones (tfjs variables get a new
 * data id on every assign, so a clone keeps the values of the moment it was
 * taken); encode() gives the bytes tf.io.decodeWeights reads back.
 */
export class TensorBundle implements TensorSink, TensorSource {
  private readonly tensors = new Map<string, tf.Tensor>();

  put(tensor: tf.Tensor): string {
    const key = `t${this.tensors.size}`;
    this.tensors.set(key, tensor.clone());
    return key;
  }

  take(key: string): tf.Tensor {
    const tensor = this.tensors.get(key);
    if (tensor === undefined) throw new StateError(`the saved tensor "${key}" is missing`);
    return tensor.clone();
  }

  get size(): number {
    return this.tensors.size;
  }

  async encode(): Promise<{ data: Uint8Array; specs: tf.io.WeightsManifestEntry[] }> {
    const named: tf.NamedTensorMap = Object.fromEntries(this.tensors);
    const { data, specs } = await tf.io.encodeWeights(named);
    return { data: new Uint8Array(data), specs };
  }

  static decode(data: ArrayBuffer, specs: tf.io.WeightsManifestEntry[]): TensorBundle {
    const bundle = new TensorBundle();
    for (const [key, tensor] of Object.entries(tf.io.decodeWeights(data, specs))) bundle.tensors.set(key, tensor);
    return bundle;
  }

  dispose(): void {
    tf.dispose([...this.tensors.values()]);
    this.tensors.clear();
  }
}
