// RulesCallback: the engine every generated class extends. It keeps the clock
// (epoch, batch, step, elapsed), reads metrics once per event, owns trackers,
// histories and best weights, and performs and records each action.
// Generated classes only say which rules fire when. Platform-neutral: the
// actions that write (checkpoints, CSV, TensorBoard, progress) go through its
// ActionHost (host.ts).
import * as tf from "@tensorflow/tfjs";

import { formatTemplate, formatValue, parseTemplate, type FormatArg, type TemplatePart } from "./format.js";
import { MetricHistory, type MetricHistoryState } from "./history.js";
import { currentActionHost, type ActionHost, type CsvSink, type HostAction, type ProgressSink, type ProgressStream, type ScalarSink } from "./host.js";
import { KeptCheckpoints, type KeptCheckpointsState } from "./keeper.js";
import { guardAgainstForeignTfjs } from "./foreign-tfjs.js";
import { LogValueError, readMetricsNow, readsSynchronously, type Logs, type MetricValues } from "./logs.js";
import { getLearningRate, setLearningRate } from "./lr.js";
import { resolveMode, type Direction, type Mode } from "./modes.js";
import { OptionsError } from "./options.js";
import { pyRepr } from "./pyfloat.js";
import { isReported, optionMetricNotReported, optionTargetUnsupported, optionTemplateNotReported, ruleMetricNotReported } from "./reported.js";
import { metricSpellings } from "../util/metric-names.js";
import { checkState, StateError, stringifyState, type TensorSink, type TensorSource } from "./state.js";
import { ImprovesTracker, PlateauTracker, type ImprovesTrackerState, type PlateauTrackerState } from "./trackers.js";
import { RuleError, RuleFailure, type CallbackOptions, type CallbackSpec, type EventName, type Firing, type HookContext, type HookFunction, type MetricSource, type RuleSite } from "./types.js";
import { BestWeights, type BestWeightsState } from "./weights.js";
import { requireRuntimeVersion } from "./version.js";
import { WriteError } from "./write-error.js";

/** Placeholder names whose values come only while training: a target starting with one is judged when its action runs. */
const RUN_TIME_NAMES = new Set(["epoch", "batch", "step", "epochs", "lr", "elapsed"]);

// Optional fields accept undefined: generated code passes absent options (`baseline: o.baseline`).
interface PredicateSpec {
  metric: MetricSource;
  minDelta?: number | undefined;
  mode?: Mode | undefined;
  baseline?: number | undefined;
  startEpoch?: number | undefined;
  /** true when a `restore best weights` names this predicate. */
  captureWeights?: boolean | undefined;
}

/** A `plateau` or `improves` predicate bound to its metric, with best weights when some rule restores them. */
export class Predicate {
  readonly bestWeights?: BestWeights;
  constructor(
    readonly metric: string,
    readonly direction: Direction,
    readonly tracker: PlateauTracker | ImprovesTracker,
    captureWeights: boolean,
  ) {
    if (captureWeights) this.bestWeights = new BestWeights();
  }
}

/**
 * Everything a RulesCallback has learned during a fit (BackupAndRestore saves
 * it): the clock, `let` variables, firings, each predicate's tracker and best
 * weights, metric histories, `keep K` lists, and the open CSV logs and
 * TensorBoard event files with their lengths. The learning rate is the
 * optimizer's, saved with it; the progress bar is display only and starts afresh.
 */
export interface RulesCallbackState {
  v: 1;
  className: string;
  clock: { epoch: number; batch: number; step: number; elapsed: number };
  variables: Record<string, number>;
  firings: Firing[];
  predicates: Array<{ tracker: PlateauTrackerState | ImprovesTrackerState; bestWeights?: BestWeightsState }>;
  histories: Record<string, MetricHistoryState>;
  keepers: Record<string, KeptCheckpointsState>;
  /** Each open CSV log and TensorBoard dir, with what its host sink saved (Node: file and length). */
  csvLogs: Array<{ path: string; state: unknown }>;
  tensorboards: Array<{ dir: string; state: unknown }>;
}

/** What must match for a saved state to be restored into a callback: its class and its options. */
export interface CallbackSignature {
  className: string;
  /** The parsed options as JSON; functions (hooks, schedules) appear as "[function]". */
  options: string;
}

const YIELD_EVERY_MS = 100;

/** The tf.Callback method behind each event, for messages. */
const HOOK_OF_EVENT: Readonly<Record<EventName, string>> = {
  trainBegin: "onTrainBegin",
  trainEnd: "onTrainEnd",
  epochBegin: "onEpochBegin",
  epochEnd: "onEpochEnd",
  batchBegin: "onBatchBegin",
  batchEnd: "onBatchEnd",
};
const MAX_FIRINGS = 10_000;

