import { describe, expect, it } from 'vitest';
import { parseImportOptions, parseShard } from './import-options.ts';

describe('--shard I/N', () => {
  it('parses I/N and refuses anything else with the expected form', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '1/0', '-1/2', 'a/b', '1', '1/2/3']) expect(() => parseShard(bad)).toThrow(/--shard must be I\/N with 0 <= I < N/);
    const options = parseImportOptions(['dir', '--to-folder', 'out', '--embed', '--shard', '1/2']);
    expect(options).toMatchObject({ shard: { index: 1, count: 2 } });
  });
});
