// Two copies of @tensorflow/tfjs: the app's model.fit checks `instanceof BaseCallback` against its
// own copy, and a callback built on another copy fails it. fit then wraps it in a CustomCallback
// as if it were a `{ onEpochEnd, ... }` config and calls its hooks with the wrapper as `this`,
// which used to surface as "TypeError: this.enter is not a function". Each hook is guarded here
// so that the first call says what happened and how to dedupe.
import * as tf from "@tensorflow/tfjs";

const HOOKS = ["onTrainBegin", "onTrainEnd", "onEpochBegin", "onEpochEnd", "onBatchBegin", "onBatchEnd"] as const;

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
 * Replaces each hook of `callback` by an own property that runs the class's method when tfjs
 * calls it on the callback, and rejects with TwoTfjsCopiesError when a foreign wrapper calls it.
 */
export function guardAgainstForeignTfjs(callback: tf.Callback, className: string): void {
  const hooks = callback as unknown as Record<string, unknown>;
  const empty = tf.Callback.prototype as unknown as Record<string, unknown>;
  for (const hook of HOOKS) {
    const method = hooks[hook];
    // tf.Callback's own empty hooks stay as they are: a wrapper would be a call per batch for
    // classes without batch rules, and onTrainBegin (always the class's own) reports the two copies first.
    if (typeof method !== "function" || method === empty[hook]) continue;
    Object.defineProperty(callback, hook, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function guarded(this: unknown, ...args: unknown[]): unknown {
        // A detached call (`this` undefined) is not a wrapper: run it on the callback.
        if (this !== callback && this !== undefined) return Promise.reject(new TwoTfjsCopiesError(twoTfjsCopiesMessage(className)));
        return (method as (...a: unknown[]) => unknown).apply(callback, args);
      },
    });
  }
}
