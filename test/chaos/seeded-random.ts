/** The seed of this run: CHAOS_SEED when given (to replay a failure), else one drawn now and printed. */
export function chaosSeed(): number {
  const given = process.env.CHAOS_SEED;
  if (given && /^[0-9]+$/.test(given)) return Number(given) >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/**
 * A small deterministic generator (mulberry32): the same seed kills the same processes at the
 * same offsets, so a run that found a defect can be replayed with CHAOS_SEED.
 */
export function seededRandom(seed: number): { next(): number; between(low: number, high: number): number } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return { next, between: (low, high) => low + (high - low) * next() };
}
