/**
 * Throughput and time-left of a bulk job, from (time, count) samples. Pure functions.
 *
 * The rate is measured over a sliding window of recent samples, not since the start: the
 * first images pay for the model's start-up and a resumed job skips done images instantly,
 * both of which would make a whole-run average lie about what is left.
 */

/** One observation: at `at` (ms), `count` images had been processed in this run. */
export interface RateSample {
  at: number;
  count: number;
}

/** Default window for the rate. */
export const RATE_WINDOW_MS = 10_000;

/** Keep the samples inside the window ending at the last one (always keeping two if there are). */
export function trimSamples(samples: readonly RateSample[], windowMs = RATE_WINDOW_MS): RateSample[] {
  if (samples.length <= 2) return [...samples];
  const end = samples[samples.length - 1].at;
  let first = 0;
  while (first < samples.length - 2 && samples[first + 1].at <= end - windowMs) first++;
  return samples.slice(first);
}

/** Items per second over the samples (0 until two samples span some time). */
export function ratePerSecond(samples: readonly RateSample[]): number {
  if (samples.length < 2) return 0;
  const a = samples[0];
  const b = samples[samples.length - 1];
  const dt = b.at - a.at;
  return dt > 0 ? ((b.count - a.count) * 1000) / dt : 0;
}

/** Milliseconds left for `remaining` items at `rate` items/s; undefined when unknown. */
export function timeLeftMs(remaining: number, rate: number): number | undefined {
  if (remaining <= 0) return 0;
  return rate > 0 ? (remaining / rate) * 1000 : undefined;
}

/** "1 h 02 min", "3 min 05 s", "12 s", "…" for unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '…';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Fraction done in 0..1 (1 for an empty job). */
export function fractionDone(done: number, total: number): number {
  return total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
}
