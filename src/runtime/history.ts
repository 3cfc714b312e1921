// Per-metric epoch history behind the `best(M)`, `prev(M)` and `mean(M, K)` expressions.

import type { Direction } from "./modes.js";
import { checkState, StateError } from "./state.js";

/** The recorded epochs and values of one metric. */
export interface MetricHistoryState {
  v: 1;
  direction: Direction;
  epochs: number[];
  values: number[];
  best?: number;
}

export class MetricHistory {
  private readonly direction: Direction;
  private readonly epochs: number[] = [];
  private readonly values: number[] = [];
  private bestValue: number | undefined;

  constructor(direction: Direction) {
    this.direction = direction;
  }

  /** Records the value of one epoch; an absent value records nothing. Recording an epoch again replaces it. */
  record(epoch: number, value: number | undefined): void {
    if (value === undefined) return;
    const last = this.epochs.length - 1;
    if (last >= 0 && this.epochs[last] === epoch) {
      this.values[last] = value;
      this.bestValue = this.values.reduce<number | undefined>((best, v) => this.better(best, v), undefined);
    } else {
      this.epochs.push(epoch);
      this.values.push(value);
      this.bestValue = this.better(this.bestValue, value);
    }
  }

  /**
   * Best value so far in the metric's direction. NaN is the best only while
   * nothing else was seen: unlike the `plateau` quirk, a later real value replaces it.
   */
  best(): number | undefined {
    return this.bestValue;
  }

  /** Value recorded at epoch `currentEpoch - 1`, or undefined when that epoch had none. */
  prev(currentEpoch: number): number | undefined {
    for (let i = this.epochs.length - 1; i >= 0; i--) {
      if (this.epochs[i] === currentEpoch - 1) return this.values[i];
      if (this.epochs[i] < currentEpoch - 1) return undefined;
    }
    return undefined;
  }

  /** Mean of the last k recorded values; undefined until k exist. A NaN among them makes it NaN. */
  mean(k: number): number | undefined {
    if (!Number.isInteger(k) || k < 1) throw new Error(`mean(M, K) needs a whole K >= 1, got ${k}`);
    if (this.values.length < k) return undefined;
    let sum = 0;
    for (let i = this.values.length - k; i < this.values.length; i++) sum += this.values[i];
    return sum / k;
  }

  reset(): void {
    this.epochs.length = 0;
    this.values.length = 0;
    this.bestValue = undefined;
  }

  state(): MetricHistoryState {
    const state: MetricHistoryState = { v: 1, direction: this.direction, epochs: [...this.epochs], values: [...this.values] };
    if (this.bestValue !== undefined) state.best = this.bestValue;
    return state;
  }

  restoreState(saved: unknown): void {
    const state = checkState<MetricHistoryState>("metric history", saved, 1);
    if (state.direction !== this.direction) {
      throw new StateError(`metric history: saved for mode ${state.direction}, this one is ${this.direction}`);
    }
    if (!Array.isArray(state.epochs) || !Array.isArray(state.values) || state.epochs.length !== state.values.length) {
      throw new StateError("metric history: the saved epochs and values do not match");
    }
    this.epochs.splice(0, this.epochs.length, ...state.epochs);
    this.values.splice(0, this.values.length, ...state.values);
    this.bestValue = state.best;
  }

  private better(current: number | undefined, candidate: number): number {
    if (current === undefined || Number.isNaN(current)) return candidate;
    if (Number.isNaN(candidate)) return current;
    return this.direction === "min" ? Math.min(current, candidate) : Math.max(current, candidate);
  }
}
