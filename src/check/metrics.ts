// The metric names tfjs-layers' fit loop usually reports, for the CBC201 warning.
//
// Facts from @tensorflow/tfjs-layers 4.22 (engine/training.js, metrics.js):
// `loss` always; the strings 'accuracy'/'acc' are reported as `acc` and
// 'crossentropy'/'ce' as `ce`; any other string must be a key of metricsMap
// and is reported as written; a function is reported under its key in
// lossesMap, then metricsMap, else its `name` (so `tf.metrics.meanSquaredError`
// shows up as `meanSquaredError`). Validation adds a `val_` copy of each name.
// `accuracy` is absent on purpose: the checker canonicalizes it to `acc`.

const TRAINING_NAMES = [
  "loss",
  "acc",
  "ce",
  // metricsMap keys (string metrics)
  "binaryAccuracy",
  "categoricalAccuracy",
  "precision",
  "categoricalCrossentropy",
  "sparseCategoricalCrossentropy",
  "mse",
  "MSE",
  "mae",
  "MAE",
  "mape",
  "MAPE",
  "cosine",
  // function names of tf.metrics.* and lossesMap keys (function metrics)
  "binaryCrossentropy",
  "sparseCategoricalAccuracy",
  "recall",
  "r2Score",
  "cosineProximity",
  "meanSquaredError",
  "meanAbsoluteError",
  "meanAbsolutePercentageError",
  "meanSquaredLogarithmicError",
  "squaredHinge",
  "hinge",
  "categoricalHinge",
  "logcosh",
  "kullbackLeiblerDivergence",
  "poisson",
] as const;

/** Every name tfjs usually reports, training and `val_` forms. */
export const TFJS_REPORTED_METRICS: readonly string[] = [
  ...TRAINING_NAMES,
  ...TRAINING_NAMES.map((name) => `val_${name}`),
];

const reportedSet: ReadonlySet<string> = new Set(TFJS_REPORTED_METRICS);

/** true when tfjs reports this (canonical) metric name for some usual compile config. */
export function isUsuallyReported(canonicalName: string): boolean {
  return reportedSet.has(canonicalName);
}
