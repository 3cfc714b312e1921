// The standard library: Keras' callbacks and learning-rate schedules with Keras' names and camelCased
// options, compiled from src/std/*.rules into generated/std/, plus lower-case factories in the style
// of tf.callbacks. Platform-neutral: both package entries export it (std-node.ts adds BackupAndRestore).
import { CosineDecay, type CosineDecayOptions } from "../../generated/std/cosine-decay.js";
import { CSVLogger, type CSVLoggerOptions } from "../../generated/std/csv-logger.js";
import { EarlyStopping, type EarlyStoppingOptions } from "../../generated/std/early-stopping.js";
import { ExponentialDecay, type ExponentialDecayOptions } from "../../generated/std/exponential-decay.js";
import { LearningRateScheduler, type LearningRateSchedulerOptions } from "../../generated/std/learning-rate-scheduler.js";
import { ModelCheckpoint, type ModelCheckpointOptions } from "../../generated/std/model-checkpoint.js";
import { OneCycle, type OneCycleOptions } from "../../generated/std/one-cycle.js";
import { PiecewiseConstantDecay, type PiecewiseConstantDecayOptions } from "../../generated/std/piecewise-constant-decay.js";
import { PolynomialDecay, type PolynomialDecayOptions } from "../../generated/std/polynomial-decay.js";
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "../../generated/std/reduce-lr-on-plateau.js";
import { TensorBoard, type TensorBoardOptions } from "../../generated/std/tensorboard.js";
import { TerminateOnNaN, type TerminateOnNaNOptions } from "../../generated/std/terminate-on-nan.js";

export {
  CosineDecay,
  CSVLogger,
  EarlyStopping,
  ExponentialDecay,
  LearningRateScheduler,
  ModelCheckpoint,
  OneCycle,
  PiecewiseConstantDecay,
  PolynomialDecay,
  ReduceLROnPlateau,
  TensorBoard,
  TerminateOnNaN,
};
export type {
  CosineDecayOptions,
  CSVLoggerOptions,
  EarlyStoppingOptions,
  ExponentialDecayOptions,
  LearningRateSchedulerOptions,
  ModelCheckpointOptions,
  OneCycleOptions,
  PiecewiseConstantDecayOptions,
  PolynomialDecayOptions,
  ReduceLROnPlateauOptions,
  TensorBoardOptions,
  TerminateOnNaNOptions,
};

/** Factories in the tfjs style: `callbacks.reduceLROnPlateau({ patience: 5 })`. */
export const callbacks = {
  earlyStopping: (options?: EarlyStoppingOptions) => new EarlyStopping(options),
  reduceLROnPlateau: (options?: ReduceLROnPlateauOptions) => new ReduceLROnPlateau(options),
  terminateOnNaN: (options?: TerminateOnNaNOptions) => new TerminateOnNaN(options),
  learningRateScheduler: (options: LearningRateSchedulerOptions) => new LearningRateScheduler(options),
  modelCheckpoint: (options: ModelCheckpointOptions) => new ModelCheckpoint(options),
  csvLogger: (options: CSVLoggerOptions) => new CSVLogger(options),
  tensorBoard: (options?: TensorBoardOptions) => new TensorBoard(options),
  exponentialDecay: (options: ExponentialDecayOptions) => new ExponentialDecay(options),
  piecewiseConstantDecay: (options: PiecewiseConstantDecayOptions) => new PiecewiseConstantDecay(options),
  polynomialDecay: (options: PolynomialDecayOptions) => new PolynomialDecay(options),
  cosineDecay: (options: CosineDecayOptions) => new CosineDecay(options),
  oneCycle: (options: OneCycleOptions) => new OneCycle(options),
};
