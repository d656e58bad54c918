/**
 * The demo annotator: Label Studio's real editor, a task list, and the cyto-ml plugin
 * attached. It is also a small offline annotator: open a folder of images, label them with
 * suggestions, annotations kept in IndexedDB, export as Label Studio JSON.
 *
 * The plugin is used exactly as any page embedding the editor would: `cytoML.attach(ls)`.
 */
import { exportImportJson, type ImageLinks } from '../labelstudio/export-json.ts';
import { SEED_LABEL_CONFIG } from '../labelstudio/seed-config.ts';
import type { LabelStudioTask, Prediction } from '../labelstudio/types.ts';
import api from '../plugin/index.ts';
import { modelNote } from '../plugin/suggestion-words.ts';
import { labelStudioSource } from '../project-tools/label-studio-tools.ts';
import { LocalSource } from '../project-tools/local-source.ts';
import type { ProjectSource } from '../project-tools/project-source.ts';
import type { AnnotatorStore } from '../store/annotator-store.ts';
import { createEditor, type EditorInstance } from './editor.ts';
import { FOLDER_PROJECT, tasksFromFiles } from './folder-import.ts';
import { exampleTaskIds, fetchSampleTasks, knownLabelResult, SAMPLE_PROJECT, type SampleTask } from './sample-project.ts';
import { clearNotice, showNotice, showPendingNotice } from './notice.ts';
import { renderTaskList, type TaskRow } from './task-list.ts';
import { watchTaskImage } from './task-image.ts';

interface DemoState {
  project: string;
  /** Where tasks come from and annotations/predictions go: this browser, or a Label Studio project. */
  source?: ProjectSource;
  /** The label config of the project (the seed config for local projects). */
  config: string;
  tasks: SampleTask[];
  /** Display URLs of tasks whose image came from disk (object URLs, remade every load). */
  current?: number;
  editor?: EditorInstance;
  detach?: () => void;
  /** Stops watching the current editor's image (src/demo/task-image.ts). */
  unwatchImage?: () => void;
}

const params = new URLSearchParams(location.search);
/** `?source=label-studio&project=<id>[&ls=<url>][&token=<key>]`: a Label Studio project instead of a local one. */
const remote = params.get('source') === 'label-studio';
const core = api.core({
  manifestUrl: new URL('models/manifest.json', location.href).href,
  project: SAMPLE_PROJECT,
  ...(params.get('ls') ? { labelStudioUrl: params.get('ls')! } : {}),
  ...(params.get('token') ? { apiToken: params.get('token')! } : {}),
});
const state: DemoState = { project: params.get('project') ?? SAMPLE_PROJECT, config: SEED_LABEL_CONFIG, tasks: [] };
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function annotator(): Promise<AnnotatorStore> {
  return (await core.store()).annotator;
}

/** The project source: Label Studio when asked for, else this browser's store (seeding the sample project). */
async function openSource(): Promise<ProjectSource> {
  if (remote) {
    const projectId = Number(state.project);
    if (!Number.isInteger(projectId)) throw new Error(`?project=${state.project} is not a Label Studio project id`);
    return labelStudioSource(core, { projectId, navigate: (id) => void openTask(id) });
  }
  const store = await annotator();
  if (state.project === SAMPLE_PROJECT && (await store.listTasks(state.project)).length === 0) {
    const tasks = await fetchSampleTasks();
    const examples = exampleTaskIds(tasks);
    await store.putTasks(SAMPLE_PROJECT, tasks.map((task) => ({ task })));
    for (const id of examples) {
      const task = tasks.find((t) => t.id === id)!;
      await store.saveAnnotations(SAMPLE_PROJECT, id, [{ result: knownLabelResult(task), example: true }]);
    }
  }
  return new LocalSource({
    project: state.project,
    store,
    config: SEED_LABEL_CONFIG,
    open: (id) => void openTask(id),
    // Bulk labelling and pre-annotation write here: show their annotations and predictions.
    onChange: () => void loadTasks().then(refreshList),
  });
}

/** (Re)load the project's tasks from the source. */
async function loadTasks(): Promise<void> {
  const source = state.source!;
  const tasks = (await source.listTasks()) as SampleTask[];
  state.tasks = tasks;
}

