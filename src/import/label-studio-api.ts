/**
 * The few Label Studio REST calls the import makes, from Node, with the legacy API token
 * (`Authorization: Token …`, Account & Settings → Access Token). Every failure becomes an
 * `ImportError` that says what is wrong and what to do: a wrong URL, a refused token, a missing
 * project, a server error.
 *
 * Files are uploaded without creating tasks (`commit_to_project=false`), then the tasks are
 * imported as JSON pointing at the uploaded files' URLs: an upload alone would make tasks that
 * hold only the image, without the original name, path, content hash and FlowCam fields.
 */

/** An error meant for the person running the import: the message is the whole story. */
export class ImportError extends Error {
  override name = 'ImportError';
}

/** A project as the import needs it. */
export interface ProjectInfo {
  id: number;
  title: string;
  labelConfig: string;
}

/** A task's data (the import reads only that). */
export interface ExistingTask {
  id: number;
  data: Record<string, unknown>;
}

/** One file to upload. */
export interface UploadFile {
  name: string;
  bytes: Uint8Array;
}

const TASK_PAGE = 1000;

function mimeOf(name: string): string {
  const ext = name.toLowerCase().split('.').pop();
  return { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp' }[ext ?? ''] ?? 'application/octet-stream';
}

/** Label Studio's REST API for one token. */
export class LabelStudioApi {
  readonly baseUrl: string;

  constructor(url: string, private readonly token: string | undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ImportError(`--label-studio "${url}" is not a URL; give Label Studio's address, e.g. http://localhost:8080`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ImportError(`--label-studio "${url}" must be an http:// or https:// URL`);
    }
    this.baseUrl = parsed.href.replace(/\/+$/, '');
  }

  /** The project, or a clear error for an unreachable server, a refused token or a missing project. */
  async project(id: number): Promise<ProjectInfo> {
    const body = (await this.json('GET', `/api/projects/${id}/`, undefined, `project ${id}`)) as { id: number; title: string; label_config: string };
    return { id: body.id, title: body.title, labelConfig: body.label_config };
  }

  /** Every task's id and data, paged (20,000 tasks: 20 requests). */
  async tasks(projectId: number): Promise<ExistingTask[]> {
    const all: ExistingTask[] = [];
    for (let page = 1; ; page++) {
      const response = await this.request('GET', `/api/tasks?project=${projectId}&page=${page}&page_size=${TASK_PAGE}`);
      // Label Studio answers 404 for a page past the end.
      if (response.status === 404 && page > 1) break;
      const body = (await this.parse(response, `the tasks of project ${projectId}`)) as ExistingTask[] | { tasks: ExistingTask[] };
      const list = Array.isArray(body) ? body : body.tasks;
      all.push(...list.map((t) => ({ id: t.id, data: t.data })));
      if (list.length < TASK_PAGE) break;
    }
    return all;
  }

  /**
   * Uploads files without making tasks; returns each file's URL as Label Studio serves it
   * (`/data/upload/<project>/<random>-<name>`), in the order given.
   */
  async uploadFiles(projectId: number, files: readonly UploadFile[]): Promise<string[]> {
    const form = new FormData();
    files.forEach((f, i) => form.append(`file${i}`, new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: mimeOf(f.name) }), f.name));
    const uploaded = (await this.json('POST', `/api/projects/${projectId}/import?commit_to_project=false`, form, 'the upload')) as { file_upload_ids?: number[] };
    const ids = uploaded.file_upload_ids ?? [];
    if (ids.length !== files.length) {
      throw new ImportError(`Label Studio stored ${ids.length} of ${files.length} uploaded files; nothing was imported from this batch. Run the import again.`);
    }
    const listed = (await this.json('GET', `/api/projects/${projectId}/file-uploads?ids=${encodeURIComponent(JSON.stringify(ids))}`, undefined, 'the uploaded files')) as Array<{ id: number; file: string }>;
    const byId = new Map(listed.map((f) => [f.id, f.file]));
    return ids.map((id) => {
      const file = byId.get(id);
      if (!file) throw new ImportError(`Label Studio did not list uploaded file ${id}; run the import again`);
      return `/data/${file.replace(/^\/+/, '')}`;
    });
  }

  /** Creates tasks from data objects; returns how many Label Studio made. */
  async importTasks(projectId: number, data: ReadonlyArray<Record<string, unknown>>): Promise<number> {
    const body = (await this.json('POST', `/api/projects/${projectId}/import`, data.map((d) => ({ data: d })), 'the task import')) as { task_count?: number };
    return body.task_count ?? data.length;
  }

  /**
   * The local-files storage of `path` (a folder under the server's LOCAL_FILES_DOCUMENT_ROOT)
   * in this project, created when missing: every `.json` file under it is one task, and the
   * images beside them are served at `/data/local-files/?d=<path>`.
   */
  async localStorage(projectId: number, path: string, title: string): Promise<number> {
    const existing = (await this.json('GET', `/api/storages/localfiles?project=${projectId}`, undefined, 'the local storages')) as Array<{ id: number; path: string }>;
    const found = existing.find((s) => s.path === path);
    if (found) return found.id;
    const created = (await this.json('POST', '/api/storages/localfiles', {
      project: projectId, path, title, use_blob_urls: false, regex_filter: '.*\\.json$',
    }, 'creating the local-files storage')) as { id: number };
    return created.id;
  }

  /** Syncs a local-files storage: tasks for JSON files not synced before. */
  async syncLocalStorage(storageId: number): Promise<void> {
    await this.json('POST', `/api/storages/localfiles/${storageId}/sync`, {}, 'the local-files sync');
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Token ${this.token}`;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    try {
      return await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload, redirect: 'manual' });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ImportError(
        `cannot reach Label Studio at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}): ` +
        'check --label-studio (address and port) and that the server is running',
      );
    }
  }

  private async json(method: string, path: string, body: unknown, what: string): Promise<unknown> {
    return this.parse(await this.request(method, path, body), what);
  }

  private async parse(response: Response, what: string): Promise<unknown> {
    const text = await response.text();
    if (response.status === 401 || response.status === 403 || (response.status >= 300 && response.status < 400)) {
      throw new ImportError(
        this.token
          ? `Label Studio refused the token (HTTP ${response.status} for ${what}): copy the Access Token from Account & Settings and pass it with --token (or LABEL_STUDIO_TOKEN)`
          : `Label Studio needs an API token (HTTP ${response.status} for ${what}): pass --token (Account & Settings → Access Token) or set LABEL_STUDIO_TOKEN`,
      );
    }
    if (response.status === 404) {
      throw new ImportError(`${what} was not found at ${this.baseUrl} (HTTP 404): check the project id (the number in the project's URL, /projects/<id>/)`);
    }
    if (!response.ok) {
      throw new ImportError(`Label Studio answered HTTP ${response.status} for ${what}: ${text.slice(0, 300)}`);
    }
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw new ImportError(`${this.baseUrl} answered ${what} with something that is not JSON ("${text.slice(0, 60).replace(/\s+/g, ' ')}…"): is this Label Studio's address?`);
    }
  }
}
