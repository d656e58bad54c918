/**
 * A fake Label Studio REST API for the project-tools specs, served through `page.route`:
 * the project (seed config) and its tasks (the sample set), and the writes the plugin makes
 * (predictions through the bulk import, annotations), recorded for the assertions. `failFirst`
 * answers the first N prediction writes with HTTP 500, as a Label Studio under load would.
 */
import { readFileSync } from 'node:fs';
import type { Page, Route } from '@playwright/test';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';
import { E2E_PORT } from '../playwright.config.ts';

export interface SampleTask { id: number; data: { image: string }; meta: { class: string; expected: Record<string, string[]> } }
export const SAMPLE_TASKS = JSON.parse(readFileSync('public/samples/tasks.json', 'utf8')) as SampleTask[];

export interface FakeLabelStudio {
  predictions: Array<{ id?: number; task: number; model_version: string; score: number; result: unknown[] }>;
  annotations: Array<{ task: number; result: unknown[] }>;
  /** Prediction POSTs answered 500. */
  refused: number;
  /** Headers of the last write (to check CSRF). */
  lastWriteHeaders: Record<string, string>;
  /** The project's model_version as the plugin last set it. */
  projectVersion: string;
  /** Tasks listed with an annotation (pre-annotation leaves them alone). */
  annotatedTasks: number[];
}

export async function fakeLabelStudio(page: Page, projectId: number, options: { failFirst?: number } = {}): Promise<FakeLabelStudio> {
  const fake: FakeLabelStudio = { predictions: [], annotations: [], refused: 0, lastWriteHeaders: {}, projectVersion: '', annotatedTasks: [] };
  const annotationsOf = (path: string) => Number(path.match(/^\/api\/tasks\/(\d+)\/annotations\/$/)?.[1] ?? 0);
  let failLeft = options.failFirst ?? 0;
  let nextId = 1;
  // Two annotated tasks per class, as a project just started would have (the learner needs labels).
  const perClass = new Map<string, number>();
  const tasks = SAMPLE_TASKS.map((t) => {
    const n = perClass.get(t.meta.class) ?? 0;
    perClass.set(t.meta.class, n + 1);
    const result = Object.entries(t.meta.expected).filter(([, v]) => v.length > 0)
      .map(([control, choices], i) => ({ id: `r${t.id}-${i}`, from_name: control, to_name: 'image', type: 'choices', value: { choices } }));
    return { id: t.id, data: { image: `/${t.data.image}` }, annotations: n < 2 ? [{ id: 1000 + t.id, result }] : [], predictions: [] };
  });
  fake.annotatedTasks = tasks.filter((t) => t.annotations.length > 0).map((t) => t.id);
  const json = (route: Route, status: number, body: unknown) =>
    route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  await page.context().addCookies([{ name: 'csrftoken', value: 'fake-csrf', url: `http://127.0.0.1:${E2E_PORT}` }]);
  await page.route('**/api/**', async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    const method = request.method();
    if (method === 'GET' && url.pathname === `/api/projects/${projectId}/`) {
      return json(route, 200, { id: projectId, title: 'Fake', label_config: SEED_LABEL_CONFIG, model_version: fake.projectVersion });
    }
    if (method === 'GET' && url.pathname === '/api/tasks') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const size = Number(url.searchParams.get('page_size') ?? 100);
      const slice = tasks.slice((page - 1) * size, page * size);
      if (page > 1 && slice.length === 0) return json(route, 404, { detail: 'Invalid page.' });
      return json(route, 200, { tasks: slice.map((t) => ({ ...t, total_annotations: t.annotations.length, cancelled_annotations: 0 })), total: tasks.length });
    }
    // The plugin asks what is stored before writing (idempotent writes).
    if (method === 'GET' && url.pathname === '/api/predictions/') {
      if (url.searchParams.has('project')) return json(route, 200, fake.predictions);
      const task = Number(url.searchParams.get('task'));
      return json(route, 200, fake.predictions.filter((p) => p.task === task));
    }
    // Label Studio's bulk import of predictions (what Pre-annotate's queued writes go to).
    if (method === 'POST' && url.pathname === `/api/projects/${projectId}/import/predictions`) {
      fake.lastWriteHeaders = request.headers();
      if (failLeft > 0) {
        failLeft--;
        fake.refused++;
        return json(route, 500, { detail: 'server error' });
      }
      const items = request.postDataJSON() as FakeLabelStudio['predictions'];
      for (const item of items) fake.predictions.push({ ...item, id: nextId++ });
      return json(route, 201, { created: items.length });
    }
    const predictionId = url.pathname.match(/^\/api\/predictions\/(\d+)\/$/);
    if (method === 'DELETE' && predictionId) {
      fake.predictions = fake.predictions.filter((p) => p.id !== Number(predictionId[1]));
      return route.fulfill({ status: 204 });
    }
    if (method === 'DELETE' && url.pathname === `/api/projects/${projectId}/model-versions/`) {
      const version = request.postDataJSON().model_version;
      fake.predictions = fake.predictions.filter((p) => p.model_version !== version);
      return json(route, 200, 0);
    }
    if (method === 'GET' && annotationsOf(url.pathname)) {
      return json(route, 200, tasks.find((t) => t.id === annotationsOf(url.pathname))?.annotations ?? []);
    }
    if (method === 'PATCH' && url.pathname === `/api/projects/${projectId}/`) {
      fake.projectVersion = request.postDataJSON().model_version;
      return json(route, 200, { id: projectId, model_version: fake.projectVersion });
    }
    if (method === 'POST' && url.pathname === '/api/predictions/') {
      fake.lastWriteHeaders = request.headers();
      if (failLeft > 0) {
        failLeft--;
        fake.refused++;
        return json(route, 500, { detail: 'server error' });
      }
      const body = { ...request.postDataJSON(), id: nextId++ };
      fake.predictions.push(body);
      return json(route, 201, body);
    }
    const annotation = url.pathname.match(/^\/api\/tasks\/(\d+)\/annotations\/$/);
    if (method === 'POST' && annotation) {
      fake.lastWriteHeaders = request.headers();
      const body = request.postDataJSON();
      fake.annotations.push({ task: Number(annotation[1]), result: body.result });
      return json(route, 201, { id: fake.annotations.length, ...body });
    }
    return json(route, 404, { detail: `fake Label Studio has no ${method} ${url.pathname}` });
  });
  return fake;
}