function isDone(task: SampleTask): boolean {
  return (task.annotations ?? []).some((a) => Array.isArray(a.result) && a.result.length > 0);
}

/** "Plankton · Colony": the choices of a result list, in config order. */
function choicesText(result: ReadonlyArray<{ value?: { choices?: string[] } }> | undefined): string | undefined {
  const text = (result ?? []).map((r) => (r.value?.choices ?? []).join('+')).filter(Boolean).join(' · ');
  return text || undefined;
}

function rows(): TaskRow[] {
  return state.tasks.map((t) => {
    const done = isDone(t);
    return {
      id: t.id,
      image: String(t.data.image),
      label: String(t.data.file ?? t.data.image).split('/').pop() ?? String(t.id),
      done,
      example: (t.annotations ?? []).some((a) => (a as { example?: boolean }).example === true),
      // A labelled task shows the person's label; others the last suggestion.
      labelled: done ? choicesText(t.annotations?.[0]?.result as Array<{ value?: { choices?: string[] } }>) : undefined,
      suggestion: done ? undefined : choicesText(t.predictions?.[0]?.result),
      current: t.id === state.current,
    };
  });
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
  await state.source!.saveAnnotations([{ taskId: task.id, result: result as never }]);
  void state.source!.flush();
}

async function openTask(id: number): Promise<void> {
  const task = state.tasks.find((t) => t.id === id);
  if (!task) return;
  state.detach?.();
  state.unwatchImage?.();
  state.editor?.destroy();
  state.current = id;
  refreshList();
  // Start embedding while the editor builds itself (~100 ms): the suggestion is ready sooner.
  core.preload({ project: state.project, taskId: task.id, data: task.data, config: state.config });
  const root = $('label-studio');
  root.replaceChildren();
  // Local projects use the seed config, laid out image | choices by demo.css; others keep theirs.
  if (state.source?.kind === 'local') root.dataset.layout = 'side-by-side';
  const mount = document.createElement('div');
  root.appendChild(mount);
  // The next task opens at its top, wherever the last one was scrolled to.
  root.scrollTop = 0;
  state.unwatchImage = watchTaskImage(mount);
  const editor = await createEditor(mount, state.config, task, {
    onSubmit: (annotation) => void saveAnnotation(task, annotation.result).then(() => nextTask(id)),
    onUpdate: (annotation) => void saveAnnotation(task, annotation.result).then(refreshList),
  });
  state.editor = editor;
  root.scrollTop = 0;
  const attachment = api.attach(editor, {
    project: state.project,
    upcoming: () => upcoming(id),
    onSuggestion: (suggestion) => {
      if (suggestion?.prediction) void rememberPrediction(task, suggestion.prediction);
    },
  });
  state.detach = attachment.detach;
}

/**
 * Keep the last prediction with the task, for the list and the export. Local projects only: a
 * Label Studio project gets its predictions from pre-annotation (or its ML backend), and one
 * written per opened task would duplicate those.
 */
async function rememberPrediction(task: SampleTask, prediction: Prediction): Promise<void> {
  task.predictions = [{ ...prediction }];
  if (state.source?.kind === 'local') await state.source.savePredictions([{ taskId: task.id, prediction }]);
  refreshList();
}

function nextTask(afterId: number): void {
  refreshList();
  const index = state.tasks.findIndex((t) => t.id === afterId);
  const next = [...state.tasks.slice(index + 1), ...state.tasks.slice(0, index)].find((t) => !isDone(t));
  if (next) void openTask(next.id);
}

/**
 * Projects up to this size get all their images embedded when their only fit is the first one
 * (the sample project: 72 images, ~2 s on a laptop), and the clusters refitted on them. Fitted on
 * the twelve examples alone, k-means put the first sample task (a bubble, Not-plankton) in a
 * cluster of chains and the first suggestion said Plankton/Filament; refitted on the project's
 * images, it says Not-plankton. Bigger folders get their images from prefetch and Pre-annotate
 * rather than a long wait before the first suggestion.
 */
const EMBED_ALL_BEFORE_FIRST_SUGGESTION = 200;

