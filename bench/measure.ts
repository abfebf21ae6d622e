// What the benchmarks share: closed-loop clients for a time, and percentiles.

/** Runs `clients` loops of `operation` for `ms`, each timing every call; returns the latencies in ms. */
export async function timedFor(ms: number, clients: number, operation: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        await operation();
        samples.push(performance.now() - start);
      }
    }),
  );
  return samples;
}

export function percentile(samples: readonly number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

export const round2 = (value: number) => Math.round(value * 100) / 100;
