// The standard library: Keras' callbacks with Keras' names and camelCased
// options, plus lower-case factories in the style of tf.callbacks.
import { EarlyStopping, type EarlyStoppingOptions } from "../generated/std/early-stopping.js";
import { LearningRateScheduler, type LearningRateSchedulerOptions } from "../generated/std/learning-rate-scheduler.js";
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "../generated/std/reduce-lr-on-plateau.js";
import { TerminateOnNaN, type TerminateOnNaNOptions } from "../generated/std/terminate-on-nan.js";

export { EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN };
export type { EarlyStoppingOptions, LearningRateSchedulerOptions, ReduceLROnPlateauOptions, TerminateOnNaNOptions };

/** Factories in the tfjs style: `callbacks.reduceLROnPlateau({ patience: 5 })`. */
export const callbacks = {
  earlyStopping: (options?: EarlyStoppingOptions) => new EarlyStopping(options),
  reduceLROnPlateau: (options?: ReduceLROnPlateauOptions) => new ReduceLROnPlateau(options),
  terminateOnNaN: (options?: TerminateOnNaNOptions) => new TerminateOnNaN(options),
  learningRateScheduler: (options: LearningRateSchedulerOptions) => new LearningRateScheduler(options),
};