/** Learn from the annotations already made (examples, earlier sessions): cached embeddings make this quick. */
async function learnExisting(): Promise<void> {
  await core.learnFromTasks(state.project, state.config, state.tasks.filter(isDone).map((task) => ({
    taskId: task.id, data: task.data, result: task.annotations?.[0]?.result ?? [],
  })));
  const learning = core.status.current.learning;
  const firstFitOnly = learning?.project !== state.project || learning.fitVersion <= 1;
  if (firstFitOnly && state.tasks.length <= EMBED_ALL_BEFORE_FIRST_SUGGESTION) {
    await core.embedUrls(state.tasks.map((t) => String(t.data.image)));
    await core.refit(state.project, state.config);
  }
}

/**
 * Label Studio import JSON of the project, with image references that work after import: the
 * sample images as absolute URLs of this server, a folder's images as Label Studio local-files
 * paths (docs/demo.md: "Export JSON: into Label Studio"), a Label Studio project's as they are.
 */
function exportJson(): void {
  const images: ImageLinks = remote
    ? { kind: 'keep' }
    : state.project === FOLDER_PROJECT ? { kind: 'local-files' } : { kind: 'url', base: location.href };
  const json = exportImportJson(state.tasks, { images, pathKey: 'file' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  link.download = `${state.project}-label-studio.json`;
  link.click();
  URL.revokeObjectURL(link.href);
  if (images.kind === 'local-files') {
    showNotice('Exported. Images are referred to as Label Studio local files (/data/local-files/?d=<folder>/<file>): '
      + 'start Label Studio with LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true and LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT '
      + 'set to the folder that holds the folder you opened, add that folder as a Local files storage of the project, then import the file.');
  } else if (images.kind === 'url') {
    showNotice(`Exported. Images are referred to by URL (${new URL('samples/', location.href).href}…): Label Studio shows them while this demo runs.`);
  }
}

async function openFolder(files: File[]): Promise<void> {
  const { inputs, skipped } = await tasksFromFiles(files);
  const store = await annotator();
  await store.clearProject(FOLDER_PROJECT);
  await store.putTasks(FOLDER_PROJECT, inputs);
  // Shown after the reload below, until dismissed.
  showNotice(`${inputs.length} images opened${skipped.length ? `; skipped ${skipped.length}:\n${skipped.join('\n')}` : ''}`, { afterReload: true });
  location.search = `?project=${FOLDER_PROJECT}`;
}

/** Refit the clusters, then suggest again for the task on screen (its suggestion is from the old fit). */
async function refit(): Promise<void> {
  const button = $<HTMLButtonElement>('refit');
  button.disabled = true;
  try {
    await core.refit(state.project, state.config);
    if (state.current !== undefined) await openTask(state.current);
  } catch (error) {
    showNotice(`Refit failed: ${(error as Error).message}`);
  } finally {
    button.disabled = false;
  }
}

async function main(): Promise<void> {
  showPendingNotice();
  $('notice-close').onclick = clearNotice;
  // Whatever model the manifest makes the default: the note says what it is once it is loaded.
  core.status.subscribe((status) => {
    const note = modelNote(status.engine);
    $('model-note').textContent = note;
    $('model-note').title = note;
  });
  $('export').onclick = exportJson;
  $('refit').onclick = () => void refit();
  $('samples').onclick = () => { location.search = ''; };
  $('reset').onclick = async () => {
    await (await annotator()).clearProject(state.project);
    location.reload();
  };
  const folder = $<HTMLInputElement>('folder');
  folder.onchange = () => void openFolder([...(folder.files ?? [])]);
  $('project-name').textContent = remote
    ? `Label Studio project ${state.project}`
    : state.project === SAMPLE_PROJECT ? 'Sample particles (generated)' : 'Folder from disk';
  state.source = await openSource();
  state.config = await state.source.labelConfig();
  await loadTasks();
  refreshList();
  await learnExisting();
  const first = state.tasks.find((t) => !isDone(t)) ?? state.tasks[0];
  if (first) await openTask(first.id);
  // The project tools (pre-annotate, clusters, neighbours, map) on the same source.
  await api.projectTools({ source: state.source });
  document.body.dataset.ready = 'true';
}

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  // Offline use after the first load: the service worker keeps the app and its files.
  navigator.serviceWorker.register('sw.js').catch((error) => console.warn('cyto-ml demo: no offline support:', error));
}

main().catch((error) => {
  showNotice(`The demo could not start: ${(error as Error).message}`);
});
