/**
 * The demo annotator: Label Studio's real editor, a task list, and the cyto-ml plugin
 * attached. It is also a small offline annotator: open a folder of images, label them with
 * suggestions, annotations kept in IndexedDB, export as Label Studio JSON.
 *
 * The plugin is used exactly as any page embedding the editor would: `cytoML.attach(ls)`.
 */
import { exportImportJson } from '../labelstudio/export-json.ts';
import { SEED_LABEL_CONFIG } from '../labelstudio/seed-config.ts';
import type { LabelStudioTask, Prediction } from '../labelstudio/types.ts';
import api from '../plugin/index.ts';
import type { AnnotatorStore } from '../store/annotator-store.ts';
import { createEditor, type EditorInstance } from './editor.ts';
import { FOLDER_PROJECT, tasksFromFiles } from './folder-import.ts';
import { exampleTaskIds, fetchSampleTasks, knownLabelResult, SAMPLE_PROJECT, type SampleTask } from './sample-project.ts';
import { renderTaskList, type TaskRow } from './task-list.ts';

interface DemoState {
  project: string;
  tasks: SampleTask[];
  /** Display URLs of tasks whose image came from disk (object URLs, remade every load). */
  current?: number;
  editor?: EditorInstance;
  detach?: () => void;
}

const core = api.core({ manifestUrl: new URL('models/manifest.json', location.href).href, project: SAMPLE_PROJECT });
const state: DemoState = { project: new URLSearchParams(location.search).get('project') ?? SAMPLE_PROJECT, tasks: [] };
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function annotator(): Promise<AnnotatorStore> {
  return (await core.store()).annotator;
}

/** Load the project's tasks from IndexedDB, creating the sample project on first use. */
async function loadTasks(): Promise<void> {
  const store = await annotator();
  let records = await store.listTasks(state.project);
  if (records.length === 0 && state.project === SAMPLE_PROJECT) {
    const tasks = await fetchSampleTasks();
    const examples = exampleTaskIds(tasks);
    await store.putTasks(SAMPLE_PROJECT, tasks.map((task) => ({ task })));
    for (const id of examples) {
      const task = tasks.find((t) => t.id === id)!;
      await store.saveAnnotations(SAMPLE_PROJECT, id, [{ result: knownLabelResult(task), example: true }]);
    }
    records = await store.listTasks(state.project);
  }
  state.tasks = await Promise.all(records.map(async (r) => {
    const task: SampleTask = { ...(r.task as SampleTask), annotations: r.annotations as LabelStudioTask['annotations'] };
    const image = await store.getImage(state.project, r.taskId);
    if (image) task.data = { ...task.data, image: URL.createObjectURL(image) };
    return task;
  }));
}

function isDone(task: SampleTask): boolean {
  return (task.annotations ?? []).some((a) => Array.isArray(a.result) && a.result.length > 0);
}

function rows(): TaskRow[] {
  return state.tasks.map((t) => ({
    id: t.id,
    image: String(t.data.image),
    label: String(t.data.file ?? t.data.image).split('/').pop() ?? String(t.id),
    done: isDone(t),
    example: (t.annotations ?? []).some((a) => (a as { example?: boolean }).example === true),
    suggestion: t.predictions?.[0]?.result.map((r) => r.value.choices.join('+')).join(' · '),
    current: t.id === state.current,
  }));
}

function refreshList(): void {
  renderTaskList($('task-list'), rows(), (id) => void openTask(id));
  $('progress').textContent = `${state.tasks.filter(isDone).length} / ${state.tasks.length} labelled`;
}

/** Image URLs of the next tasks after `id`, for the plugin's prefetch. */
function upcoming(id: number): string[] {
  const index = state.tasks.findIndex((t) => t.id === id);
  return state.tasks.slice(index + 1).filter((t) => !isDone(t)).map((t) => String(t.data.image));
}

async function saveAnnotation(task: SampleTask, result: unknown[]): Promise<void> {
  task.annotations = [{ result }];
  await (await annotator()).saveAnnotations(state.project, task.id, task.annotations);
}

