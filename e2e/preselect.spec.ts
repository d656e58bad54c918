/**
 * Pre-select (option, off by default): suggested choices are ticked in the person's
 * annotation only where that control is still empty; a choice a person made is never changed.
 */
import { expect, test } from '@playwright/test';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';

test('pre-select fills empty controls and never changes a person\'s choice', async ({ page }) => {
  await page.goto('/e2e/harness/editor.html?preselect=1');
  await page.waitForFunction(() => window.editorHarness?.ready === true);
  const outcome = await page.evaluate(async (config) => {
    const core = window.cytoML.core();
    for (const [i, name] of ['chain-06', 'chain-07', 'colony-06', 'colony-07'].entries()) {
      await core.learnFromAnnotation(
        { project: 'e2e-editor', taskId: 940 + i, data: { image: `/samples/${name}.png` }, config },
        [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } }],
      );
    }
    type Tag = { selectedValues(): string[] };
    const selected = () => (window as unknown as { Htx: { annotationStore: { selected: { names: Map<string, Tag> } } } })
      .Htx.annotationStore.selected.names.get('organism_type')!.selectedValues();
    const fresh = (await window.editorHarness.open(config, { id: 941, data: { image: '/samples/chain-08.png' } })) as { prediction: { result: Array<{ from_name: string; value: { choices: string[] } }> } | null };
    const suggested = fresh.prediction?.result.find((r) => r.from_name === 'organism_type')?.value.choices ?? [];
    const emptyBecame = selected();
    const person = { result: [{ id: 'p1', from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Debris'] } }] };
    const second = (await window.editorHarness.open(config, { id: 942, data: { image: '/samples/chain-09.png' }, annotations: [person] })) as { prediction: unknown };
    return { suggested, emptyBecame, personKept: selected(), secondPredicted: Boolean(second?.prediction) };
  }, SEED_LABEL_CONFIG);
  expect(outcome.suggested).toEqual(['Plankton']);
  expect(outcome.emptyBecame).toEqual(['Plankton']);
  expect(outcome.secondPredicted).toBe(true);
  expect(outcome.personKept).toEqual(['Debris']);
});
