/** A seeded xorshift generator (uniform in [0, 1)): every run of a benchmark builds the same data. `reset` starts it again. */
export function seededRandom(initial: number): { next: () => number; reset: () => void } {
  let seed = initial;
  return {
    next() {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    },
    reset() {
      seed = initial;
    },
  };
}