export abstract class RulesCallback extends tf.Callback {
  /** Every action taken, oldest first (the last 10,000). */
  readonly firings: Firing[] = [];
  /** Epoch index (0-based). */
  protected epoch = 0;
  /** Batch index within the epoch (0-based). */
  protected batch = 0;
  /** Global batch index (0-based). */
  protected step = 0;
  /** Let variables. */
  protected v: Record<string, number> = {};
  protected readonly spec: CallbackSpec;
  protected readonly verbose: number;
  private readonly hooks: Record<string, HookFunction>;
  private readonly predicates: Predicate[] = [];
  private readonly histories = new Map<string, MetricHistory>();
  private readonly metricsByEvent = new Map<EventName, { names: string[]; all: boolean }>();
  private current: MetricValues = {};
  private readonly keepers = new Map<string, KeptCheckpoints>();
  private readonly csvLoggers = new Map<string, CsvSink>();
  private readonly boards = new Map<string, ScalarSink>();
  /**
   * Where the writing actions happen: the host installed by the platform entry
   * (Node: files; browser: tfjs storage), or one given before training (a dry run).
   */
  host: ActionHost = currentActionHost();
  private readonly options: Record<string, unknown>;
  private readonly intParams: ReadonlySet<string>;
  private startedAt = 0;
  private lastYield = 0;
  /** Without batch hooks: the step count and the optimizer's update count at train begin (or a restore), and its count at epoch begin. */
  private stepOrigin = { step: 0, iterations: 0 };
  private iterationsAtEpochBegin = 0;
  /** Batch hooks run for this instance (some batch rule is enabled): the step is counted at each batch end. */
  private readonly countsBatches: boolean;
  private reported: string[] = [];

  /**
   * Per rule, whether its option-only conditions hold for these options
   * (`when save_best_only and ...`), decided once at construction. A disabled
   * rule never fires, so the metrics it would read are neither read nor required.
   */
  protected readonly ruleEnabled: readonly boolean[];

  protected constructor(
    spec: CallbackSpec,
    options: CallbackOptions & { hooks?: Record<string, HookFunction> | undefined } & Record<string, unknown>,
    enabled?: readonly boolean[],
  ) {
    super();
    // A class compiled by a newer cbc may rely on what this runtime lacks: say so before anything else fails.
    if (spec.runtime !== undefined) requireRuntimeVersion(spec.className, spec.runtime);
    this.spec = spec;
    this.ruleEnabled = spec.rules.map((_, index) => enabled?.[index] !== false);
    this.verbose = options.verbose ?? 0;
    this.hooks = options.hooks ?? {};
    this.options = options;
    this.intParams = new Set(spec.intParams ?? []);
    const isBatchRule = (rule: RuleSite) => rule.event === "batchBegin" || rule.event === "batchEnd";
    this.countsBatches = spec.batchHooks === true && this.activeRules().some(isBatchRule);
    if (spec.batchHooks === true && !this.countsBatches) {
      // Every batch rule is off for these options (ModelCheckpoint with save_freq 0, a schedule
      // per epoch): this instance takes tf.Callback's empty hooks, and costs nothing per batch.
      this.onBatchBegin = tf.Callback.prototype.onBatchBegin;
      this.onBatchEnd = tf.Callback.prototype.onBatchEnd;
    }
    guardAgainstForeignTfjs(this, spec.className);
    for (const rule of this.activeRules()) {
      const entry = this.metricsByEvent.get(rule.event) ?? { names: [], all: false };
      for (const source of rule.metrics) {
        const name = this.metricName(source, options);
        if (!entry.names.includes(name)) entry.names.push(name);
      }
      entry.all ||= rule.readsAll === true;
      this.metricsByEvent.set(rule.event, entry);
    }
    this.requirePlatform(options);
  }

  /**
   * What the rules write must be possible here (no file system in a browser):
   * refused now, naming the rule and what works, not at epoch 37. Targets are
   * checked as written (a placeholder after the scheme cannot change it); one
   * that starts with a param placeholder is checked with the param formatted;
   * one that starts with a metric or `{epoch}` has its scheme only once
   * formatted, and is checked when its action runs.
   */
  private requirePlatform(options: Record<string, unknown>): void {
    for (const rule of this.activeRules()) {
      for (const write of rule.writes ?? []) {
        const target = typeof write.to === "object" ? options[write.to.option] : write.to;
        if (write.to !== undefined && typeof target !== "string") continue;
        if (typeof target === "string" && target.startsWith("{") && !target.startsWith("{{")) {
          // `"{out}/best-{epoch}"`: a leading param is known now, and so is the scheme it gives.
          const known = this.withLeadingParams(target, options);
          if (known !== undefined) this.requireHost(rule, write.action, known);
          continue;
        }
        if (typeof write.to === "object") {
          // A target the user gave as an option (ModelCheckpoint's `filepath`): speak of the option, not of a rule inside the class.
          const reason = this.host.unsupported?.(write.action, target as string);
          if (reason !== undefined) throw new OptionsError(optionTargetUnsupported(this.spec.className, write.to.option, target as string, reason));
          continue;
        }
        this.requireHost(rule, write.action, target as string | undefined);
      }
    }
  }

