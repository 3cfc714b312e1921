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
}

/**
 * `M plateau N ...`: docs/language.md's three steps, run at each epoch end where M
 * has a value and epoch >= startEpoch.
 *
 * Equal to Keras 3.15.1's EarlyStopping (no cooldown) and ReduceLROnPlateau
 * (no baseline), quirks included: patience 0 acts like 1, cooldown 1 like 0.
 * Both start from `best = None` at train begin, so the first value seen is
 * the best even when it is NaN or ±inf, and nothing improves on a NaN best.
 */
export class PlateauTracker {
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly cooldown: number;
  private readonly direction: Direction;
  private readonly baseline: number | undefined;
  private readonly startEpoch: number;

  private readonly reference = new BestSoFar();
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
  }

  get best(): number | undefined {
    return this.reference.value;
  }
  get bestEpoch(): number | undefined {
    return this.reference.epoch;
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

    // Step 2: improvement (the first value always is one).
    if (this.reference.beatenBy(this.direction, value, this.minDelta)) {
      this.reference.set(epoch, value);
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

  reset(): void {
    this.reference.clear();
    this.waited = 0;
    this.cooling = 0;
    this.lastImproved = false;
  }

  state(): PlateauTrackerState {
    const state: PlateauTrackerState = { v: 1, wait: this.waited, cooldown: this.cooling, improved: this.lastImproved };
    if (this.reference.epoch !== undefined) {
      state.best = this.reference.value as number;
      state.bestEpoch = this.reference.epoch;
    }
    return state;
  }

  restoreState(saved: unknown): void {
    const state = checkState<PlateauTrackerState>("plateau", saved, 1);
    this.reference.value = state.best;
    this.reference.epoch = state.bestEpoch;
    this.waited = state.wait;
    this.cooling = state.cooldown;
    this.lastImproved = state.improved;
  }
}

/**
 * Keras' `best`, which starts at None: the first value beats it whatever it
 * is (NaN included); afterwards a value must beat the stored one, and no
 * value beats NaN. `epoch` marks "has a best", since the best may be NaN.
 */
class BestSoFar {
  value: number | undefined;
  epoch: number | undefined;

  beatenBy(direction: Direction, value: number, minDelta: number): boolean {
    return this.epoch === undefined || beats(direction, value, this.value as number, minDelta);
  }

  set(epoch: number, value: number): void {
    this.value = value;
    this.epoch = epoch;
  }

  clear(): void {
    this.value = undefined;
    this.epoch = undefined;
  }
}

export interface ImprovesOptions {
  minDelta?: number;
  direction: Direction;
  baseline?: number;
  startEpoch?: number;
}

/**
 * `M improves ...`: true at the epoch end where M sets a new best, as Keras
 * 3.15.1 ModelCheckpoint(save_best_only=True) decides it. Its `best` starts
 * at `initial_value_threshold` (our baseline) when given, else at None: so
 * without a baseline the first value counts, NaN and ±inf included, and
 * nothing improves on a NaN best; with one, the first value must beat it.
 * Unlike ModelCheckpoint, an epoch without the metric does not count: Keras
 * saves anyway with a warning, docs/language.md makes such a condition false.
 */
export class ImprovesTracker {
  private readonly minDelta: number;
  private readonly direction: Direction;
  private readonly baseline: number | undefined;
  private readonly startEpoch: number;

  private readonly reference = new BestSoFar();
  private lastImproved = false;

  constructor(options: ImprovesOptions) {
    this.minDelta = options.minDelta ?? 0;
    this.direction = options.direction;
    this.baseline = options.baseline;
    this.startEpoch = options.startEpoch ?? 0;
  }

  get best(): number | undefined {
    return this.reference.value;
  }
  get bestEpoch(): number | undefined {
    return this.reference.epoch;
  }
  get improved(): boolean {
    return this.lastImproved;
  }

  update(epoch: number, value: number | undefined): boolean {
    this.lastImproved = false;
    if (value === undefined || epoch < this.startEpoch) return false;
    const improves =
      this.reference.epoch === undefined && this.baseline !== undefined
        ? beats(this.direction, value, this.baseline, this.minDelta)
        : this.reference.beatenBy(this.direction, value, this.minDelta);
    if (!improves) return false;
    this.reference.set(epoch, value);
    this.lastImproved = true;
    return true;
  }

  reset(): void {
    this.reference.clear();
    this.lastImproved = false;
  }

  state(): ImprovesTrackerState {
    const state: ImprovesTrackerState = { v: 1, improved: this.lastImproved };
    if (this.reference.epoch !== undefined) {
      state.best = this.reference.value as number;
      state.bestEpoch = this.reference.epoch;
    }
    return state;
  }

  restoreState(saved: unknown): void {
    const state = checkState<ImprovesTrackerState>("improves", saved, 1);
    this.reference.value = state.best;
    this.reference.epoch = state.bestEpoch;
    this.lastImproved = state.improved;
  }
}
