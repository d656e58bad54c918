import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SEED_CONDITIONAL_LABEL_CONFIG, SEED_LABEL_CONFIG } from './seed-config.ts';

/** The README's ready-to-paste configs are the seed configs, to the character. */
describe('README labelling configs', () => {
  it('prints the seed config and its conditional variant as XML blocks', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```xml\n([\s\S]*?)\n```/g)].map((m) => m[1]);
    expect(blocks).toContain(SEED_LABEL_CONFIG.trimEnd());
    expect(blocks).toContain(SEED_CONDITIONAL_LABEL_CONFIG.trimEnd());
  });
});
