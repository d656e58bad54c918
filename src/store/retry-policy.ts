/**
 * What the outbox does with an HTTP answer, and how long it waits before trying again.
 * Pure functions: the clock and the random source come from the caller.
 */

/** Outcome of one send attempt. */
export type SendOutcome =
  /** 2xx: delivered; the item is deleted. */
  | 'sent'
  /** 408, 429, 5xx, network error: transient; retried after a backoff. */
  | 'retry'
  /** 401, 403: a person must log in; kept as is and reported, never dropped. */
  | 'auth'
  /** Any other status: the request itself is wrong; kept in a failed state and reported. */
  | 'failed';

/** Backoff tuning. */
export interface RetryPolicy {
  /** Delay after the first failed attempt. */
  baseDelayMs: number;
  /** Upper bound of any delay. */
  maxDelayMs: number;
}

/** Defaults: 2 s, doubling, at most 5 minutes. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ baseDelayMs: 2000, maxDelayMs: 300_000 });

/** Maps an HTTP status to what the outbox does with the item. */
export function classifyStatus(status: number): SendOutcome {
  if (status >= 200 && status < 300) return 'sent';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/**
 * Delay before attempt `attempts + 1`, after `attempts` (≥ 1) failures: exponential, capped,
 * with "equal jitter" (half fixed, half random) so that many tabs or items failing together
 * (a server restart) do not retry in lock-step, yet no retry comes back immediately.
 */
export function backoffDelayMs(attempts: number, policy: RetryPolicy, random: () => number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * A `Retry-After` header (seconds or an HTTP date) as a delay in ms from `now`, or undefined
 * when absent or unreadable. 429 and 503 answers may carry one; the server knows best.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
