/**
 * The Label Studio calls the import makes, from Node, through the shared REST client
 * (src/labelstudio/rest-client.ts) with the token of `--token` / LABEL_STUDIO_TOKEN: the legacy
 * access token (`Authorization: Token …`) or a personal access token (a JWT, refreshed into
 * Bearer access tokens). This module adds only the import's endpoints (multipart upload, the
 * uploaded files' URLs, task import, local-files storage) and turns the client's errors into
 * `ImportError`s that say what is wrong and what to do: a wrong URL, a refused token, a missing
 * project, a server error.
 *
 * Files are uploaded without creating tasks (`commit_to_project=false`), then the tasks are
 * imported as JSON pointing at the uploaded files' URLs: an upload alone would make tasks that
 * hold only the image, without the original name, path, content hash and FlowCam fields.
 */
import { LabelStudioApiError, LabelStudioClient } from '../labelstudio/rest-client.ts';
import { ImportError } from './import-error.ts';

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

/** Tasks per page when listing (20,000 tasks: 20 requests). */
const TASK_PAGE = 1000;

function mimeOf(name: string): string {
  const ext = name.toLowerCase().split('.').pop();
  return { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp' }[ext ?? ''] ?? 'application/octet-stream';
}

/** Label Studio's REST API for one token. */
export class LabelStudioApi {
  readonly baseUrl: string;
  private readonly client: LabelStudioClient;

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
    this.client = new LabelStudioClient({
      baseUrl: this.baseUrl,
      // Without a token Node sends no credentials (it has no cookies); the 401 says to pass one.
      auth: token ? { kind: 'token', token } : { kind: 'session' },
      cookies: () => '',
      pageSize: TASK_PAGE,
      // A redirect (to the login page) means "not authorised", not a page to parse.
      redirect: 'manual',
    });
  }

  /** The project, or a clear error for an unreachable server, a refused token or a missing project. */
  async project(id: number): Promise<ProjectInfo> {
    const body = await this.call(`project ${id}`, () => this.client.getProject(id));
    return { id: body.id, title: body.title ?? '', labelConfig: body.label_config };
  }

  /** Every task's id and data, paged. */
  async tasks(projectId: number): Promise<ExistingTask[]> {
    const tasks = await this.call(`the tasks of project ${projectId}`, () => this.client.listTasks(projectId));
    return tasks.map((t) => ({ id: t.id, data: t.data as Record<string, unknown> }));
  }

  /**
   * Uploads files without making tasks; returns each file's URL as Label Studio serves it
   * (`/data/upload/<project>/<random>-<name>`), in the order given.
   */
  async uploadFiles(projectId: number, files: readonly UploadFile[]): Promise<string[]> {
    const form = new FormData();
    files.forEach((f, i) => form.append(`file${i}`, new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: mimeOf(f.name) }), f.name));
    const uploaded = await this.json<{ file_upload_ids?: number[] }>('POST', `/api/projects/${projectId}/import?commit_to_project=false`, form, 'the upload');
    const ids = uploaded?.file_upload_ids ?? [];
    if (ids.length !== files.length) {
      throw new ImportError(`Label Studio stored ${ids.length} of ${files.length} uploaded files; nothing was imported from this batch. Run the import again.`);
    }
    const listed = await this.json<Array<{ id: number; file: string }>>('GET', `/api/projects/${projectId}/file-uploads?ids=${encodeURIComponent(JSON.stringify(ids))}`, undefined, 'the uploaded files');
    const byId = new Map((listed ?? []).map((f) => [f.id, f.file]));
    return ids.map((id) => {
      const file = byId.get(id);
      if (!file) throw new ImportError(`Label Studio did not list uploaded file ${id}; run the import again`);
      return `/data/${file.replace(/^\/+/, '')}`;
    });
  }

  /** Creates tasks from data objects; returns how many Label Studio made. */
  async importTasks(projectId: number, data: ReadonlyArray<Record<string, unknown>>): Promise<number> {
    const body = await this.json<{ task_count?: number }>('POST', `/api/projects/${projectId}/import`, data.map((d) => ({ data: d })), 'the task import');
    return body?.task_count ?? data.length;
  }

  /**
   * The local-files storage of `path` (a folder under the server's LOCAL_FILES_DOCUMENT_ROOT)
   * in this project, created when missing: every `.json` file under it is one task, and the
   * images beside them are served at `/data/local-files/?d=<path>`.
   */
  async localStorage(projectId: number, path: string, title: string): Promise<number> {
    const existing = await this.json<Array<{ id: number; path: string }>>('GET', `/api/storages/localfiles?project=${projectId}`, undefined, 'the local storages');
    const found = (existing ?? []).find((s) => s.path === path);
    if (found) return found.id;
    const created = await this.json<{ id: number }>('POST', '/api/storages/localfiles', {
      project: projectId, path, title, use_blob_urls: false, regex_filter: '.*\\.json$',
    }, 'creating the local-files storage');
    return created.id;
  }

  /** Syncs a local-files storage: tasks for JSON files not synced before. */
  async syncLocalStorage(storageId: number): Promise<void> {
    await this.json('POST', `/api/storages/localfiles/${storageId}/sync`, {}, 'the local-files sync');
  }

  private json<T>(method: string, path: string, body: unknown, what: string): Promise<T> {
    return this.call(what, () => this.client.request<T>(method, path, body));
  }

  /** Runs one client call; its failure becomes an ImportError about `what`. */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof LabelStudioApiError)) throw error;
      throw new ImportError(this.explain(error, what));
    }
  }

  private explain(error: LabelStudioApiError, what: string): string {
    const { status, body } = error;
    const refresh = error.cause instanceof Error && error.cause.name === 'TokenRefreshError';
    if (status === 0 && !refresh) {
      const cause = (error.cause as { cause?: { code?: string; message?: string } } | undefined)?.cause;
      return `cannot reach Label Studio at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (error.cause as Error | undefined)?.message ?? error.message}): ` +
        'check --label-studio (address and port) and that the server is running';
    }
    // A personal access token that cannot be refreshed: token-auth.ts's message says why.
    if (refresh) return `${error.message} Pass it with --token (or LABEL_STUDIO_TOKEN).`;
    if (status === 401 || status === 403 || (status >= 300 && status < 400)) {
      return this.token
        ? `Label Studio refused the token (HTTP ${status} for ${what}): copy the Access Token from Account & Settings and pass it with --token (or LABEL_STUDIO_TOKEN)`
        : `Label Studio needs an API token (HTTP ${status} for ${what}): pass --token (Account & Settings → Access Token) or set LABEL_STUDIO_TOKEN`;
    }
    if (status === 404) {
      return `${what} was not found at ${this.baseUrl} (HTTP 404): check the project id (the number in the project's URL, /projects/<id>/)`;
    }
    // The client throws on an answer that was not JSON with the answer's (successful) status.
    if (status >= 200 && status < 300 && body !== '') {
      return `${this.baseUrl} answered ${what} with something that is not JSON ("${body.slice(0, 60).replace(/\s+/g, ' ')}…"): is this Label Studio's address?`;
    }
    if (status >= 200 && status < 300) return `Label Studio's answer for ${what} was not what the import expects (${error.message}): is this Label Studio's address?`;
    return `Label Studio answered HTTP ${status} for ${what}: ${body.slice(0, 300)}`;
  }
}
