/**
 * Section 4: IndexedDB through the project's store (src/store/open-db.ts `openStore()`), in
 * Chromium: write N embeddings of 512 floats in one transaction (`embeddings.putMany`) and one
 * transaction per item (`embeddings.put` in a loop), then read them all back (`getAll`). Each
 * run uses a fresh database, deleted afterwards.
 */
import { log, measured, openBenchPage, type BenchConfig, type Row } from './common.ts';
import type { BenchContext, Section } from './section.ts';
import { summarise } from './stats.ts';

const DIM = 512;
const plan = (cfg: BenchConfig) => (cfg.smoke ? { count: 500, runsMany: 2, runsEach: 2 } : { count: 10_000, runsMany: 5, runsEach: 2 });
const IDS = ['idb/write/putMany', 'idb/write/put-each', 'idb/read/getAll'];

export const indexeddbSection: Section = {
  name: 'indexeddb',
  expected: () => IDS,
  async run(ctx: BenchContext) {
    const p = plan(ctx.cfg);
    const { context, page } = await openBenchPage(ctx.browser, ctx.isolatedUrl);
    const many: Array<{ writeMs: number; readMs: number; readCount: number; persistent: boolean }> = [];
    const each: typeof many = [];
    try {
      // Warm-up: a small write/read (opens the origin's IndexedDB backend, JIT).
      await page.evaluate(() => window.bench.idbRun({ count: 200, dim: 512, mode: 'putMany' }));
      for (let r = 0; r < p.runsMany; r++) {
        log(`indexeddb: putMany ${p.count} (${r + 1}/${p.runsMany})`);
        many.push(await page.evaluate((o) => window.bench.idbRun(o), { count: p.count, dim: DIM, mode: 'putMany' as const }));
      }
      for (let r = 0; r < p.runsEach; r++) {
        log(`indexeddb: put x ${p.count} (${r + 1}/${p.runsEach})`);
        each.push(await page.evaluate((o) => window.bench.idbRun(o), { count: p.count, dim: DIM, mode: 'put' as const }));
      }
    } finally {
      await context.close();
    }
    for (const run of [...many, ...each]) {
      if (!run.persistent) throw new Error('the store fell back to memory: IndexedDB did not open');
      if (run.readCount !== p.count) throw new Error(`getAll returned ${run.readCount} vectors, expected ${p.count}`);
    }
    const n = p.count.toLocaleString('en-GB');
    const rows: Row[] = [
      measured({ id: IDS[0], section: 'IndexedDB', label: `write ${n} x Float32Array(512), one transaction (putMany)`, unit: 'ms', better: 'lower', baseline: IDS[1] }, summarise(many.map((r) => r.writeMs))),
      measured({ id: IDS[1], section: 'IndexedDB', label: `write ${n} x Float32Array(512), one transaction per item (put loop)`, unit: 'ms', better: 'lower' }, summarise(each.map((r) => r.writeMs))),
      measured({ id: IDS[2], section: 'IndexedDB', label: `read back ${n} vectors (getAll, one model)`, unit: 'ms', better: 'lower' }, summarise([...many, ...each].map((r) => r.readMs))),
    ];
    rows[0].note = `${(p.count / (summarise(many.map((r) => r.writeMs)).median / 1000)).toFixed(0)} vectors/s`;
    return rows;
  },
};
