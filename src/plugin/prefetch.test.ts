import { describe, expect, it } from 'vitest';
import type { EmbedOutcome, EngineInfo } from '../embedding/worker-protocol.ts';
import { Prefetcher } from './prefetch.ts';

const info = { modelId: 'm' } as EngineInfo;
const hit = (url: string): EmbedOutcome => ({ ok: true, url, cacheHit: 'none' } as unknown as EmbedOutcome);

function rig(options: { prefetch: boolean; prefetchCount: number }, start: () => Promise<EngineInfo | undefined> = async () => info) {
  const batches: string[][] = [];
  const reported: number[] = [];
  let done!: () => void;
  const drained = new Promise<void>((r) => { done = r; });
  const prefetcher = new Prefetcher({
    options, start,
    embed: async (urls) => { batches.push(urls); return urls.map(hit); },
    onBatch: (outcomes) => { reported.push(outcomes.length); if (reported.reduce((a, b) => a + b, 0) >= options.prefetchCount) done(); },
  });
  return { prefetcher, batches, reported, drained };
}

describe('Prefetcher', () => {
  it('embeds at most prefetchCount URLs in batches of four, the newest queue replacing the old', async () => {
    const r = rig({ prefetch: true, prefetchCount: 6 });
    r.prefetcher.prefetch(['old1', 'old2']);
    r.prefetcher.prefetch(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    await r.drained;
    expect(r.batches).toEqual([['a', 'b', 'c', 'd'], ['e', 'f']]);
    expect(r.reported).toEqual([4, 2]);
  });

  it('does nothing when prefetch is off or the engine cannot start', async () => {
    const off = rig({ prefetch: false, prefetchCount: 5 });
    off.prefetcher.prefetch(['a']);
    let started = false;
    const noEngine = rig({ prefetch: true, prefetchCount: 5 }, async () => { started = true; return undefined; });
    noEngine.prefetcher.prefetch(['a']);
    await new Promise((r) => setTimeout(r, 120));
    expect(started).toBe(true);
    expect(off.batches).toEqual([]);
    expect(noEngine.batches).toEqual([]);
  });
});
