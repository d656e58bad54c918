import { describe, expect, it } from 'vitest';
import { backoffDelayMs, classifyStatus, retryAfterMs } from './retry-policy.ts';

describe('retry policy', () => {
  it('classifies HTTP statuses', () => {
    expect([200, 201, 204].map(classifyStatus)).toEqual(['sent', 'sent', 'sent']);
    expect([401, 403].map(classifyStatus)).toEqual(['auth', 'auth']);
    expect([408, 429, 500, 502, 503].map(classifyStatus)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry']);
    expect([400, 404, 409, 422, 301].map(classifyStatus)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
  });

  it('jitters between half and all of the capped exponential delay', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 8000 };
    expect(backoffDelayMs(1, policy, () => 0)).toBe(500);
    expect(backoffDelayMs(3, policy, () => 0.999999)).toBe(4000);
    expect(backoffDelayMs(50, policy, () => 0)).toBe(4000);
    expect(backoffDelayMs(50, policy, () => 1)).toBe(8000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
