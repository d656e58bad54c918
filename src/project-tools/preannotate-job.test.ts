// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { parseLabelConfig } from '../labelstudio/label-config.ts';
import { SEED_LABEL_CONFIG } from '../labelstudio/seed-config.ts';
import type { LabelStudioTask, Prediction } from '../labelstudio/types.ts';
import { MemoryProgressStore } from '../store/progress-store.ts';
import { PreannotateJob, type JobCore } from './preannotate-job.ts';
import type { ProjectSource, TaskPredictionWrite, WriteState } from './project-source.ts';
import { TaskIndex } from './task-index.ts';

const TASKS: LabelStudioTask[] = [1, 2, 3].map((id) => ({ id, data: { image: `/img/${id}.jpg` } }) as LabelStudioTask);

function core(): JobCore {
  return {
    parseConfig: (xml) => parseLabelConfig(xml),
    embedUrls: async (urls) => urls.map((u) => ({
      ok: true as const, vector: new Float32Array([u.length, 1]), imageKey: u, cacheHit: 'none' as const, width: 8, height: 8,
      timings: { lookupMs: 0, fetchMs: 0, decodeMs: 0, inferMs: 0, totalMs: 0 },
    })),
    refit: async () => true,
    predictVectors: async (_p, _c, taskId) => ({ model_version: 'm@v', score: 0.9, result: [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } }], taskId } as unknown as Prediction),
    taskIndex: () => new TaskIndex(),
    catchUpWithTeam: async () => {},
    labelCounts: async () => ({ organism_type: { Plankton: 5, Debris: 5 } }),
    modelVersion: async () => 'm@v',
  };
}

/** A remote source whose server stores one queued write per flush (a slow Label Studio). */
function slowSource(refuse = false): ProjectSource & { queued: TaskPredictionWrite[]; flushes: number } {
  const source = {
    kind: 'label-studio' as const,
    project: '7',
    queued: [] as TaskPredictionWrite[],
    flushes: 0,
    labelConfig: async () => SEED_LABEL_CONFIG,
    listTasks: async () => TASKS,
    imageUrl: (task: LabelStudioTask) => String(task.data.image),
    savePredictions: async (writes: readonly TaskPredictionWrite[]) => { source.queued.push(...writes); },
    saveAnnotations: async () => {},
    flush: async (): Promise<WriteState> => {
      source.flushes++;
      if (!refuse) source.queued.shift();
      return { pending: refuse ? 0 : source.queued.length, failed: refuse ? source.queued.length : 0 };
    },
    openTask: () => {},
  };
  return source;
}

describe('pre-annotation job', () => {
  it('says "Done." only once the server holds every prediction, not when they are queued', async () => {
    const source = slowSource();
    const job = new PreannotateJob({ core: core(), source, progress: new MemoryProgressStore(), modelId: 'm' });
    const phases: string[] = [];
    job.subscribe((view) => phases.push(`${view.state.phase}:${view.state.unstored}`));
    const final = await job.run();
    expect(final.phase).toBe('done');
    expect(source.queued).toEqual([]);
    expect(source.flushes).toBe(3);
    // Storing, counting down, before done.
    expect(phases.filter((p) => p.startsWith('storing'))).toEqual(expect.arrayContaining(['storing:3', 'storing:2', 'storing:1']));
    expect(phases.at(-1)).toBe('done:0');
    expect(phases.indexOf('done:0')).toBeGreaterThan(phases.lastIndexOf('storing:1'));
  });

  it('does not say "Done." when the server refused writes: it stops and says so', async () => {
    const job = new PreannotateJob({ core: core(), source: slowSource(true), progress: new MemoryProgressStore(), modelId: 'm' });
    const final = await job.run();
    expect(final.phase).toBe('failed');
    expect(final.error).toMatch(/3 prediction writes were refused by the server/);
  });
});
