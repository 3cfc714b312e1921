// The train-begin check that every metric the rules read is reported by the fit loop, and its
// error in the user's terms (and the same for a target an option names): a metric named by an option speaks of the option (the user wrote
// it; the rule is inside the class), a metric written in a rule names the rule.
import { metricSpellings } from "../util/metric-names.js";
import { closest } from "../util/suggest.js";

/** True when the fit reports `name` under any of its spellings (`acc` / `accuracy`). */
export function isReported(name: string, reported: ReadonlySet<string>): boolean {
  return metricSpellings(name).some((spelling) => reported.has(spelling));
}

/** The reported name closest to `name`, every spelling compared: `val_acuracy` is near `val_accuracy`, i.e. `val_acc`. */
export function closestReported(name: string, reported: readonly string[]): string | undefined {
  const reportedBySpelling = new Map<string, string>();
  for (const metric of reported) for (const spelling of metricSpellings(metric)) if (!reportedBySpelling.has(spelling)) reportedBySpelling.set(spelling, metric);
  const match = closest(name, reportedBySpelling.keys());
  return match === undefined ? undefined : reportedBySpelling.get(match);
}

/** What to do about a metric the fit does not report, when no reported name is close. */
function advice(name: string, reported: readonly string[]): string | undefined {
  if (!name.startsWith("val_")) return "Add it to model.compile({metrics: [...]}).";
  // Only when validation is off: with val_* metrics reported, validation data is there already.
  return reported.some((metric) => metric.startsWith("val_"))
    ? undefined
    : "Validation metrics need validationData or validationSplit in model.fit().";
}

/**
 * ``EarlyStopping: option `monitor` is "val_acuracy", but the fit reports loss, acc, val_loss, val_acc
 * (did you mean "val_acc"?)``
 */
export function optionMetricNotReported(className: string, option: string, name: string, reported: readonly string[]): string {
  const suggestion = closestReported(name, reported);
  const list = reported.length > 0 ? reported.join(", ") : "no metrics";
  const message = `${className}: option \`${option}\` is ${JSON.stringify(name)}, but the fit reports ${list}`;
  if (suggestion !== undefined) return `${message} (did you mean ${JSON.stringify(suggestion)}?)`;
  const next = advice(name, reported);
  return next === undefined ? message : `${message}. ${next}`;
}

/**
 * A path template from an option whose placeholder names no value at this firing (Keras: KeyError):
 * ``ModelCheckpoint: option `filepath` is "ckpt-{val_acc:.2f}", whose placeholder {val_acc} names no
 * metric the fit reports: loss, val_loss``
 */
export function optionTemplateNotReported(className: string, option: string, template: string, missing: string, reported: readonly string[]): string {
  const suggestion = closestReported(missing, reported);
  const list = reported.length > 0 ? reported.join(", ") : "none";
  const message = `${className}: option \`${option}\` is ${JSON.stringify(template)}, whose placeholder {${missing}} names no metric the fit reports: ${list}`;
  return suggestion === undefined ? message : `${message} (did you mean {${suggestion}}?)`;
}

/** The message of a rule that reads a metric the fit does not report (RuleError adds the rule). */
export function ruleMetricNotReported(name: string, reported: readonly string[]): string {
  const suggestion = closestReported(name, reported);
  const list = reported.length > 0 ? reported.map((metric) => `\`${metric}\``).join(", ") : "no metrics";
  const message = `reads metric \`${name}\`, but the fit loop reports ${list}`;
  if (suggestion !== undefined) return `${message} (did you mean \`${suggestion}\`?)`;
  const next = advice(name, reported);
  return next === undefined ? `${message}.` : `${message}. ${next}`;
}

/**
 * A target from an option that this platform cannot write to, in the user's terms:
 * ``ModelCheckpoint: option `filepath` is "indexeddb://m": indexeddb:// exists only in a browser: ...``
 */
export function optionTargetUnsupported(className: string, option: string, target: string, reason: string): string {
  const shown = JSON.stringify(target);
  // The reason may begin by quoting the target; the option's value is quoted already.
  const rest = reason.startsWith(`${shown}: `) ? reason.slice(shown.length + 2) : reason;
  return `${className}: option \`${option}\` is ${shown}: ${rest}`;
}
