// Seeded randomness for fuzz and property tests: Park-Miller, small, the same sequence on every machine.

export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

export function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)];
}
