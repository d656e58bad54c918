/**
 * Where the prepared images and their tasks go. Three destinations behind one interface:
 *
 * - `upload`: files uploaded through Label Studio's API (served at /data/upload/…), then the
 *   tasks imported as JSON. Simple; every byte goes through Label Studio's upload handler, so
 *   for tens of thousands of images prefer:
 * - `local-files`: images written into a folder under the server's LOCAL_FILES_DOCUMENT_ROOT
 *   (LS_LOCAL_FILES_ROOT) with one JSON file per task beside them, a local-files storage of
 *   that folder created through the API (JSON files are tasks, images are served at
 *   /data/local-files/?d=…) and synced; a sync only adds JSON files it has not seen.
 * - `folder` (`--to-folder`): the images and a `tasks.json` for Label Studio's import dialog,
 *   nothing sent anywhere.
 *
 * Each knows the source hashes it already holds, so a second run adds only new images.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ImportError } from './import-error.ts';
import { LabelStudioApi } from './label-studio-api.ts';
import { existingHashes, imageKeyOfConfig, taskData } from './task-data.ts';

/** One image ready to become a task. */
export interface TaskInput {
  relativePath: string;
  originalName: string;
  sourceSha256: string;
  displaySha256: string;
  displayName: string;
  displayBytes: Uint8Array;
  measurements?: Record<string, string | number>;
}

/** A destination (see the module comment). */
export interface Destination {
  /** Human-readable, for the summary. */
  readonly description: string;
  /** Project key for the plugin's embedding import (the Label Studio project id). */
  readonly projectKey: string;
  /** Source hashes already imported. */
  existing(): Promise<Set<string>>;
  /** Creates tasks for a batch; returns how many were created. */
  add(batch: readonly TaskInput[]): Promise<number>;
  /** Finishes (sync, write the task list); returns tasks created at this step. */
  finish(): Promise<number>;
}

/** Path under a folder for an image, keeping the source's relative path (".png" when converted). */
function displayPath(input: TaskInput): string {
  const dir = dirname(input.relativePath);
  return dir === '.' ? input.displayName : `${dir}/${input.displayName}`;
}

/** Upload through the API. */
export async function uploadDestination(api: LabelStudioApi, projectId: number): Promise<Destination> {
  const project = await api.project(projectId);
  const imageKey = imageKeyOfConfig(project.labelConfig);
  return {
    description: `Label Studio project ${projectId} ("${project.title}") at ${api.baseUrl}, uploaded`,
    projectKey: String(projectId),
    existing: async () => existingHashes(await api.tasks(projectId)),
    async add(batch) {
      if (batch.length === 0) return 0;
      const urls = await api.uploadFiles(projectId, batch.map((b) => ({ name: b.displayName, bytes: b.displayBytes })));
      return api.importTasks(projectId, batch.map((b, i) => taskData({
        imageKey, imageUrl: urls[i], originalName: b.originalName, originalPath: b.relativePath, sourceSha256: b.sourceSha256, measurements: b.measurements,
      })));
    },
    finish: async () => 0,
  };
}

/**
 * Local-files storage: `filesRoot` is the server's LOCAL_FILES_DOCUMENT_ROOT as this machine
 * sees it; images and task files go to `<filesRoot>/<subdir>/`.
 */
export async function localFilesDestination(api: LabelStudioApi, projectId: number, filesRoot: string, subdir: string): Promise<Destination> {
  const project = await api.project(projectId);
  const imageKey = imageKeyOfConfig(project.labelConfig);
  const root = resolve(filesRoot);
  const folder = resolve(root, subdir);
  if (!folder.startsWith(root + sep)) throw new ImportError(`--local-files-subdir "${subdir}" must be a folder inside ${root}`);
  if (!existsSync(root)) throw new ImportError(`--local-files-root ${root} does not exist: give the folder Label Studio serves local files from (its LOCAL_FILES_DOCUMENT_ROOT / LS_LOCAL_FILES_ROOT)`);
  return {
    description: `Label Studio project ${projectId} ("${project.title}") at ${api.baseUrl}, local-files storage ${folder}`,
    projectKey: String(projectId),
    existing: async () => existingHashes(await api.tasks(projectId)),
    async add(batch) {
      for (const b of batch) {
        const imagePath = join(folder, 'images', displayPath(b));
        await mkdir(dirname(imagePath), { recursive: true });
        await writeFile(imagePath, b.displayBytes);
        const url = `/data/local-files/?d=${encodeURIComponent(relative(root, imagePath).split(sep).join('/'))}`;
        const data = taskData({ imageKey, imageUrl: url, originalName: b.originalName, originalPath: b.relativePath, sourceSha256: b.sourceSha256, measurements: b.measurements });
        await mkdir(join(folder, 'tasks'), { recursive: true });
        // Named by content: a re-run writes the same file, which the sync has already seen.
        await writeFile(join(folder, 'tasks', `${b.sourceSha256}.json`), JSON.stringify({ data }));
      }
      return 0;
    },
    async finish() {
      const before = (await api.tasks(projectId)).length;
      const storage = await api.localStorage(projectId, folder, `cyto-ml import ${subdir}`);
      await api.syncLocalStorage(storage);
      return (await api.tasks(projectId)).length - before;
    },
  };
}

/** `--to-folder`: images plus `tasks.json` (image URLs = `urlPrefix` + path under images/). */
export async function folderDestination(outDir: string, urlPrefix: string, imageKey: string): Promise<Destination> {
  const tasksFile = join(outDir, 'tasks.json');
  let tasks: Array<{ data: Record<string, unknown> }> = [];
  if (existsSync(tasksFile)) {
    try {
      tasks = JSON.parse(await readFile(tasksFile, 'utf8'));
    } catch (error) {
      throw new ImportError(`${tasksFile} exists but is not a task list (${(error as Error).message}); move it away or choose another --to-folder`);
    }
  }
  return {
    description: `folder ${outDir} (tasks.json + images/)`,
    projectKey: 'folder',
    existing: async () => existingHashes(tasks),
    async add(batch) {
      for (const b of batch) {
        const path = displayPath(b);
        const target = join(outDir, 'images', path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, b.displayBytes);
        tasks.push({ data: taskData({ imageKey, imageUrl: `${urlPrefix}${path.split('/').map(encodeURIComponent).join('/')}`, originalName: b.originalName, originalPath: b.relativePath, sourceSha256: b.sourceSha256, measurements: b.measurements }) });
      }
      return batch.length;
    },
    async finish() {
      await mkdir(outDir, { recursive: true });
      await writeFile(tasksFile, `${JSON.stringify(tasks, null, 1)}\n`);
      return 0;
    },
  };
}
