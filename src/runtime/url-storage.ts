// Checkpoints through tfjs' own IO router: `model.save(url)` for every tfjs
// storage URL, tf.io.listModels / removeModel for the ones `keep K` can delete
// (indexeddb://, localstorage://). Platform-neutral: both hosts use it.
import * as tf from "@tensorflow/tfjs";

import { isRemovableStorageUrl } from "./storage-url.js";

/**
 * Saves the model (topology and weights, as tfjs stores a model: its storage
 * has no weights-only form, so `save weights` to a URL stores the same, without
 * the optimizer) to a tfjs storage URL.
 */
export async function saveToStorageUrl(model: tf.LayersModel, url: string): Promise<void> {
  await model.save(url);
}

/** Removes a checkpoint `keep K` dropped; one already gone (removed by hand) is no error. */
export async function removeFromStorageUrl(url: string): Promise<void> {
  if (!isRemovableStorageUrl(url)) throw new Error(`${url}: only indexeddb:// and localstorage:// checkpoints can be removed`);
  const models = await tf.io.listModels();
  if (Object.hasOwn(models, url)) await tf.io.removeModel(url);
}
