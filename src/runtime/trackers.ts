// State machines behind the `plateau` and `improves` predicates (Keras' EarlyStopping, ReduceLROnPlateau, ModelCheckpoint).

import { beats, type Direction } from "./modes.js";
import { checkState } from "./state.js";

/** What a PlateauTracker has learned so far (its options are the callback's, checked apart). */
export interface PlateauTrackerState {
  v: 1;
  best?: number;
  bestEpoch?: number;
  wait: number;
  cooldown: number;
  improved: boolean;
}

/** What an ImprovesTracker has learned so far. */
export interface ImprovesTrackerState {
  v: 1;
  best?: number;
  bestEpoch?: number;
  improved: boolean;
}

export interface PlateauOptions {
  patience: number;
  minDelta?: number;
  cooldown?: number;
  direction: Direction;
  baseline?: number;
  startEpoch?: number;
  /**
   * Which Keras class to follow where the two differ. A plateau written with
   * a `cooldown` option is ReduceLROnPlateau's, whose best starts at +-inf
   * in every Keras 3 release (so a NaN first value is not the best); without
   * one, EarlyStopping's, where the first value is the best (LANGUAGE.md).
   */
  flavor?: "early-stopping" | "reduce-lr";
}

/**
 * `M plateau N ...`: LANGUAGE.md's three steps, run at each epoch end where M
 * has a value and epoch >= startEpoch.
 *
 * Equal to Keras 3 EarlyStopping (no cooldown) and ReduceLROnPlateau (no
 * baseline), quirks included: patience 0 acts like 1, cooldown 1 like 0.
 * Where the two Keras classes disagree, EarlyStopping wins: the first value
 * seen becomes the best even when it is NaN or ±inf (EarlyStopping starts
 * from `best = None`; ReduceLROnPlateau starts from ±inf and would skip it).
 */
export class PlateauTracker {
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly cooldown: number;
  private readonly direction: Direction;
  private readonly baseline: number | undefined;
  private readonly startEpoch: number;
  private readonly reduceLrFlavor: boolean;

  private bestValue: number | undefined;
  private bestAt: number | undefined;
  private waited = 0;
  private cooling = 0;
  private lastImproved = false;

  constructor(options: PlateauOptions) {
    this.patience = options.patience;
    this.minDelta = options.minDelta ?? 0;
    this.cooldown = options.cooldown ?? 0;
    this.direction = options.direction;
    this.baseline = options.baseline;
    this.startEpoch = options.startEpoch ?? 0;
    this.reduceLrFlavor = options.flavor === "reduce-lr";
  }

  get best(): number | undefined {
    return this.bestValue;
  }
  get bestEpoch(): number | undefined {
    return this.bestAt;
  }
  get wait(): number {
    return this.waited;
  }
  get cooldownLeft(): number {
    return this.cooling;
  }
  /** The last update set a new best (ties keep the earlier epoch). */
  get improved(): boolean {
    return this.lastImproved;
  }

  /** Feeds one epoch-end value; true when the plateau predicate fires. */
  update(epoch: number, value: number | undefined): boolean {
    this.lastImproved = false;
    if (value === undefined || epoch < this.startEpoch) return false;

    // Step 1: a running cooldown ticks down whatever happens next.
    if (this.cooling > 0) {
      this.cooling -= 1;
      this.waited = 0;
    }

    // Step 2: improvement. `bestAt` marks "has a best", since the best may be NaN.
    if (this.improves(value)) {
      this.bestValue = value;
      this.bestAt = epoch;
      this.lastImproved = true;
      // EarlyStopping restarts its patience only once the baseline is beaten too.
      const clearsBaseline =
        this.baseline === undefined || beats(this.direction, value, this.baseline, this.minDelta);
      this.waited = clearsBaseline ? 0 : this.waited + 1;
      return false;
    }

    // Step 3: no improvement. Checked after step 1, which is why cooldown 1 acts like 0.
    if (this.cooling > 0) return false;
    this.waited += 1;
    if (this.waited < this.patience) return false;
    this.waited = 0;
    this.cooling = this.cooldown;
    return true;
  }

  private improves(value: number): boolean {
    if (this.reduceLrFlavor && this.bestAt === undefined) {
      return beats(this.direction, value, this.direction === "min" ? Infinity : -Infinity, this.minDelta);
    }
    return this.bestAt === undefined || beats(this.direction, value, this.bestValue as number, this.minDelta);
  }

  reset(): void {
    this.bestValue = undefined;
    this.bestAt = undefined;
    this.waited = 0;
    this.cooling = 0;
    this.lastImproved = false;
  }

  state(): PlateauTrackerState {
    const state: PlateauTrackerState = { v: 1, wait: this.waited, cooldown: this.cooling, improved: this.lastImproved };
    if (this.bestAt !== undefined) {
      state.best = this.bestValue as number;
      state.bestEpoch = this.bestAt;
    }
    return state;
  }

  restoreState(saved: unknown): void {
    const state = checkState<PlateauTrackerState>("plateau", saved, 1);
    this.bestValue = state.best;
    this.bestAt = state.bestEpoch;
    this.waited = state.wait;
    this.cooling = state.cooldown;
    this.lastImproved = state.improved;
  }
}

export interface ImprovesOptions {
  minDelta?: number;
  direction: Direction;
  baseline?: number;
  startEpoch?: number;
}

/**
 * `M improves ...`: true at the epoch end where M sets a new best, as Keras 3
 * ModelCheckpoint(save_best_only=True) decides it. Its reference starts at
 * `initial_value_threshold` (our baseline) when given, else at +inf (min) or
 * -inf (max); so the first finite value counts, while a first value of NaN,
 * or of the starting infinity itself, does not (NaN - d < inf is false).
 * Unlike ModelCheckpoint, an epoch without the metric does not count: Keras
 * saves anyway with a warning, LANGUAGE.md makes such a condition false.
 */
export class ImprovesTracker {
  private readonly minDelta: number;
  private readonly direction: Direction;
  private readonly baseline: number | undefined;
  private readonly startEpoch: number;

  private bestValue: number | undefined;
  private bestAt: number | undefined;
  private lastImproved = false;

  constructor(options: ImprovesOptions) {
    this.minDelta = options.minDelta ?? 0;
    this.direction = options.direction;
    this.baseline = options.baseline;
    this.startEpoch = options.startEpoch ?? 0;
  }

  get best(): number | undefined {
    return this.bestValue;
  }
  get bestEpoch(): number | undefined {
    return this.bestAt;
  }
  get improved(): boolean {
    return this.lastImproved;
  }

  update(epoch: number, value: number | undefined): boolean {
    this.lastImproved = false;
    if (value === undefined || epoch < this.startEpoch) return false;
    const reference = this.bestValue ?? this.baseline ?? (this.direction === "min" ? Infinity : -Infinity);
    if (!beats(this.direction, value, reference, this.minDelta)) return false;
    this.bestValue = value;
    this.bestAt = epoch;
    this.lastImproved = true;
    return true;
  }

  reset(): void {
    this.bestValue = undefined;
    this.bestAt = undefined;
    this.lastImproved = false;
  }

  state(): ImprovesTrackerState {
    const state: ImprovesTrackerState = { v: 1, improved: this.lastImproved };
    if (this.bestAt !== undefined) {
      state.best = this.bestValue as number;
      state.bestEpoch = this.bestAt;
    }
    return state;
  }

  restoreState(saved: unknown): void {
    const state = checkState<ImprovesTrackerState>("improves", saved, 1);
    this.bestValue = state.best;
    this.bestAt = state.bestEpoch;
    this.lastImproved = state.improved;
  }
}
