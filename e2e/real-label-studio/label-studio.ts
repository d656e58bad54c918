/**
 * What the real-Label-Studio specs share: the server global setup started, an admin client on
 * its REST API (legacy `Token` auth, as scripts use it), other annotators made through the real
 * invite + sign-up flow, logging a browser in through the login form, and a shim whose proxy
 * injects the plugin into Label Studio's pages.
 *
 * Specs call `realLabelStudio()` first: it skips the spec, with the reason, only where
 * ../shared/label-studio is absent. `LS_URL` + `LS_API_KEY` (+ `LS_EMAIL`, `LS_PASSWORD`) point
 * the same specs at another server instead (docker-compose, the newest Label Studio).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, request as playwrightRequest, test } from '@playwright/test';
import type { APIRequestContext, APIResponse, Page } from '@playwright/test';
import { startShim } from '../../src/shim/server.ts';
import type { RunningShim } from '../../src/shim/server.ts';
import { LS_ENV } from './paths.ts';

export interface LabelStudioServer {
  url: string;
  email: string;
  password: string;
  token: string;
}

/** The running server, or skip the calling spec saying why there is none. */
export function realLabelStudio(): LabelStudioServer {
  if (process.env.LS_URL && process.env.LS_API_KEY) {
    return {
      url: process.env.LS_URL.replace(/\/+$/, ''),
      token: process.env.LS_API_KEY,
      email: process.env.LS_EMAIL ?? '',
      password: process.env.LS_PASSWORD ?? '',
    };
  }
  const url = process.env[LS_ENV.url];
  test.skip(!url, process.env[LS_ENV.absent] ?? 'the real Label Studio did not start (see global setup output)');
  return {
    url: url!,
    email: process.env[LS_ENV.email]!,
    password: process.env[LS_ENV.password]!,
    token: process.env[LS_ENV.token]!,
  };
}

export interface LsTask {
  id: number;
  data: Record<string, unknown>;
  annotations?: Array<{ id: number; completed_by: number; result: unknown[] }>;
  predictions?: Array<{ id: number; model_version: string; score: number | null; result: unknown[] }>;
  total_annotations?: number;
  total_predictions?: number;
}

export interface LsPrediction {
  id: number;
  task: number;
  model_version: string;
  score: number | null;
  result: Array<{ from_name: string; value: { choices?: string[] } }>;
}

