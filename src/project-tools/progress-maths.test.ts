import { describe, expect, it } from 'vitest';
import { formatDuration, fractionDone, ratePerSecond, timeLeftMs, trimSamples } from './progress-maths.ts';

describe('progress maths', () => {
  it('rate over the samples, 0 until two samples span time', () => {
    expect(ratePerSecond([])).toBe(0);
    expect(ratePerSecond([{ at: 0, count: 0 }])).toBe(0);
    expect(ratePerSecond([{ at: 0, count: 0 }, { at: 0, count: 5 }])).toBe(0);
    expect(ratePerSecond([{ at: 1000, count: 10 }, { at: 3000, count: 50 }])).toBe(20);
  });

  it('the window drops old samples so a slow start does not drag the rate', () => {
    const samples = [{ at: 0, count: 0 }, { at: 20_000, count: 8 }, { at: 25_000, count: 108 }, { at: 30_000, count: 208 }];
    const trimmed = trimSamples(samples, 10_000);
    expect(trimmed[0]).toEqual({ at: 20_000, count: 8 });
    expect(ratePerSecond(trimmed)).toBe(20);
    expect(trimSamples(samples.slice(0, 2), 10)).toHaveLength(2);
  });

  it('time left from remaining and rate; unknown at rate 0; 0 when nothing remains', () => {
    expect(timeLeftMs(100, 20)).toBe(5000);
    expect(timeLeftMs(100, 0)).toBeUndefined();
    expect(timeLeftMs(0, 0)).toBe(0);
  });

  it('formats durations for people', () => {
    expect(formatDuration(undefined)).toBe('…');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });

  it('fraction done is clamped and 1 for an empty job', () => {
    expect(fractionDone(5, 10)).toBe(0.5);
    expect(fractionDone(12, 10)).toBe(1);
    expect(fractionDone(0, 0)).toBe(1);
  });
});
