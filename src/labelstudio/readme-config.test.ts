import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SEED_CONDITIONAL_LABEL_CONFIG, SEED_LABEL_CONFIG } from './seed-config.ts';

/** The ready-to-paste configs in the docs are the seed configs, to the character. */
function xmlBlocks(file: string): string[] {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  return [...text.matchAll(/```xml\n([\s\S]*?)\n```/g)].map((m) => m[1]);
}

describe('README labelling configs', () => {
  it('prints the seed config in the README as an XML block', () => {
    expect(xmlBlocks('README.md')).toContain(SEED_LABEL_CONFIG.trimEnd());
  });

  it('prints the conditional variant in docs/label-studio.md as an XML block', () => {
    expect(xmlBlocks('docs/label-studio.md')).toContain(SEED_CONDITIONAL_LABEL_CONFIG.trimEnd());
  });
});
