/**
 * Section "writes": how fast Pre-annotate's predictions get stored in the real Label Studio 1.12
 * (from ../shared/label-studio, started here on a free port with a throw-away data dir).
 *
 * - baseline `writes/ls-direct`: Label Studio accepting the plain requests, one
 *   `POST /api/predictions/` per task, in order, with the admin's token (what the plugin sent
 *   before: the issue measured 8.7 tasks/s for these on a loaded machine);
 * - `writes/preannotate`: the plugin's write path end to end — every prediction queued in the
 *   outbox (memory records here: Node has no IndexedDB), flushed with the same fetch wrapper
 *   the Label Studio page uses (idempotent-writes.ts, whose batch sender reads the project once,
 *   imports in chunks and removes older versions), until nothing is pending; then every task's
 *   predictions are counted through the REST API (the row fails unless exactly one of ours per
 *   unannotated task is stored, none on the annotated ones);
 * - `writes/preannotate-replace`: the same project again with a newer version (a refit after
 *   more labels), which also deletes the older prediction on every task.
 *
 * Each row is tasks per second over `runs` repetitions on fresh projects.
 */
import { DurableOutbox } from '../src/store/outbox.ts';
import { MemoryOutboxRecords } from '../src/store/outbox-records.ts';
import { idempotentLabelStudioWrites } from '../src/labelstudio/idempotent-writes.ts';
import { importPredictionsUrl } from '../src/labelstudio/prediction-batch.ts';
import { freePort, realLabelStudioUnavailable, startRealLabelStudio, type RealLabelStudio } from '../src/shim/testing/real-label-studio.ts';
import { log, measured, skippedRow, type BenchConfig, type Row } from './common.ts';
import { summarise } from './stats.ts';
import type { BenchContext, Section } from './section.ts';

const IDS = ['writes/ls-direct', 'writes/preannotate', 'writes/preannotate-replace'];
const CONFIG = '<View><Image name="image" value="$image"/><Choices name="organism_type" toName="image"><Choice value="Plankton"/><Choice value="Debris"/></Choices></View>';
const plan = (cfg: BenchConfig) => (cfg.smoke ? { tasks: 60, runs: 1 } : { tasks: 550, runs: 3 });
const result = (c: string) => [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: [c] } }];
const version = (hour: number) => `mobilenetv2-12-int8+kmeans12@20261204T${String(hour).padStart(2, '0')}0000000Z.0123456789`;

async function project(ls: RealLabelStudio, tasks: number, annotated: number): Promise<{ id: number; tasks: number[]; annotated: Set<number> }> {
  const p = await ls.api<{ id: number }>('POST', '/api/projects/', { title: `bench writes ${Date.now()}`, label_config: CONFIG });
  await ls.api('POST', `/api/projects/${p.id}/import`, Array.from({ length: tasks }, (_, i) => ({ data: { image: `https://example.invalid/${i}.png` } })));
  const listed = await ls.api<{ tasks: Array<{ id: number }> }>('GET', `/api/tasks?project=${p.id}&page_size=${tasks}&fields=task_only&include=id`);
  const ids = listed.tasks.map((t) => t.id).sort((a, b) => a - b);
  // Some tasks a person annotated: no prediction may land there.
  const people = new Set(ids.filter((_, i) => i % 10 === 0).slice(0, annotated));
  for (const task of people) await ls.api('POST', `/api/tasks/${task}/annotations/`, { result: result('Debris'), was_cancelled: false });
  return { id: p.id, tasks: ids, annotated: people };
}

/** Queue one prediction per task and flush until none is pending; seconds taken. */
async function preannotateWrites(ls: RealLabelStudio, projectId: number, tasks: readonly number[], modelVersion: string): Promise<number> {
  const token = ls.token;
  const authed = (url: string, init: RequestInit) => fetch(url, { ...init, headers: { 'Content-Type': 'application/json', ...init.headers, Authorization: `Token ${token}` } });
  const send = idempotentLabelStudioWrites(authed, ls.url);
  const outbox = new DurableOutbox(new MemoryOutboxRecords(), { locks: null, isOnline: () => true });
  const started = performance.now();
  for (const task of tasks) {
    await outbox.enqueue({
      kind: 'prediction', target: 'label-studio', method: 'POST', url: importPredictionsUrl(ls.url, projectId),
      body: [{ task, result: result('Plankton'), score: 0.8, model_version: modelVersion }], dedupeKey: `ls-prediction:${projectId}:${task}`,
    });
  }
  for (let round = 0; (await outbox.pending()) > 0; round++) {
    if (round > 20) throw new Error(`writes still pending after 20 flushes: ${JSON.stringify(await outbox.failed())}`);
    await outbox.flush(send);
  }
  const failed = await outbox.failed();
  if (failed.length > 0) throw new Error(`${failed.length} writes refused: ${failed[0].lastError}`);
  return (performance.now() - started) / 1000;
}

