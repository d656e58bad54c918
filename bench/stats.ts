/**
 * Summary statistics for benchmark samples: median, nearest-rank percentiles, min-max.
 * Pure functions, no I/O.
 */

export interface Summary {
  /** Median of the samples (mean of the two middle ones for an even count). */
  median: number;
  min: number;
  max: number;
  /** 95th percentile, nearest rank. */
  p95: number;
  runs: number;
}

/** Sorted copy, ascending; NaN is rejected (a NaN timing is a bug in the measurement). */
function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new Error('no samples to summarise');
  if (samples.some((s) => !Number.isFinite(s))) throw new Error(`non-finite sample in [${samples.join(', ')}]`);
  return [...samples].sort((a, b) => a - b);
}

export function median(samples: readonly number[]): number {
  const s = sorted(samples);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile, p in (0, 100]. */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const s = sorted(samples);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

export function summarise(samples: readonly number[]): Summary {
  const s = sorted(samples);
  return { median: median(s), min: s[0], max: s[s.length - 1], p95: percentile(s, 95), runs: s.length };
}

/** Mean, for per-run aggregates (e.g. ms per image over the images of one run). */
export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('no samples to average');
  return samples.reduce((a, b) => a + b, 0) / samples.length;
}
