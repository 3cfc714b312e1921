// Two copies of @tensorflow/tfjs: the app's model.fit checks `instanceof BaseCallback` against its
// own copy, and a callback built on another copy fails it. fit then wraps it in a CustomCallback
// as if it were a `{ onEpochEnd, ... }` config and calls its hooks with the wrapper as `this`,
// which used to surface as "TypeError: this.enter is not a function". The first hook is guarded
// here so that the fit stops there, saying what happened and how to dedupe.
import * as tf from "@tensorflow/tfjs";

export class TwoTfjsCopiesError extends Error {
  override name = "TwoTfjsCopiesError";
}

export function twoTfjsCopiesMessage(className: string): string {
  return (
    `${className}: model.fit() belongs to another copy of @tensorflow/tfjs than the one cbc uses ` +
    `(cbc's is ${tf.version.tfjs}), so tfjs did not recognise the callback as one of its own ` +
    "(two copies break `instanceof BaseCallback`). The app and cbc must share one copy: " +
    "`npm ls @tensorflow/tfjs` lists them; depend on a single version of @tensorflow/tfjs in the app " +
    "(cbc takes it as a peer dependency) and run `npm dedupe`, or make your bundler resolve one copy."
  );
}

/**
 * Replaces the callback's onTrainBegin by an own property that runs the class's method when
 * tfjs calls it on the callback, and rejects with TwoTfjsCopiesError when a foreign wrapper
 * calls it. Train begin is the first hook of every fit, and a rejection there ends the fit
 * before its first batch, so no other hook needs the guard (nor pays for it per batch).
 */
export function guardAgainstForeignTfjs(callback: tf.Callback, className: string): void {
  const method = callback.onTrainBegin;
  Object.defineProperty(callback, "onTrainBegin", {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function guarded(this: unknown, logs?: tf.Logs): Promise<void> {
      // A detached call (`this` undefined) is not a wrapper: run it on the callback.
      if (this !== callback && this !== undefined) return Promise.reject(new TwoTfjsCopiesError(twoTfjsCopiesMessage(className)));
      return method.call(callback, logs);
    },
  });
}
