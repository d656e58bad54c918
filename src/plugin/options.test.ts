import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, optionsFromDataset, resolveOptions } from './options.ts';

describe('plugin options', () => {
  it('defaults are complete and frozen; pre-select is off by default', () => {
    expect(resolveOptions()).toEqual(DEFAULT_OPTIONS);
    expect(Object.isFrozen(DEFAULT_OPTIONS)).toBe(true);
    expect(DEFAULT_OPTIONS.preselect).toBe(false);
  });

  it('later layers win, and data-* strings are coerced', () => {
    const fromTag = optionsFromDataset({ preselect: 'true', k: '8', shimUrl: 'http://shim:9090', unrelated: 'x' });
    const options = resolveOptions({ k: 4 }, fromTag, { preselect: false });
    expect(options.k).toBe(8);
    expect(options.preselect).toBe(false);
    expect(options.shimUrl).toBe('http://shim:9090');
  });

  it('rejects unknown names and bad values with the valid choices in the message', () => {
    expect(() => resolveOptions({ kk: 3 })).toThrow(/unknown option "kk"; valid options are: manifestUrl/);
    expect(() => resolveOptions({ k: 1 })).toThrow(/k must be an integer from 2 to 256/);
    expect(() => resolveOptions({ preselect: 'yes' })).toThrow(/preselect must be true or false/);
    expect(() => resolveOptions({ k: 'many' })).toThrow(/k must be a number/);
  });
});