/** Throws unless the project holds exactly one prediction of `modelVersion` per unannotated task and nothing else of ours. */
async function verify(ls: RealLabelStudio, p: { id: number; tasks: number[]; annotated: Set<number> }, modelVersion: string): Promise<void> {
  const predictions = await ls.api<Array<{ task: number; model_version: string }>>('GET', `/api/predictions/?project=${p.id}`);
  const perTask = new Map<number, string[]>();
  for (const q of predictions) perTask.set(q.task, [...(perTask.get(q.task) ?? []), q.model_version]);
  for (const task of p.tasks) {
    const got = perTask.get(task) ?? [];
    const want = p.annotated.has(task) ? [] : [modelVersion];
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`task ${task}: predictions ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}

export const preannotateWritesSection: Section = {
  name: 'writes',
  expected: () => IDS,
  async run(ctx: BenchContext): Promise<Row[]> {
    const base = (id: string, label: string, baseline?: string): Omit<Row, 'stats' | 'skipped'> => ({
      id, section: 'Pre-annotate writes into Label Studio 1.12', label, unit: 'tasks/s', better: 'higher', ...(baseline ? { baseline } : {}),
    });
    const rows = {
      direct: base(IDS[0], 'Label Studio, one POST /api/predictions/ per task (baseline)'),
      ours: base(IDS[1], 'Pre-annotate write path: outbox → batch sender → stored', IDS[0]),
      replace: base(IDS[2], 'same, replacing an older version on every task', IDS[0]),
    };
    const absent = realLabelStudioUnavailable();
    if (absent) return Object.values(rows).map((r) => skippedRow(r, 'prerequisite', absent));
    const { tasks, runs } = plan(ctx.cfg);
    let ls: RealLabelStudio | undefined;
    try {
      ls = await startRealLabelStudio(await freePort());
      const direct: number[] = [];
      const ours: number[] = [];
      const replace: number[] = [];
      for (let run = 0; run < runs; run++) {
        const a = await project(ls, tasks, 0);
        const t0 = performance.now();
        for (const task of a.tasks) await ls.api('POST', '/api/predictions/', { task, result: result('Plankton'), score: 0.8, model_version: version(9) });
        direct.push(tasks / ((performance.now() - t0) / 1000));

        const b = await project(ls, tasks, Math.ceil(tasks / 20));
        const writable = b.tasks;
        ours.push(tasks / (await preannotateWrites(ls, b.id, writable, version(9))));
        await verify(ls, b, version(9));
        replace.push(tasks / (await preannotateWrites(ls, b.id, writable, version(10))));
        await verify(ls, b, version(10));
        log(`writes run ${run + 1}/${runs}: direct ${direct.at(-1)!.toFixed(1)}, ours ${ours.at(-1)!.toFixed(1)}, replace ${replace.at(-1)!.toFixed(1)} tasks/s`);
      }
      const note = `${tasks} tasks per project, ${runs} run(s), Label Studio on this machine (SQLite); outbox in memory (Node has no IndexedDB)`;
      return [
        measured({ ...rows.direct, note }, summarise(direct)),
        measured({ ...rows.ours, note: `${note}; 5 % of tasks annotated (skipped); every task checked through the REST API after` }, summarise(ours)),
        measured({ ...rows.replace, note: 'the older version is gone from every task after (one model-versions DELETE when none of it stays; else by id, 4 in flight)' }, summarise(replace)),
      ];
    } catch (error) {
      return Object.values(rows).map((r) => skippedRow(r, 'error', (error as Error).message));
    } finally {
      await ls?.stop();
    }
  },
};
