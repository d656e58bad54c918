// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { CytoMl, TaskContext } from '../cyto-ml.ts';
import { watchCommunity } from './community.ts';

/** A core that records what the host asks of it. */
function fakeCore() {
  const opened: TaskContext[] = [];
  const shown: Array<string | undefined> = [];
  const core = {
    options: { project: 'default', prefetchCount: 0 },
    showProject: (p: string | undefined) => shown.push(p),
    openTask: async (ctx: TaskContext) => { opened.push(ctx); return null; },
    parseConfig: () => ({ controls: [], images: [] }),
    prefetch: () => {},
    learnFromAnnotation: async () => {},
  } as unknown as CytoMl;
  return { core, opened, shown };
}

const g = globalThis as { Htx?: unknown };
const store = (id: number) => ({ task: { id, dataObj: { image: `/${id}.jpg` } }, config: '<View/>', annotationStore: {} });
const tick = () => new Promise((r) => setTimeout(r, 0));
let stop: (() => void) | undefined;
afterEach(() => { stop?.(); delete g.Htx; history.replaceState(null, '', '/'); });

describe('watchCommunity follows client-side navigation', () => {
  it('re-reads the project on every history change; an editor of the project before is never opened as the new one', async () => {
    history.replaceState(null, '', '/projects/');
    const { core, opened, shown } = fakeCore();
    const projects: Array<string | undefined> = [];
    stop = watchCommunity(core, { onProject: (p) => projects.push(p) }).stop;
    expect(projects).toEqual([undefined]);
    // A click on project 3's card, then Label All Tasks: Label Studio pushes the URL, makes an editor.
    history.pushState(null, '', '/projects/3/data?labeling=1');
    await tick();
    g.Htx = store(31);
    history.replaceState(null, '', '/projects/3/data?labeling=1&task=31');
    await tick();
    expect(projects).toEqual([undefined, '3']);
    expect(opened.map((c) => [c.project, c.taskId])).toEqual([['3', 31]]);
    // Back to the projects list and into project 5: the old editor lingers on window.Htx.
    history.pushState(null, '', '/projects/');
    await tick();
    history.pushState(null, '', '/projects/5/data');
    await tick();
    expect(projects).toEqual([undefined, '3', undefined, '5']);
    expect(opened).toHaveLength(1);
    g.Htx = store(52);
    history.replaceState(null, '', '/projects/5/data?task=52');
    await tick();
    expect(opened.map((c) => [c.project, c.taskId])).toEqual([['3', 31], ['5', 52]]);
    expect(shown).toEqual([undefined, '3', undefined, '5']);
    // Browser back (popstate) to project 3: followed too.
    history.pushState(null, '', '/projects/3/data');
    window.dispatchEvent(new PopStateEvent('popstate'));
    await tick();
    expect(projects.at(-1)).toBe('3');
  });
});
