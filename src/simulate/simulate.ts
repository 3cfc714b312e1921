// `simulate()`: what a .rules class would have done on a recorded history (or, for `cbc plot`, on N
// epochs without metrics). The rules are compiled, the generated class is evaluated in-process and
// driven by replay(): every decision is the engine's.
import { check } from "../compiler.js";
import type { CheckedCallback, CheckedParam, MetricRef } from "../check/program.js";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { EmitOptions, EmittedFile } from "../emit/emit.js";
import { currentActionHost, setActionHost, type ActionHost, type EventName, type RuleSite } from "../runtime/index.js";
import { dryRunHost } from "./dry-run-host.js";
import { didYouMean } from "../util/suggest.js";
import type { History, HistoryEpoch } from "./history.js";
import { loadGeneratedModule, SIMULATION_RUNTIME } from "./load.js";
import { parseOptionText } from "./option-text.js";
import { replay, type ReplayableCallback, type ReplayResult, type SimulatedFiring } from "./replay.js";

/** A generated class as simulate drives it: tf.Callback's hooks and the engine's record, rules and host. */
type SimulatedCallback = ReplayableCallback & { enabledRules: readonly RuleSite[]; host: ActionHost };

/** tfjs' Adam default, the rate a history without one starts from. */
export const DEFAULT_LR = 0.001;

export interface SimulateOptions {
  /** The rules file's name: rule sites read `<fileName>:line:column`. */
  fileName: string;
  /** The recorded epochs; for a schedule without metrics, use `epochs` instead. */
  history?: History;
  /** Epochs to run without metrics (`cbc plot`); ignored when `history` is given. */
  epochs?: number;
  /** The class to simulate, when the file has several. */
  className?: string;
  /** Options of the class, as `new Class(options)` takes them (camelCased names). */
  options?: Record<string, unknown>;
  /** Options as text, `[name, value]` (names as in the rules or camelCased), as `--set name=value` gives them. */
  set?: ReadonlyArray<readonly [string, string]>;
  /** The starting rate; else the history's first recorded rate; else 0.001. */
  lr?: number;
  /** Batches per epoch to replay (batch rules then run, without batch metrics); default 0: none. */
  stepsPerEpoch?: number;
  /** Emits the checked program (default: in this thread). The CLI passes its emitter thread. */
  emit?: (program: ReturnType<typeof check>["program"], options: EmitOptions) => Promise<EmittedFile>;
}

/** A rule the replay could not run faithfully, and why. */
export interface NotSimulated {
  rule: string;
  text: string;
  event: EventName;
  reason: string;
}

/** One action in the result: epoch 0-based, the rule's `file:line:column`, the rate's before and after. */
export interface ResultFiring {
  epoch: number;
  event: EventName;
  rule: string;
  action: SimulatedFiring["action"];
  from?: number;
  to?: number;
  detail?: string;
}

/** The result of a simulation; `cbc simulate --json` prints exactly this object. */
export interface SimulationResult {
  class: string;
  /** Epochs replayed (a stop ends the replay after its epoch). */
  epochs: number;
  /** Index of the epoch after which training stops, or null. */
  stopEpoch: number | null;
  /** The epoch whose weights a restore brings back (the last restore), or null. */
  restoredEpoch: number | null;
  /** The rate in effect during each replayed epoch. */
  lr: number[];
  /** The rate after the last replayed epoch. */
  lrAfter: number;
  /** Paths the `save` actions would write, in order. */
  saves: string[];
  firings: ResultFiring[];
}

/** The result with what a report or a plot needs besides: the rule texts, per-step rates, notes. */
export interface Simulation {
  result: SimulationResult;
  /** The firings with the rule's text, and batch and step for batch-level ones. */
  firings: SimulatedFiring[];
  /** With batches replayed: the rate each batch trains with, by global step. */
  stepLr?: number[];
  /** The rate the replay started from, and where it came from. */
  initialLr: number;
  initialLrFrom: "option" | "history" | "default";
  /** Batches replayed per epoch (0: epoch events only). */
  stepsPerEpoch: number;
  /** The history replayed: where from, its metrics and epochs; null for `cbc plot`. */
  history: History | null;
  notSimulated: NotSimulated[];
  /** What to keep in mind reading the result (each said once). */
  notes: string[];
}

/** Why a simulation could not run: bad rules (with diagnostics), options, or a history that does not fit the rules. */
export class SimulateError extends Error {
  override name = "SimulateError";
  constructor(
    message: string,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
  }
}