async function openTask(id: number): Promise<void> {
  const task = state.tasks.find((t) => t.id === id);
  if (!task) return;
  state.detach?.();
  state.editor?.destroy();
  state.current = id;
  refreshList();
  // Start embedding while the editor builds itself (~100 ms): the suggestion is ready sooner.
  core.preload({ project: state.project, taskId: task.id, data: task.data, config: SEED_LABEL_CONFIG });
  const root = $('label-studio');
  root.replaceChildren();
  const mount = document.createElement('div');
  root.appendChild(mount);
  const editor = await createEditor(mount, SEED_LABEL_CONFIG, task, {
    onSubmit: (annotation) => void saveAnnotation(task, annotation.result).then(() => nextTask(id)),
    onUpdate: (annotation) => void saveAnnotation(task, annotation.result).then(refreshList),
  });
  state.editor = editor;
  const attachment = api.attach(editor, {
    project: state.project,
    upcoming: () => upcoming(id),
    onSuggestion: (suggestion) => {
      if (suggestion?.prediction) void rememberPrediction(task, suggestion.prediction);
    },
  });
  state.detach = attachment.detach;
}

/** Keep the last prediction with the task, for the list and the export. */
async function rememberPrediction(task: SampleTask, prediction: Prediction): Promise<void> {
  task.predictions = [{ ...prediction }];
  const { annotations: _annotations, ...plain } = task;
  const stored = { ...plain, data: { ...plain.data } };
  // Object URLs die with the page: the stored task keeps an empty image (its file is stored apart).
  if (String(stored.data.image).startsWith('blob:')) stored.data.image = '';
  await (await annotator()).putTasks(state.project, [{ task: stored }]);
  refreshList();
}

function nextTask(afterId: number): void {
  refreshList();
  const index = state.tasks.findIndex((t) => t.id === afterId);
  const next = [...state.tasks.slice(index + 1), ...state.tasks.slice(0, index)].find((t) => !isDone(t));
  if (next) void openTask(next.id);
}

/** Learn from the annotations already made (examples, earlier sessions): cached embeddings make this quick. */
async function learnExisting(): Promise<void> {
  for (const task of state.tasks.filter(isDone)) {
    await core.learnFromAnnotation(
      { project: state.project, taskId: task.id, data: task.data, config: SEED_LABEL_CONFIG },
      task.annotations?.[0]?.result ?? [],
    );
  }
}

function exportJson(): void {
  const json = exportImportJson(state.tasks.map((t) => ({
    ...t,
    data: { ...t.data, image: t.data.file ? String(t.data.file) : t.data.image },
  })));
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  link.download = `${state.project}-label-studio.json`;
  link.click();
  URL.revokeObjectURL(link.href);
}

async function openFolder(files: File[]): Promise<void> {
  const { inputs, skipped } = await tasksFromFiles(files);
  const store = await annotator();
  await store.clearProject(FOLDER_PROJECT);
  await store.putTasks(FOLDER_PROJECT, inputs);
  $('notice').textContent = `${inputs.length} images opened${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}`;
  location.search = `?project=${FOLDER_PROJECT}`;
}

async function main(): Promise<void> {
  $('model-note').textContent = 'Model: ResNet18 with seeded, untrained weights (generated by `npm run models`): suggestions come from what you label, not from pre-training.';
  $('export').onclick = exportJson;
  $('refit').onclick = () => void core.refit(state.project, SEED_LABEL_CONFIG);
  $('samples').onclick = () => { location.search = ''; };
  $('reset').onclick = async () => {
    await (await annotator()).clearProject(state.project);
    location.reload();
  };
  const folder = $<HTMLInputElement>('folder');
  folder.onchange = () => void openFolder([...(folder.files ?? [])]);
  $('project-name').textContent = state.project === SAMPLE_PROJECT ? 'Sample particles (generated)' : 'Folder from disk';
  await loadTasks();
  refreshList();
  await learnExisting();
  const first = state.tasks.find((t) => !isDone(t)) ?? state.tasks[0];
  if (first) await openTask(first.id);
  document.body.dataset.ready = 'true';
}

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  // Offline use after the first load: the service worker keeps the app and its files.
  navigator.serviceWorker.register('sw.js').catch((error) => console.warn('cyto-ml demo: no offline support:', error));
}

main().catch((error) => {
  $('notice').textContent = `The demo could not start: ${(error as Error).message}`;
});
