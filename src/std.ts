// The standard library: Keras' callbacks and learning-rate schedules with Keras' names and camelCased
// options, compiled from src/std/*.rules, plus lower-case factories in the style of tf.callbacks.
import { CosineDecay, type CosineDecayOptions } from "../generated/std/cosine-decay.js";
import { EarlyStopping, type EarlyStoppingOptions } from "../generated/std/early-stopping.js";
import { ExponentialDecay, type ExponentialDecayOptions } from "../generated/std/exponential-decay.js";
import { LearningRateScheduler, type LearningRateSchedulerOptions } from "../generated/std/learning-rate-scheduler.js";
import { OneCycle, type OneCycleOptions } from "../generated/std/one-cycle.js";
import { PolynomialDecay, type PolynomialDecayOptions } from "../generated/std/polynomial-decay.js";
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "../generated/std/reduce-lr-on-plateau.js";
import { TerminateOnNaN, type TerminateOnNaNOptions } from "../generated/std/terminate-on-nan.js";

export { CosineDecay, EarlyStopping, ExponentialDecay, LearningRateScheduler, OneCycle, PolynomialDecay, ReduceLROnPlateau, TerminateOnNaN };
export type {
  CosineDecayOptions,
  EarlyStoppingOptions,
  ExponentialDecayOptions,
  LearningRateSchedulerOptions,
  OneCycleOptions,
  PolynomialDecayOptions,
  ReduceLROnPlateauOptions,
  TerminateOnNaNOptions,
};

/** Factories in the tfjs style: `callbacks.reduceLROnPlateau({ patience: 5 })`. */
export const callbacks = {
  earlyStopping: (options?: EarlyStoppingOptions) => new EarlyStopping(options),
  reduceLROnPlateau: (options?: ReduceLROnPlateauOptions) => new ReduceLROnPlateau(options),
  terminateOnNaN: (options?: TerminateOnNaNOptions) => new TerminateOnNaN(options),
  learningRateScheduler: (options: LearningRateSchedulerOptions) => new LearningRateScheduler(options),
  exponentialDecay: (options: ExponentialDecayOptions) => new ExponentialDecay(options),
  polynomialDecay: (options: PolynomialDecayOptions) => new PolynomialDecay(options),
  cosineDecay: (options: CosineDecayOptions) => new CosineDecay(options),
  oneCycle: (options: OneCycleOptions) => new OneCycle(options),
};
