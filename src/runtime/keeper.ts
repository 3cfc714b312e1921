// `keep K`: which checkpoints stay. Platform-neutral: the store says how a
// location is identified and deleted (a directory on Node, a key in IndexedDB).

export type CheckpointRank = "newest" | "best";

export interface CheckpointScore {
  value: number;
  direction: "min" | "max";
}

/** How a platform identifies and deletes a checkpoint. */
export interface CheckpointStore {
  remove(location: string): Promise<void>;
  /** One key per location: two spellings of one path count once. */
  key(location: string): string;
}

interface KeptCheckpoint {
  path: string;
  /** Order of the latest write; higher is newer. */
  sequence: number;
  score: CheckpointScore | undefined;
}

/** What a keeper remembers, as plain data: to carry its list across a resumed run. */
export interface KeptCheckpointsState {
  keep: number;
  rank: CheckpointRank;
  sequence: number;
  entries: Array<{ path: string; sequence: number; score?: CheckpointScore | undefined }>;
}

/** Higher is better; NaN and a missing score rank below everything. */
function goodness(score: CheckpointScore | undefined): number {
  if (score === undefined || Number.isNaN(score.value)) return -Infinity;
  return score.direction === "max" ? score.value : -score.value;
}

/**
 * Keeps the K newest (or, ranked "best", the K best) checkpoints among those
 * it was told about, and deletes the others. Only paths passed to add() are
 * ever deleted; a path added again counts once (at its latest write and score).
 * Ties in score keep the older checkpoint, as a tie is no improvement; a
 * checkpoint without a score or with a NaN score ranks last.
 */
export class KeptCheckpoints {
  readonly keep: number;
  readonly rank: CheckpointRank;
  private readonly store: CheckpointStore;
  private readonly entries = new Map<string, KeptCheckpoint>();
  private sequence = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(keep: number, rank: CheckpointRank, store: CheckpointStore) {
    if (!Number.isInteger(keep) || keep < 1) {
      throw new RangeError(`CheckpointKeeper: keep must be an integer >= 1, got ${keep}`);
    }
    if (rank !== "newest" && rank !== "best") {
      throw new RangeError(`CheckpointKeeper: rank must be "newest" or "best", got ${String(rank)}`);
    }
    this.keep = keep;
    this.rank = rank;
    this.store = store;
  }

  /** Call after the checkpoint at `checkpointPath` is in place. */
  add(checkpointPath: string, score?: CheckpointScore): Promise<void> {
    const run = this.pending.then(() => this.record(checkpointPath, score));
    this.pending = run.catch(() => undefined);
    return run;
  }

  /** The checkpoints currently kept, best (or newest) first. */
  get kept(): string[] {
    return this.ordered().map((entry) => entry.path);
  }

  /** The list as plain data (JSON-safe but for a NaN score). */
  get state(): KeptCheckpointsState {
    return {
      keep: this.keep,
      rank: this.rank,
      sequence: this.sequence,
      entries: [...this.entries.values()].map((entry) => ({ path: entry.path, sequence: entry.sequence, score: entry.score })),
    };
  }

  /** Take over a list saved from `state` (of a keeper with the same keep and rank): nothing is deleted now. */
  restoreState(state: KeptCheckpointsState): void {
    this.entries.clear();
    for (const entry of state.entries) {
      this.entries.set(this.store.key(entry.path), { path: entry.path, sequence: entry.sequence, score: entry.score });
    }
    this.sequence = Math.max(state.sequence, ...state.entries.map((entry) => entry.sequence));
  }

  private ordered(): KeptCheckpoint[] {
    const entries = [...this.entries.values()];
    if (this.rank === "newest") return entries.sort((a, b) => b.sequence - a.sequence);
    return entries.sort((a, b) => goodness(b.score) - goodness(a.score) || a.sequence - b.sequence);
  }

  private async record(checkpointPath: string, score: CheckpointScore | undefined): Promise<void> {
    this.sequence += 1;
    this.entries.set(this.store.key(checkpointPath), { path: checkpointPath, sequence: this.sequence, score });
    const doomed = this.ordered().slice(this.keep);
    for (const entry of doomed) {
      await this.store.remove(entry.path);
      this.entries.delete(this.store.key(entry.path));
    }
  }
}
