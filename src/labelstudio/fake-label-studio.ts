/**
 * An in-memory Label Studio REST API for unit tests (a `fetch`): tasks with annotations,
 * predictions, the project's model_version, and the token endpoints. Only what the plugin calls,
 * answering as Label Studio 1.12 does (bare lists for predictions and a task's annotations,
 * `{tasks, total}` pages, 404 past the last page, a project PATCH refusing a model_version
 * without stored predictions). Tests only: the e2e specs use the real server.
 */
export interface FakeTask {
  id: number;
  data: Record<string, unknown>;
  updated_at: string;
  annotations: Array<{ id: number; result: unknown[]; was_cancelled?: boolean; updated_at: string; completed_by: number }>;
}

export interface FakePrediction { id: number; task: number; model_version: string; score: number; result: unknown[] }

export class FakeLabelStudio {
  tasks: FakeTask[] = [];
  predictions: FakePrediction[] = [];
  projectVersion = '';
  /** Every request as `METHOD path`. */
  readonly log: string[] = [];
  /** Accepted refresh token and the access tokens issued (JWT auth). */
  refreshToken = '';
  accessTokens: string[] = [];
  /** Access tokens the server no longer accepts (expired). */
  expired = new Set<string>();
  legacyToken = '';
  private nextId = 1000;
  private clock = Date.parse('2026-11-28T09:00:00.000Z');

  /** A server time, later on every call (as Label Studio's `auto_now`). */
  tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace('Z', '123Z');
  }

  addTask(id: number, image: string): FakeTask {
    const task = { id, data: { image }, updated_at: this.tick(), annotations: [] };
    this.tasks.push(task);
    return task;
  }

  annotate(taskId: number, result: unknown[], completedBy = 2): number {
    const task = this.tasks.find((t) => t.id === taskId)!;
    const id = this.nextId++;
    const now = this.tick();
    task.annotations.push({ id, result, updated_at: now, completed_by: completedBy });
    task.updated_at = now;
    return id;
  }

  readonly fetch = (async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://ls.test');
    const method = (init.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    this.log.push(`${method} ${path}${url.search}`);
    const json = (status: number, body: unknown) => new Response(body === undefined ? null : JSON.stringify(body), { status });
    const body = typeof init.body === 'string' ? JSON.parse(init.body) as Record<string, unknown> : {};

    if (method === 'POST' && path === '/api/token/refresh/') {
      if (body.refresh !== this.refreshToken) return json(401, { detail: 'Token is invalid or expired' });
      const access = `access-${this.accessTokens.length + 1}`;
      this.accessTokens.push(access);
      return json(200, { access });
    }
    const auth = new Headers(init.headers).get('Authorization') ?? '';
    const authorised = auth === `Token ${this.legacyToken}` && this.legacyToken !== ''
      || (auth.startsWith('Bearer ') && this.accessTokens.includes(auth.slice(7)) && !this.expired.has(auth.slice(7)))
      || (auth === '' && this.legacyToken === '' && this.refreshToken === '');
    if (!authorised) return json(401, { detail: 'Authentication credentials were not provided.' });

    if (method === 'GET' && path === '/api/tasks') {
      let list = [...this.tasks];
      const query = url.searchParams.get('query');
      if (query) {
        const since = (JSON.parse(query) as { filters: { items: Array<{ value: string }> } }).filters.items[0].value;
        list = list.filter((t) => Date.parse(t.updated_at) >= Date.parse(since)).sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at));
      }
      const page = Number(url.searchParams.get('page') ?? 1);
      const size = Number(url.searchParams.get('page_size') ?? 100);
      const slice = list.slice((page - 1) * size, page * size);
      if (page > 1 && slice.length === 0) return json(404, { detail: 'Invalid page.' });
      // The Data Manager's counters, as `fields=task_only` lists them.
      const counted = slice.map((t) => ({
        ...structuredClone(t),
        total_annotations: t.annotations.filter((a) => !a.was_cancelled).length,
        cancelled_annotations: t.annotations.filter((a) => a.was_cancelled).length,
      }));
      return json(200, { tasks: counted, total: list.length });
    }
    if (method === 'GET' && path === '/api/predictions/') {
      // `?task=` or `?project=` (one project here: every prediction).
      if (url.searchParams.has('project')) return json(200, structuredClone(this.predictions));
      return json(200, this.predictions.filter((p) => p.task === Number(url.searchParams.get('task'))));
    }
    if (method === 'POST' && /^\/api\/projects\/\d+\/import\/predictions$/.test(path)) {
      // ImportPredictionsAPI: every task must exist, else 400 and nothing stored.
      const items = JSON.parse(String(init.body)) as Array<{ task: number; model_version: string; score: number; result: unknown[] }>;
      const bad = items.find((i) => !this.tasks.some((t) => t.id === i.task));
      if (bad) return json(400, { detail: `${JSON.stringify(bad)} contains invalid "task" field` });
      for (const i of items) this.predictions.push({ id: this.nextId++, task: i.task, model_version: i.model_version, score: i.score, result: i.result });
      return json(201, { created: items.length });
    }
    if (method === 'POST' && path === '/api/predictions/') {
      const p = { id: this.nextId++, task: body.task as number, model_version: body.model_version as string, score: body.score as number, result: body.result as unknown[] };
      this.predictions.push(p);
      return json(201, p);
    }
    const prediction = /^\/api\/predictions\/(\d+)\/$/.exec(path);
    if (prediction) {
      const p = this.predictions.find((x) => x.id === Number(prediction[1]));
      if (!p) return json(404, { detail: 'Not found.' });
      if (method === 'PATCH') {
        Object.assign(p, body);
        return json(200, p);
      }
      if (method === 'DELETE') {
        this.predictions = this.predictions.filter((x) => x !== p);
        return json(204, undefined);
      }
    }
    const annotations = /^\/api\/tasks\/(\d+)\/annotations\/$/.exec(path);
    if (annotations) {
      const task = this.tasks.find((t) => t.id === Number(annotations[1]));
      if (!task) return json(404, { detail: 'Not found.' });
      if (method === 'GET') return json(200, task.annotations);
      if (method === 'POST') return json(201, { id: this.annotate(task.id, body.result as unknown[]) });
    }
    if (method === 'DELETE' && /^\/api\/projects\/\d+\/model-versions\/$/.test(path)) {
      // ProjectModelVersions.delete: every prediction of that version in the project.
      const before = this.predictions.length;
      this.predictions = this.predictions.filter((p) => p.model_version !== body.model_version);
      return json(200, before - this.predictions.length);
    }
    const project = /^\/api\/projects\/(\d+)\/$/.exec(path);
    if (project) {
      if (method === 'GET') return json(200, { id: Number(project[1]), label_config: '<View/>', model_version: this.projectVersion });
      if (method === 'PATCH') {
        const version = body.model_version as string;
        if (!this.predictions.some((p) => p.model_version === version)) {
          return json(400, { validation_errors: { model_version: ["Model version doesn't exist either as live model or as static predictions."] } });
        }
        this.projectVersion = version;
        return json(200, { id: Number(project[1]), model_version: version });
      }
    }
    return json(404, { detail: `fake has no ${method} ${path}` });
  }) as typeof fetch;
}