/** What the rules would do on the history (or on `epochs` epochs without metrics): the object `cbc simulate --json` prints. */
export async function simulate(source: string, options: SimulateOptions): Promise<SimulationResult> {
  return (await simulateInDetail(source, options)).result;
}

/** simulate(), with the rule texts, per-step rates, notes and rules not simulated that the report and the plot show. */
export async function simulateInDetail(source: string, options: SimulateOptions): Promise<Simulation> {
  const checked = check(source, { fileName: options.fileName });
  if (hasErrors(checked.diagnostics)) {
    throw new SimulateError(`${options.fileName} has errors`, checked.diagnostics);
  }
  const callback = pickCallback(checked.program.callbacks, options.className, options.fileName);
  const history = options.history;
  const epochs: HistoryEpoch[] = history?.epochs ?? Array.from({ length: nonNegativeInt(options.epochs ?? 0, "epochs") }, (_, epoch) => ({ epoch, logs: {} }));
  const stepsPerEpoch = nonNegativeInt(options.stepsPerEpoch ?? 0, "steps per epoch");
  const classOptions = { ...(options.options ?? {}), ...parseSetOptions(callback, options.set ?? []) };

  const exports = await generatedModule(source, options.fileName, checked.program, options.emit);
  const Class = exports[callback.name] as new (options: Record<string, unknown>) => SimulatedCallback;
  if (typeof Class !== "function") throw new Error(`the generated module has no class ${callback.name}`);

  // `call` actions: a stub per hook; the engine records each call as a firing.
  const hooks = callback.hooks.length === 0 ? {} : { hooks: Object.fromEntries(callback.hooks.map((name) => [name, () => undefined])) };
  let instance: SimulatedCallback;
  // Nothing is written, drawn or printed: the engine records every action as a firing. The dry run is the
  // host from construction on, so a target only another platform writes to (indexeddb://) is simulated too.
  const host = dryRunHost();
  const platformHost = currentActionHost();
  setActionHost(host);
  try {
    instance = new Class({ ...classOptions, ...hooks, verbose: 0 });
  } catch (error) {
    throw new SimulateError(`${error instanceof Error ? error.message : String(error)}${optionHint(callback)}`);
  } finally {
    setActionHost(platformHost);
  }

  // A rule reading a metric the history lacks (rules that these options switch off read nothing).
  const enabled = new Set(instance.enabledRules.map((site) => site.at));
  checkMetrics(callback, classOptions, history, options.fileName, (at) => enabled.has(at));

  instance.host = host;
  const { initialLr, initialLrFrom } = startingRate(options.lr, history);
  const notSimulated = rulesNotSimulated(instance.enabledRules, stepsPerEpoch);
  let replayed: ReplayResult;
  try {
    replayed = await replay(instance, epochs, { initialLr, reported: history?.metrics ?? [], stepsPerEpoch });
  } catch (error) {
    // A RuleError names the rule; anything else is a bug and keeps its stack.
    if (error instanceof Error && error.name === "RuleError") throw new SimulateError(error.message);
    // `fail "TEXT"`: the real fit would reject here with that text.
    if (error instanceof Error && error.name === "RuleFailure") {
      const { rule } = error as Error & { rule: RuleSite };
      throw new SimulateError(`${rule.at} (${rule.text}): the fit would fail here: ${error.message}`);
    }
    throw error;
  }
  const saves = replayed.firings.filter((f) => f.action === "save").map((f) => f.detail ?? "");
  return {
    result: {
      class: callback.name,
      epochs: replayed.epochs,
      stopEpoch: replayed.stopEpoch,
      restoredEpoch: replayed.restoredEpoch,
      lr: replayed.lr,
      lrAfter: replayed.lrAfter,
      saves,
      firings: replayed.firings.map(resultFiring),
    },
    firings: replayed.firings,
    ...(replayed.stepLr === undefined ? {} : { stepLr: replayed.stepLr }),
    initialLr,
    initialLrFrom,
    stepsPerEpoch,
    history: history ?? null,
    notSimulated,
    notes: [...notes(replayed, history !== undefined, host.removed), ...elapsedNotes(checked.program, callback, options.fileName)],
  };
}

function resultFiring(firing: SimulatedFiring): ResultFiring {
  const { epoch, event, rule, action, from, to, detail } = firing;
  return { epoch, event, rule, action, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), ...(detail === undefined ? {} : { detail }) };
}

