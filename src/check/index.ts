// The checker's public surface.
export { checkProgram, type CheckResult } from "./check.js";
export { EVENT_ORDER } from "./program.js";
export { checkFormatSpec, parseFormatSpec, type FormatSpec, type ValueKind } from "./format-spec.js";
export { TFJS_REPORTED_METRICS, isUsuallyReported } from "./metrics.js";
export { BUILTINS, camelCase, fileClassName, fileStem } from "./names.js";
export { OPERAND_SPECS, describeSpec, validateValue, valueSchema, type Bound, type ValueSpec } from "./options.js";
export * from "./program.js";