async function ok(response: APIResponse, what: string): Promise<unknown> {
  const text = await response.text();
  if (!response.ok()) throw new Error(`${what}: HTTP ${response.status()} ${text.slice(0, 400)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Label Studio's REST API as one user, with a legacy token. */
export class LabelStudioApi {
  private constructor(readonly server: LabelStudioServer, readonly http: APIRequestContext) {}

  static async connect(server: LabelStudioServer, token = server.token): Promise<LabelStudioApi> {
    const http = await playwrightRequest.newContext({ baseURL: server.url, extraHTTPHeaders: { Authorization: `Token ${token}` } });
    return new LabelStudioApi(server, http);
  }

  async dispose(): Promise<void> { await this.http.dispose(); }

  async createProject(title: string, labelConfig: string, extra: Record<string, unknown> = {}): Promise<number> {
    const body = await ok(await this.http.post('/api/projects', { data: { title, label_config: labelConfig, ...extra } }), 'create project');
    return (body as { id: number }).id;
  }

  async deleteProject(id: number): Promise<void> { await this.http.delete(`/api/projects/${id}/`); }

  async patchProject(id: number, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    return (await ok(await this.http.patch(`/api/projects/${id}/`, { data: fields }), 'patch project')) as Record<string, unknown>;
  }

  async project(id: number): Promise<Record<string, unknown>> {
    return (await ok(await this.http.get(`/api/projects/${id}/`), 'get project')) as Record<string, unknown>;
  }

  /** Import tasks given as data objects (`{ image: url }`). */
  async importTasks(projectId: number, data: Array<Record<string, unknown>>): Promise<void> {
    await ok(await this.http.post(`/api/projects/${projectId}/import`, { data: data.map((d) => ({ data: d })) }), 'import tasks');
  }

  /** Upload image files as Label Studio does from its import dialog: one task each, served from /data/upload/. */
  async uploadImages(projectId: number, files: string[]): Promise<void> {
    const multipart: Record<string, { name: string; mimeType: string; buffer: Buffer }> = {};
    for (const [i, file] of files.entries()) {
      const name = basename(file);
      const mimeType = name.endsWith('.png') ? 'image/png' : 'image/jpeg';
      multipart[`file${i}`] = { name, mimeType, buffer: await readFile(file) };
    }
    await ok(await this.http.post(`/api/projects/${projectId}/import`, { multipart }), 'upload images');
  }

  /** Every task of a project, in id order (the paged list endpoint, as the Data Manager reads it). */
  async tasks(projectId: number): Promise<LsTask[]> {
    const all: LsTask[] = [];
    for (let page = 1; ; page++) {
      const response = await this.http.get(`/api/tasks?project=${projectId}&page=${page}&page_size=100&fields=all`);
      if (response.status() === 404) break;
      const body = (await ok(response, 'list tasks')) as LsTask[] | { tasks: LsTask[] };
      const list = Array.isArray(body) ? body : body.tasks;
      all.push(...list);
      if (list.length < 100) break;
    }
    return all.sort((a, b) => a.id - b.id);
  }

  async annotate(taskId: number, result: unknown[], completedBy?: number): Promise<number> {
    const data = completedBy === undefined ? { result } : { result, completed_by: completedBy };
    const body = await ok(await this.http.post(`/api/tasks/${taskId}/annotations/`, { data }), 'create annotation');
    return (body as { id: number }).id;
  }

  async annotations(taskId: number): Promise<Array<{ id: number; completed_by: number; result: Array<{ from_name: string; value: { choices?: string[] } }> }>> {
    return (await ok(await this.http.get(`/api/tasks/${taskId}/annotations/`), 'list annotations')) as never;
  }

  async predictions(taskId: number): Promise<LsPrediction[]> {
    return (await ok(await this.http.get(`/api/predictions?task=${taskId}`), 'list predictions')) as LsPrediction[];
  }

  /** Connect an ML backend (Label Studio calls its /health and /setup now). */
  async connectMlBackend(projectId: number, url: string, title = 'cyto-ml shim'): Promise<APIResponse> {
    return this.http.post('/api/ml', { data: { url, project: projectId, title } });
  }

  /** The Data Manager's "Retrieve predictions" action on every task. */
  async retrievePredictions(projectId: number): Promise<void> {
    await ok(await this.http.post(`/api/dm/actions?id=retrieve_tasks_predictions&project=${projectId}`, {
      data: { project: String(projectId), selectedItems: { all: true, excluded: [] } },
    }), 'retrieve predictions');
  }

  async userId(): Promise<number> {
    return ((await ok(await this.http.get('/api/current-user/whoami'), 'whoami')) as { id: number }).id;
  }

  /**
   * A second annotator, made as a person joins: the organisation's invite link, then the sign-up
   * form. Returns their login and their own API token.
   */
  async inviteAnnotator(email: string, password: string): Promise<{ email: string; password: string; token: string; id: number }> {
    const invite = (await ok(await this.http.get('/api/invite'), 'invite link')) as { invite_url: string };
    const browser = await playwrightRequest.newContext({ baseURL: this.server.url });
    try {
      await browser.get(invite.invite_url);
      const csrf = (await browser.storageState()).cookies.find((c) => c.name === 'csrftoken')?.value ?? '';
      const signup = await browser.post(invite.invite_url, {
        form: { csrfmiddlewaretoken: csrf, email, password, allow_newsletters: 'false' },
        headers: { Referer: `${this.server.url}${invite.invite_url}` },
        maxRedirects: 0,
      });
      if (signup.status() !== 302) throw new Error(`sign-up of ${email}: HTTP ${signup.status()} ${(await signup.text()).slice(0, 300)}`);
      const token = ((await ok(await browser.get('/api/current-user/token'), 'user token')) as { token: string }).token;
      const id = ((await ok(await browser.get('/api/current-user/whoami'), 'whoami')) as { id: number }).id;
      return { email, password, token, id };
    } finally {
      await browser.dispose();
    }
  }
}

/** Log a browser page in through Label Studio's own login form at `baseUrl` (the server or the proxy). */
export async function logIn(page: Page, baseUrl: string, user: { email: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/user/login/`);
  await page.locator('input[name="email"]').fill(user.email);
  await page.locator('input[name="password"]').fill(user.password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/user/login'), { timeout: 30_000 }),
    page.locator('button[type="submit"], input[type="submit"]').first().click(),
  ]);
}

export interface ShimForLabelStudio {
  shim: RunningShim;
  /** The shim's ML backend, as Label Studio and tests reach it. */
  url: string;
  /** Label Studio through the shim's proxy, with the plugin injected into every page. */
  proxyUrl: string;
  close(): Promise<void>;
}

/** A real shim (HTTP server, its own data folder) proxying `server`; needs `npm run build`. */
export async function startShimFor(server: LabelStudioServer): Promise<ShimForLabelStudio> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cyto-e2e-shim-'));
  const shim = await startShim({ port: 0, proxyPort: 0, host: '127.0.0.1', labelStudioUrl: server.url, dataDir, logLevel: 'warn' });
  expect(shim.proxyUrl).toBeTruthy();
  return {
    shim,
    url: shim.url,
    proxyUrl: shim.proxyUrl!,
    close: async () => { await shim.close(); await rm(dataDir, { recursive: true, force: true }); },
  };
}