/** Modules already emitted and loaded, by file name and source: tuning loops simulate one file many times. */
const loaded = new Map<string, Record<string, unknown>>();
const LOADED_KEPT = 16;

async function generatedModule(source: string, fileName: string, program: ReturnType<typeof check>["program"], emit: SimulateOptions["emit"]): Promise<Record<string, unknown>> {
  const key = `${fileName}\u0000${source}`;
  const cached = loaded.get(key);
  if (cached !== undefined) return cached;
  const emitter =
    emit ??
    (async (checkedProgram, emitOptions) => {
      const { emitModule } = await import("../emit/emit.js");
      return emitModule(checkedProgram, emitOptions);
    });
  const emitted = await emitter(program, { runtimeImport: SIMULATION_RUNTIME, module: "commonjs" });
  const exports = loadGeneratedModule(emitted.text, emitted.fileName);
  if (loaded.size >= LOADED_KEPT) loaded.delete(loaded.keys().next().value as string);
  loaded.set(key, exports);
  return exports;
}

function nonNegativeInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) throw new SimulateError(`${what} must be a whole number >= 0, got ${value}`);
  return value;
}

function pickCallback(callbacks: readonly CheckedCallback[], className: string | undefined, file: string): CheckedCallback {
  const names = callbacks.map((c) => c.name);
  if (callbacks.length === 0) throw new SimulateError(`${file} defines no callback`);
  if (className === undefined) {
    if (callbacks.length === 1) return callbacks[0] as CheckedCallback;
    throw new SimulateError(`${file} defines ${callbacks.length} classes (${names.join(", ")}): pick one with --class`);
  }
  const found = callbacks.find((c) => c.name === className);
  if (found !== undefined) return found;
  const hint = didYouMean(className, names);
  throw new SimulateError(`${file} has no class \`${className}\`${hint === undefined ? "" : ` (${hint})`}; its classes: ${names.join(", ")}`);
}

/** `--set` pairs as options: each name as written in the rules (`min_lr`) or camelCased (`minLr`), its text read by the param's type. */
function parseSetOptions(callback: CheckedCallback, pairs: ReadonlyArray<readonly [string, string]>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, text] of pairs) {
    const param = callback.params.find((p) => p.name === name || p.optionName === name);
    if (param === undefined) {
      const known = callback.params.flatMap((p) => (p.name === p.optionName ? [p.name] : [p.name, p.optionName]));
      const hint = didYouMean(name, known);
      throw new SimulateError(
        `--set ${name}: ${callback.name} has no option \`${name}\`${hint === undefined ? "" : ` (${hint})`}; ${known.length === 0 ? "it takes none" : `its options: ${callback.params.map((p) => p.name).join(", ")}`}`,
      );
    }
    const parsed = parseOptionText(param, text);
    if ("error" in parsed) throw new SimulateError(`--set ${name}=${text}: ${parsed.error}`);
    result[param.optionName] = parsed.value;
  }
  return result;
}

function optionHint(callback: CheckedCallback): string {
  return callback.params.length === 0 ? "" : ` (give options with --set name=value; ${callback.name} takes ${callback.params.map((p) => p.name).join(", ")})`;
}

/** The metric a reference names, with these options: a `metric` param's value, or its default. */
function metricName(ref: MetricRef, callback: CheckedCallback, options: Record<string, unknown>): string | undefined {
  if (ref.kind === "literal") return ref.name;
  const param = callback.params.find((p) => p.name === ref.param) as CheckedParam | undefined;
  const value = param === undefined ? undefined : (options[param.optionName] ?? param.defaultValue);
  return typeof value === "string" ? value : undefined;
}

const ALIASES: Readonly<Record<string, string>> = { acc: "accuracy", accuracy: "acc", val_acc: "val_accuracy", val_accuracy: "val_acc" };

/**
 * Every metric a rule reads must be in the history (else the rule could never
 * act as it would in training); with no history, no rule may read one.
 */