  /**
   * `template` with its leading param placeholders formatted (`"{out}/best-{epoch}"` with out
   * "logs": `"logs/best-{epoch}"`); undefined when it starts with a metric or builtin
   * (`{epoch}`), whose value comes only at run time, or the formatted start is again a placeholder.
   */
  private withLeadingParams(template: string, options: Record<string, unknown>): string | undefined {
    const params = this.spec.params ?? {};
    let parts: TemplatePart[];
    try {
      parts = parseTemplate(template);
    } catch {
      return undefined; // a bad template: the action reports it when it runs
    }
    let formatted = "";
    let next = 0;
    for (; next < parts.length; next += 1) {
      const part = parts[next]!;
      if (part.kind === "text" || RUN_TIME_NAMES.has(part.name) || !Object.hasOwn(params, part.name)) break;
      const value = options[params[part.name]!];
      if (typeof value !== "string" && typeof value !== "number") return undefined;
      try {
        formatted += formatValue(typeof value === "number" && this.intParams.has(part.name) ? { int: value } : value, part.spec);
      } catch {
        return undefined; // a bad spec: the action reports it when it runs
      }
    }
    if (formatted === "" || (formatted.startsWith("{") && !formatted.startsWith("{{"))) return undefined;
    // Only the start decides the scheme: the rest is kept as written, fields shown as `{name}`.
    return formatted + parts.slice(next).map((part) => (part.kind === "text" ? part.text : `{${part.name}}`)).join("");
  }

  private activeRules(): RuleSite[] {
    return this.spec.rules.filter((_, index) => this.ruleEnabled[index]);
  }

  /** The rules these options leave on: a rule whose option-only condition is false never fires. */
  get enabledRules(): readonly RuleSite[] {
    return this.activeRules();
  }

  // ------------------------------------------------------------ state

  /** The optimizer's current learning rate. */
  protected get lr(): number {
    return getLearningRate(this.optimizer());
  }