function checkMetrics(callback: CheckedCallback, options: Record<string, unknown>, history: History | undefined, file: string, isEnabled: (at: string) => boolean): void {
  const recorded = new Set(history?.metrics ?? []);
  // Batch rules too: the engine checks every rule's metrics against what the fit loop reports.
  for (const rule of callback.rules) {
    const at = `${file}:${rule.rule.span.start.line}:${rule.rule.span.start.column}`;
    if (!isEnabled(at)) continue;
    // Without a history no metric is reported: `log to` and the like still run (with the rate alone).
    if (history === undefined && rule.metrics.length > 0) {
      const names = rule.metrics.map((ref) => metricName(ref, callback, options) ?? "?");
      throw new SimulateError(
        `${at}: this rule reads the metric${names.length === 1 ? "" : "s"} ${names.map((n) => `\`${n}\``).join(", ")}: only rules that need no metrics can be plotted; replay a recorded run with \`cbc simulate ${file} --history FILE\``,
      );
    }
    if (history === undefined) continue;
    for (const ref of rule.metrics) {
      const name = metricName(ref, callback, options);
      if (name === undefined || recorded.has(name) || (ALIASES[name] !== undefined && recorded.has(ALIASES[name]))) continue;
      const hint = didYouMean(name, recorded);
      throw new SimulateError(
        `${at}: this rule reads \`${name}\`, which ${history.file} does not record${hint === undefined ? "" : ` (${hint})`}; it has ${history.metrics.length === 0 ? "no metrics" : history.metrics.join(", ")}${ref.kind === "param" ? ` (set the metric with --set ${ref.param}=NAME)` : ""}`,
      );
    }
  }
}

function startingRate(lr: number | undefined, history: History | undefined): Pick<Simulation, "initialLr" | "initialLrFrom"> {
  if (lr !== undefined) {
    if (!Number.isFinite(lr) || lr < 0) throw new SimulateError(`the learning rate must be a finite number >= 0, got ${lr}`);
    return { initialLr: lr, initialLrFrom: "option" };
  }
  const recorded = history?.epochs.find((e) => e.lr !== undefined)?.lr;
  if (recorded !== undefined && Number.isFinite(recorded) && recorded >= 0) return { initialLr: recorded, initialLrFrom: "history" };
  return { initialLr: DEFAULT_LR, initialLrFrom: "default" };
}

function rulesNotSimulated(enabled: readonly RuleSite[], stepsPerEpoch: number): NotSimulated[] {
  const result: NotSimulated[] = [];
  for (const site of enabled) {
    if (site.event !== "batchBegin" && site.event !== "batchEnd") continue;
    const readsMetrics = site.metrics.length > 0 || site.readsAll === true;
    if (stepsPerEpoch === 0) {
      result.push({ rule: site.at, text: site.text, event: site.event, reason: "acts on batch events, and the history has one row per epoch (with --steps-per-epoch S, batches are replayed without metrics)" });
    } else if (readsMetrics) {
      result.push({ rule: site.at, text: site.text, event: site.event, reason: "reads batch metrics, which the history does not have: it never fires in the replay" });
    }
  }
  return result;
}

/** Rules that read `elapsed` see the replay's own clock: said once per rule. */
function elapsedNotes(program: ReturnType<typeof check>["program"], callback: CheckedCallback, file: string): string[] {
  const offsets: number[] = [];
  for (const [node, resolution] of program.resolutions) {
    if (resolution.kind === "builtin" && resolution.name === "elapsed") offsets.push(node.span.start.offset);
  }
  return callback.rules
    .filter((rule) => offsets.some((offset) => offset >= rule.rule.span.start.offset && offset < rule.rule.span.end.offset))
    .map((rule) => `${file}:${rule.rule.span.start.line}:${rule.rule.span.start.column} reads \`elapsed\`: in a replay that is the replay's own time, not the recorded run's.`);
}

function notes(result: ReplayResult, fromHistory: boolean, removed: readonly string[]): string[] {
  const out: string[] = [];
  if (removed.length > 0) {
    const shown = removed.length <= 5 ? removed.join(", ") : `${removed.slice(0, 4).join(", ")}, ... ${removed.at(-1) ?? ""}`;
    out.push(`\`keep\` would delete ${removed.length} of the checkpoints saved: ${shown}.`);
  }
  const firstChange = result.firings.find((f) => f.action === "lr");
  if (fromHistory && firstChange !== undefined) {
    out.push(
      `The learning rate first changes at epoch ${firstChange.epoch} (${firstChange.event}); a real run with these rules would differ from there on, while the replay keeps the recorded metrics.`,
    );
  }
  if (result.restoredEpoch !== null) out.push("A restore reports the epoch whose weights would come back; a replay has no weights.");
  return out;
}