  /** Seconds since train begin. */
  protected get elapsed(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** Total epochs planned for this fit. */
  protected get epochs(): number {
    const epochs = this.params?.epochs;
    return typeof epochs === "number" ? epochs : NaN;
  }

  /** Initial values of `let` variables; generated classes with lets override it. */
  protected initialVariables(): Record<string, number> {
    return {};
  }

  private optimizer(): tf.Optimizer {
    const optimizer = this.model?.optimizer;
    if (!optimizer) {
      throw new Error(
        `${this.spec.className}: the model has no optimizer. Pass the callback to model.fit() of a compiled model (and make sure the app and cbc share one copy of @tensorflow/tfjs).`,
      );
    }
    return optimizer;
  }

  private metricName(source: MetricSource, options: Record<string, unknown>): string {
    if (typeof source === "string") return source;
    const value = options[source.option];
    if (typeof value !== "string") throw new Error(`${this.spec.className}: option \`${source.option}\` must name a metric`);
    return value;
  }

  // ------------------------------------------------------------ wiring helpers for generated constructors

  /** Predicate operands may come from options: a value Keras would reject fails at construction, naming the class. */
  private requireOperand(what: string, value: number | undefined, integer: boolean): void {
    if (value === undefined) return;
    const ok = integer ? Number.isInteger(value) && value >= 0 : Number.isFinite(value);
    if (!ok) {
      throw new OptionsError(`${this.spec.className}: ${what} must be ${integer ? "a non-negative integer" : "a finite number"}, got ${value}`);
    }
  }

  protected plateau(metric: string, patience: number, spec: Omit<PredicateSpec, "metric"> & { cooldown?: number | undefined } = {}): Predicate {
    this.requireOperand("plateau patience", patience, true);
    this.requireOperand("cooldown", spec.cooldown, true);
    this.requireOperand("min_delta", spec.minDelta, false);
    this.requireOperand("the start epoch (`from epoch`)", spec.startEpoch, true);
    const direction = resolveMode(metric, spec.mode ?? "auto");
    const tracker = new PlateauTracker({
      patience,
      minDelta: spec.minDelta,
      cooldown: spec.cooldown,
      baseline: spec.baseline,
      startEpoch: spec.startEpoch,
      direction,
    });
    return this.addPredicate(new Predicate(metric, direction, tracker, spec.captureWeights === true));
  }

  protected improves(metric: string, spec: Omit<PredicateSpec, "metric"> = {}): Predicate {
    this.requireOperand("min_delta", spec.minDelta, false);
    this.requireOperand("the start epoch (`from epoch`)", spec.startEpoch, true);
    const direction = resolveMode(metric, spec.mode ?? "auto");
    const tracker = new ImprovesTracker({
      minDelta: spec.minDelta,
      baseline: spec.baseline,
      startEpoch: spec.startEpoch,
      direction,
    });
    return this.addPredicate(new Predicate(metric, direction, tracker, spec.captureWeights === true));
  }

  private addPredicate(predicate: Predicate): Predicate {
    this.predicates.push(predicate);
    return predicate;
  }

  /** The epoch history of a metric, for best(), prev() and mean(). */
  protected history(metric: string, mode: Mode = "auto"): MetricHistory {
    let history = this.histories.get(metric);
    if (!history) {
      history = new MetricHistory(resolveMode(metric, mode));
      this.histories.set(metric, history);
      const entry = this.metricsByEvent.get("epochEnd") ?? { names: [], all: false };
      if (!entry.names.includes(metric)) entry.names.push(metric);
      this.metricsByEvent.set("epochEnd", entry);
    }
    return history;
  }

  /** Feed a predicate this epoch's value; true when it fires. Captures best weights on a new best. */
  protected update(predicate: Predicate, value: number | undefined): boolean {
    const fired = predicate.tracker.update(this.epoch, value);
    if (predicate.bestWeights && predicate.tracker.improved) predicate.bestWeights.capture(this.model, this.epoch);
    return fired;
  }

  // ------------------------------------------------------------ events

  /**
   * Start of every event: move the clock, read the metrics this event's rules
   * need (once), record histories. Returns the values, absent ones undefined:
   * at once where the backend reads synchronously (cpu, wasm, tfjs-node) or the
   * logs hold numbers, else a promise of them (webgl). A batch hook is called
   * per batch, cache-cold after the batch's kernels: a promise it does not need
   * costs more there than the read itself.
   */
  protected enter(event: EventName, index: number, logs: Logs | undefined): MetricValues | Promise<MetricValues> {
    // tfjs calls setModel before any hook; a hand-driven callback must too.
    if (this.model === undefined || this.model === null) {
      throw new Error(
        `${this.spec.className}: ${HOOK_OF_EVENT[event]}() was called before setModel(): pass the callback to model.fit(), or call setModel(model) and setParams(params) first`,
      );
    }
    // Batch events only move the batch index: the rest of the clock moves at the other events.
    if (event === "batchBegin" || event === "batchEnd") this.batch = index;
    else this.moveClock(event, index);
    // A fresh object per event: the last event's values must not show through.
    const values: MetricValues = {};
    this.current = values;
    const wanted = this.metricsByEvent.get(event);
    const names = wanted === undefined ? undefined : wanted.all ? [...new Set([...wanted.names, ...this.reported])] : wanted.names;
    let reading: Promise<void> | undefined;
    try {
      if (names !== undefined && names.length > 0) reading = readMetricsNow(logs, names, values, readsSynchronously());
    } catch (error) {
      throw this.inHook(event, error);
    }
    if (reading === undefined) return this.entered(event, index, values);
    return reading.then(
      () => this.entered(event, index, values),
      (error: unknown) => {
        throw this.inHook(event, error);
      },
    );
  }

  /** The clock at an epoch or train event: epoch, batch and (without batch hooks) step. */
  private moveClock(event: Exclude<EventName, "batchBegin" | "batchEnd">, index: number): void {
    switch (event) {
      case "trainBegin":
        this.beginTraining();
        break;
      case "epochBegin":
        this.deriveSteps();
        this.epoch = index;
        this.batch = 0;
        this.iterationsAtEpochBegin = this.updateCount();
        break;
      case "epochEnd":
        this.epoch = index;
        if (!this.countsBatches) {
          this.deriveSteps();
          this.batch = Math.max(0, this.updateCount() - this.iterationsAtEpochBegin - 1);
        }
        break;
      case "trainEnd":
        this.deriveSteps();
        break;
    }
  }

  /** The metrics read: an epoch end records them in the histories. */
  private entered(event: EventName, index: number, values: MetricValues): MetricValues {
    if (event === "epochEnd") {
      for (const [metric, history] of this.histories) history.record(index, values[metric]);
    }
    return values;
  }

  /** A log value cbc cannot read, said with the class and hook it reached. */
  private inHook(event: EventName, error: unknown): unknown {
    return error instanceof LogValueError ? new LogValueError(error.metric, `${this.spec.className}, ${HOOK_OF_EVENT[event]}(): ${error.message}`) : error;
  }

  /**
   * The optimizer's update count: one per batch trained (every tfjs optimizer
   * counts its applyGradients calls). NaN when the optimizer does not count.
   */
  private updateCount(): number {
    const iterations: unknown = this.model?.optimizer?.iterations;
    return typeof iterations === "number" ? iterations : Number.NaN;
  }

  /**
   * Without batch hooks the step is not counted per batch: it is the batches
   * trained since train begin, read off the optimizer at epoch events. (An
   * optimizer that does not count leaves the step where it was.)
   */
  private deriveSteps(): void {
    if (this.countsBatches) return;
    const trained = this.updateCount() - this.stepOrigin.iterations;
    if (trained >= 0) this.step = this.stepOrigin.step + trained;
  }

  /**
   * End of every event: count the step, and let timers and I/O run now and then.
   * Returns a promise only when there is something to wait for (train end's
   * writers, a turn of the event loop): most batch ends return at once.
   */
  protected leave(event: EventName): Promise<void> | undefined {
    if (event === "batchEnd") this.step += 1;
    if (event === "trainEnd") {
      // The train-end rules have run: no rule can restore until the next fit, which
      // captures afresh. Free the snapshots now, so a callback made per fit and never
      // disposed does not keep a copy of the weights alive.
      this.dispose();
      return this.closeWriters().then(() => this.yieldIfDue(event));
    }
    return this.yieldIfDue(event);
  }

  /**
   * Every epoch end gives the event loop its turn (a class without batch rules has no other
   * chance during a long fit); batch and other events every 100 ms.
   */
  private yieldIfDue(event: EventName): Promise<void> | undefined {
    return event === "epochEnd" || performance.now() - this.lastYield > YIELD_EVERY_MS ? this.yieldNow() : undefined;
  }

  private yieldNow(): Promise<void> {
    this.lastYield = performance.now();
    return tf.nextFrame();
  }

  private beginTraining(): void {
    this.epoch = 0;
    this.batch = 0;
    this.step = 0;
    this.startedAt = performance.now();
    this.lastYield = this.startedAt;
    this.stepOrigin = { step: 0, iterations: this.updateCount() };
    this.iterationsAtEpochBegin = this.stepOrigin.iterations;
    this.firings.length = 0;
    this.v = this.initialVariables();
    for (const predicate of this.predicates) {
      predicate.tracker.reset();
      predicate.bestWeights?.dispose();
    }
    for (const history of this.histories.values()) history.reset();
    const reported = this.params?.metrics;
    this.reported = Array.isArray(reported) ? reported.map(String) : [];
    this.checkReportedMetrics();
  }

  /**
   * Every metric a rule reads must be reported by the fit loop (under either spelling of
   * acc/accuracy): fail before the first batch. A metric named by an option is the user's
   * option, so the error names the class and the option; one written in a rule names the rule.
   */
  private checkReportedMetrics(): void {
    const reported = new Set(this.reported);
    for (const rule of this.activeRules()) {
      for (const source of rule.metrics) {
        const name = this.metricName(source, this.options);
        const isBuiltinBatchKey = (rule.event === "batchBegin" || rule.event === "batchEnd") && (name === "batch" || name === "size");
        if (isReported(name, reported) || isBuiltinBatchKey) continue;
        if (typeof source !== "string") throw new OptionsError(optionMetricNotReported(this.spec.className, source.option, name, this.reported));
        throw new RuleError(rule, ruleMetricNotReported(name, this.reported));
      }
    }
  }

  // ------------------------------------------------------------ actions

  private record(rule: RuleSite, action: Firing["action"], extra: Partial<Firing> = {}): void {
    if (this.firings.length >= MAX_FIRINGS) this.firings.shift();
    this.firings.push({
      event: rule.event,
      epoch: this.epoch,
      batch: this.batch,
      step: this.step,
      rule: rule.at,
      text: rule.text,
      action,
      ...extra,
    });
  }

  private say(line: string): void {
    if (this.verbose > 0) this.printLine(line);
  }

  private printLine(line: string): void {
    if (this.host.printLine) this.host.printLine(line);
    else console.log(line);
  }

  protected setLr(rule: RuleSite, value: number): void {
    if (!Number.isFinite(value) || value < 0) {
      throw new RuleError(rule, `the learning rate must be a finite number >= 0, got ${value}`);
    }
    const optimizer = this.optimizer();
    const from = getLearningRate(optimizer);
    if (from === value) return;
    setLearningRate(optimizer, value);
    this.record(rule, "lr", { from, to: value });
    // As Keras prints it: ReduceLROnPlateau "reducing" at epoch end, LearningRateScheduler
    // "setting" at epoch begin, the rate as a Python float (1e-05, not 0.00001).
    if (rule.event === "epochEnd" || rule.event === "epochBegin") {
      const verb = rule.event === "epochEnd" && value < from ? "reducing" : "setting";
      this.say(`Epoch ${this.epoch + 1}: ${this.spec.className} ${verb} learning rate to ${pyRepr(value)}.`);
    }
  }

  protected stop(rule: RuleSite): void {
    this.model.stopTraining = true;
    this.record(rule, "stop");
    this.say(`Epoch ${this.epoch + 1}: early stopping`);
  }

  protected restore(rule: RuleSite, predicate: Predicate): void {
    const epoch = predicate.bestWeights?.restore(this.model);
    if (epoch === undefined) return;
    this.record(rule, "restore", { detail: `weights of epoch index ${epoch}` });
    this.say(`Restoring model weights from the end of the best epoch: ${epoch + 1}.`);
  }

  protected assign(rule: RuleSite, name: string, value: number): void {
    const from = this.v[name];
    this.v[name] = value;
    this.record(rule, "set", { from, to: value, detail: name });
  }

  protected fn(rule: RuleSite, name: string, result: unknown): number {
    if (typeof result !== "number") {
      throw new RuleError(rule, `function option \`${name}\` must return a number, got ${typeof result}`);
    }
    return result;
  }

  /** Fill `{name:spec}` placeholders: epoch and batch 1-based as Keras shows them. */
  protected format(rule: RuleSite, template: string): string {
    const options = this.options;
    const params = this.spec.params ?? {};
    const ints = this.intParams;
    let missing: string | undefined;
    const lookup = (name: string): FormatArg | undefined => {
      switch (name) {
        case "epoch":
          return { int: this.epoch + 1 };
        case "batch":
          return { int: this.batch + 1 };
        case "step":
          return { int: this.step };
        case "epochs":
          return { int: this.epochs };
        case "lr":
          return this.lr;
        case "elapsed":
          return this.elapsed;
      }
      // Own keys only: a metric named `constructor` or `toString` is not Object.prototype's.
      if (Object.hasOwn(this.v, name)) {
        const value = this.v[name];
        return Number.isInteger(value) ? { int: value } : value;
      }
      if (Object.hasOwn(params, name)) {
        const value = options[params[name]];
        if (typeof value === "number") return ints.has(name) ? { int: value } : value;
        if (typeof value === "string" || typeof value === "boolean") return value;
        return value === undefined ? "None" : String(value);
      }
      // `{val_accuracy}` finds the metric read as `val_acc`, and the other way round.
      for (const spelling of metricSpellings(name)) if (this.current[spelling] !== undefined) return this.current[spelling];
      missing = name;
      return undefined;
    };
    try {
      return formatTemplate(template, lookup);
    } catch (error) {
      // A template the user gave as an option (`filepath`): speak of the option, not of a rule inside the class.
      const option = Object.values(params).find((name) => options[name] === template);
      if (missing !== undefined && option !== undefined) {
        throw new OptionsError(optionTemplateNotReported(this.spec.className, option, template, missing, this.reported), { cause: error });
      }
      throw new RuleError(rule, error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  protected print(rule: RuleSite, line: string): void {
    this.printLine(line);
    this.record(rule, "print", { detail: line });
  }

  /**
   * `fail "TEXT"`: reject the fit now. The callback's own files are closed first, so what they
   * hold is complete; nothing after this action runs, train-end rules included (tfjs calls no
   * train end when a hook throws).
   */
  protected async fail(rule: RuleSite, message: string): Promise<never> {
    this.record(rule, "fail", { detail: message });
    await this.closeWriters().catch(() => undefined);
    throw new RuleFailure(rule, message);
  }

  protected async save(
    rule: RuleSite,
    path: string,
    what: "model" | "weights",
    keep?: { count: number; rankBy?: Predicate },
  ): Promise<void> {
    await this.writersForThisFit();
    this.requireHost(rule, "save", path);
    try {
      await this.host.saveCheckpoint(this.model, path, what);
      if (keep) {
        const key = this.saveActionKey(rule);
        let keeper = this.keepers.get(key);
        if (!keeper) {
          keeper = this.newKeeper(keep.count, keep.rankBy ? "best" : "newest");
          this.keepers.set(key, keeper);
        }
        // Rank by the metric's value now, not the predicate's best: a rule like
        // `when val_loss improves or epoch == 9` also saves without a new best.
        const rankBy = keep.rankBy;
        const value = rankBy === undefined ? undefined : this.current[rankBy.metric];
        const score = rankBy && value !== undefined ? { value, direction: rankBy.direction } : undefined;
        await keeper.add(path, score);
      }
    } catch (error) {
      throw await this.writeFailed(rule, `could not save ${what} to`, path, error);
    }
    this.record(rule, "save", { detail: path });
    this.say(`Epoch ${this.epoch + 1}: saving ${what} to ${path}`);
  }

  /** Which save action of its rule is running, so each `save ... keep K` of one rule keeps its own K. */
  private saveFiring = { key: "", ordinal: 0 };

  /**
   * A key per save action: the rule and the action's place among the saves of
   * one firing. A rule fires at most once per event and runs its actions in
   * order, so the n-th save of a firing is always the same action.
   */
  private saveActionKey(rule: RuleSite): string {
    const firing = [rule.at, rule.event, this.startedAt, this.epoch, this.step, this.batch].join("\u0000");
    if (this.saveFiring.key === firing) this.saveFiring.ordinal += 1;
    else this.saveFiring = { key: firing, ordinal: 0 };
    return `${rule.at}\u0000${this.saveFiring.ordinal}`;
  }

  /**
   * One CSV row, as Keras' CSVLogger writes it: header `epoch` + the metrics the
   * fit loop reports (params.metrics, which holds the val_ ones when validation
   * is on) sorted by name + `lr`, written when the file is first logged to in a fit.
   */
  protected async log(rule: RuleSite, path: string, options: { separator?: string; append?: boolean } = {}): Promise<void> {
    await this.writersForThisFit();
    this.requireHost(rule, "log", path);
    try {
      let logger = this.csvLoggers.get(path);
      if (!logger) {
        logger = this.host.openCsv(path, options);
        await logger.open(this.reported);
        this.csvLoggers.set(path, logger);
      }
      await logger.writeRow(this.epoch, { ...this.current, lr: this.lr });
    } catch (error) {
      throw await this.writeFailed(rule, "could not write the CSV log", path, error);
    }
    this.record(rule, "log", { detail: path });
  }

  /**
   * The reported metrics and `lr` as scalars in Keras' TensorBoard layout.
   * Epoch rules write at the epoch index; batch rules at the global step as
   * Keras' TensorBoard numbers it, the count of batches trained (1 for the
   * first batch: Keras increments it at batch begin).
   */
  protected async tensorboard(rule: RuleSite, dir: string): Promise<void> {
    await this.writersForThisFit();
    this.requireHost(rule, "tensorboard", dir);
    const batchLevel = rule.event === "batchEnd" || rule.event === "batchBegin";
    const step = batchLevel ? this.step + 1 : this.epoch;
    const values: Record<string, number | undefined> = {};
    for (const name of this.reported) values[name] = this.current[name];
    try {
      let writer = this.boards.get(dir);
      if (!writer) {
        writer = this.host.openTensorBoard(dir);
        this.boards.set(dir, writer);
      }
      await writer.write(batchLevel ? "batch" : "epoch", step, values, this.lr);
    } catch (error) {
      throw await this.writeFailed(rule, "could not write TensorBoard events to", dir, error);
    }
    this.record(rule, "tensorboard", { detail: dir });
  }

  private progressBar: ProgressSink | undefined;
  /** The fit (its startedAt) the progress bar belongs to. */
  private progressFit = Number.NaN;

  /** Where `progress` draws; undefined: the host's default (on Node process.stdout: a bar on a terminal, one line per epoch elsewhere). */
  protected get progressStream(): ProgressStream | undefined {
    return undefined;
  }

  /**
   * Draws the progress bar: at batch events the bar (running means of the batch
   * metrics), at epoch end the epoch's final metrics, val_ ones included. Off a
   * terminal, one line per epoch, written when the epoch is over.
   */
  protected progress(rule: RuleSite): void {
    if (this.progressBar === undefined || this.progressFit !== this.startedAt) {
      this.progressBar?.finish();
      this.progressFit = this.startedAt;
      this.requireHost(rule, "progress");
      this.progressBar = this.host.openProgress(this.progressStream, this.params, this.startedAt);
    }
    const metrics: Array<[string, number]> = [];
    for (const name of this.reported) {
      const value = this.current[name];
      if (value !== undefined) metrics.push([name, value]);
    }
    switch (rule.event) {
      case "batchBegin":
        this.progressBar.batchEnd(this.epoch, this.batch);
        break;
      case "batchEnd":
        this.progressBar.batchEnd(this.epoch, this.batch + 1, metrics);
        break;
      case "epochBegin":
        this.progressBar.epochBegin(this.epoch);
        break;
      case "epochEnd":
        this.progressBar.epochEnd(this.epoch, metrics);
        break;
      case "trainBegin":
      case "trainEnd":
        break;
    }
  }

  /** The fit (its startedAt) that the open writers belong to. */
  private writersFit = Number.NaN;

  /**
   * Writers are opened lazily and closed at train end. A fit that failed never
   * reached train end: close what it left open before the next fit writes, so a
   * CSV log starts over (or appends) and TensorBoard gets new event files.
   */
  private async writersForThisFit(): Promise<void> {
    if (this.writersFit === this.startedAt) return;
    this.writersFit = this.startedAt;
    const stale = [...this.csvLoggers.values(), ...this.boards.values()];
    this.csvLoggers.clear();
    this.boards.clear();
    // Their failures were reported when they happened.
    await Promise.allSettled(stale.map((writer) => writer.close()));
  }

  /**
   * A write failed: training stops with a RuleError naming the rule and the
   * path. Every other writer is closed first, so what they wrote is complete on
   * disk (CSV rows, TensorBoard events); checkpoints are never half-replaced.
   */
  private async writeFailed(rule: RuleSite, what: string, path: string, error: unknown): Promise<RuleError> {
    await this.closeWriters().catch(() => undefined);
    const reason =
      error instanceof WriteError && error.path === path ? error.reason : error instanceof Error ? error.message : String(error);
    return new RuleError(rule, `${what} "${path}": ${reason}`, { cause: error });
  }

  protected async call(rule: RuleSite, name: string): Promise<void> {
    const hook = this.hooks[name];
    if (!hook) throw new RuleError(rule, `no hook \`${name}\` was given in the options (hooks: { ${name}: (context) => ... })`);
    const context: HookContext = {
      callback: this,
      model: this.model,
      rule,
      epoch: this.epoch,
      batch: this.batch,
      step: this.step,
      lr: this.lr,
      elapsed: this.elapsed,
      metrics: { ...this.current },
    };
    try {
      await hook(context);
    } catch (error) {
      // Name the rule that called it; the hook's own error stays the cause.
      throw new RuleError(rule, `hook \`${name}\` failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.record(rule, "call", { detail: name });
  }

  /** Train end (or a failed write): settles the progress bar, flushes, fsyncs and closes every file writer. */
  private async closeWriters(): Promise<void> {
    this.progressBar?.finish();
    this.progressBar = undefined;
    const writers = [...this.csvLoggers.values(), ...this.boards.values()];
    this.csvLoggers.clear();
    this.boards.clear();
    const results = await Promise.allSettled(writers.map((writer) => writer.close()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failure) throw failure.reason;
  }

  /** A host that cannot perform an action says why; the rule gets the blame, with what works there. */
  private requireHost(rule: RuleSite, action: HostAction, target?: string): void {
    const reason = this.host.unsupported?.(action, target);
    if (reason !== undefined) throw new RuleError(rule, reason);
  }

  /** Free best-weight snapshots. Train end does it too; call it after a fit that failed, if the callback will not be used again. */
  dispose(): void {
    for (const predicate of this.predicates) predicate.bestWeights?.dispose();
  }

  // ------------------------------------------------------------ backup and restore

  /** The class and options a saved state belongs to (BackupAndRestore compares them). */
  signature(): CallbackSignature {
    return { className: this.spec.className, options: stringifyState(this.options) };
  }

  /** Everything this callback has learned in the current fit; best-weight tensors go to `sink`. Call between events. */
  async state(sink: TensorSink): Promise<RulesCallbackState> {
    const keepers: Record<string, KeptCheckpointsState> = {};
    for (const [key, keeper] of this.keepers) keepers[key] = keeper.state;
    const histories: Record<string, MetricHistoryState> = {};
    for (const [metric, history] of this.histories) histories[metric] = history.state();
    const csvLogs: RulesCallbackState["csvLogs"] = [];
    for (const [path, logger] of this.csvLoggers) csvLogs.push({ path, state: await this.sinkState("CSV log", path, logger) });
    const tensorboards: RulesCallbackState["tensorboards"] = [];
    for (const [dir, board] of this.boards) tensorboards.push({ dir, state: await this.sinkState("TensorBoard log", dir, board) });
    return {
      v: 1,
      className: this.spec.className,
      clock: { epoch: this.epoch, batch: this.batch, step: this.step, elapsed: this.elapsed },
      variables: { ...this.v },
      firings: structuredClone(this.firings),
      predicates: this.predicates.map((predicate) => ({
        tracker: predicate.tracker.state(),
        ...(predicate.bestWeights && { bestWeights: predicate.bestWeights.state(sink) }),
      })),
      histories,
      keepers,
      csvLogs,
      tensorboards,
    };
  }

  private async sinkState(what: string, target: string, writer: CsvSink | ScalarSink): Promise<unknown> {
    if (writer.state === undefined) throw new StateError(`${this.spec.className}: the ${this.host.platform} host cannot back up the ${what} "${target}"`);
    return writer.state();
  }

  private newKeeper(count: number, rank: "best" | "newest"): KeptCheckpoints {
    const host = this.host;
    return new KeptCheckpoints(count, rank, {
      remove: (location) => host.removeCheckpoint(location),
      key: (location) => host.checkpointKey(location),
    });
  }

  /**
   * Puts a saved state back, after train begin (which resets everything): the
   * fit goes on as if it had never stopped. CSV logs and event files are
   * reopened by the host where the state left them (on Node cut back to their
   * saved length, so no row or step is written twice).
   */
  async restoreState(saved: unknown, source: TensorSource): Promise<void> {
    const state = checkState<RulesCallbackState>(this.spec.className, saved, 1);
    if (state.className !== this.spec.className) {
      throw new StateError(`${this.spec.className}: the saved state belongs to ${state.className}`);
    }
    if (state.predicates.length !== this.predicates.length) {
      throw new StateError(`${this.spec.className}: the saved state has ${state.predicates.length} predicates, this class ${this.predicates.length}`);
    }
    for (const metric of Object.keys(state.histories)) {
      if (!this.histories.has(metric)) throw new StateError(`${this.spec.className}: the saved state has a history of ${metric}, this class none`);
    }
    const { resumeCsv, resumeTensorBoard } = this.host;
    if ((state.csvLogs.length > 0 && resumeCsv === undefined) || (state.tensorboards.length > 0 && resumeTensorBoard === undefined)) {
      throw new StateError(`${this.spec.className}: the ${this.host.platform} host cannot reopen CSV or TensorBoard logs`);
    }
    this.predicates.forEach((predicate, index) => {
      const savedPredicate = state.predicates[index];
      predicate.tracker.restoreState(savedPredicate.tracker);
      if (predicate.bestWeights) predicate.bestWeights.restoreState(savedPredicate.bestWeights ?? { v: 1 }, source, this.model);
    });
    for (const [metric, history] of this.histories) {
      const savedHistory = state.histories[metric];
      if (savedHistory === undefined) history.reset();
      else history.restoreState(savedHistory);
    }
    this.keepers.clear();
    for (const [key, savedKeeper] of Object.entries(state.keepers)) {
      const keeper = this.newKeeper(savedKeeper.keep, savedKeeper.rank);
      keeper.restoreState(savedKeeper);
      this.keepers.set(key, keeper);
    }
    this.epoch = state.clock.epoch;
    this.batch = state.clock.batch;
    this.step = state.clock.step;
    this.stepOrigin = { step: this.step, iterations: this.updateCount() };
    this.iterationsAtEpochBegin = this.stepOrigin.iterations;
    this.startedAt = performance.now() - state.clock.elapsed * 1000;
    this.v = { ...state.variables };
    this.firings.splice(0, this.firings.length, ...state.firings);
    // The writers belong to this fit: writersForThisFit() must not close them.
    await this.closeWriters();
    this.writersFit = this.startedAt;
    for (const { path, state: sinkState } of state.csvLogs) this.csvLoggers.set(path, await resumeCsv!.call(this.host, sinkState));
    for (const { dir, state: sinkState } of state.tensorboards) this.boards.set(dir, await resumeTensorBoard!.call(this.host, sinkState));
  }

  // ------------------------------------------------------------ default hooks: keep the clock right

  override async onTrainBegin(logs?: Logs): Promise<void> {
    await this.enter("trainBegin", 0, logs);
    await this.leave("trainBegin");
  }

  override async onEpochBegin(epoch: number, logs?: Logs): Promise<void> {
    await this.enter("epochBegin", epoch, logs);
    await this.leave("epochBegin");
  }

  // No default batch hooks: a class without batch rules costs nothing per batch.
  // Its step count is derived at epoch events, where the event loop also gets its turn.
  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    await this.enter("epochEnd", epoch, logs);
    await this.leave("epochEnd");
  }

  override async onTrainEnd(logs?: Logs): Promise<void> {
    await this.enter("trainEnd", 0, logs);
    await this.leave("trainEnd");
  }
}

