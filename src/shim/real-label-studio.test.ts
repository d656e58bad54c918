// Against a REAL Label Studio 1.12 server (../shared/label-studio; skipped with a message when
// absent): the shim connected as the project's ML backend with basic auth, predictions relayed
// with a Label Studio token that Label Studio confirms, and "Retrieve predictions" run twice and
// after a new model version: Label Studio must end up with exactly one prediction per (task,
// model version), never an empty one, and none for a task no browser predicted (issue 10 item 7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningShim } from './server.ts';
import { postJson, relayedPrediction, startTestShim, makeTempDirs } from './test-fixtures.ts';
import type { TempDirs } from './test-fixtures.ts';
import { freePort, realLabelStudioUnavailable, startRealLabelStudio } from './testing/real-label-studio.ts';
import type { RealLabelStudio } from './testing/real-label-studio.ts';

// Free ports unless LS_TEST_PORT / SHIM_TEST_PORT name them.
const portFrom = async (variable: string) => (process.env[variable] ? Number(process.env[variable]) : freePort());
const CONFIG = '<View><Image name="image" value="$image"/><Choices name="organism_type" toName="image">' +
  '<Choice value="Plankton"/><Choice value="Debris"/><Choice value="Not-plankton"/></Choices></View>';
const BASIC = { user: 'ls-backend', pass: 'b4sic-pass' };

const unavailable = realLabelStudioUnavailable();
if (unavailable) console.warn(unavailable);

describe.skipIf(unavailable !== undefined)('with a real Label Studio 1.12', () => {
  let ls: RealLabelStudio;
  let dirs: TempDirs;
  let shim: RunningShim;
  let project: number;
  let tasks: number[];

  beforeAll(async () => {
    ls = await startRealLabelStudio(await portFrom('LS_TEST_PORT'));
    dirs = await makeTempDirs();
    shim = await startTestShim(dirs, { port: await portFrom('SHIM_TEST_PORT'), labelStudioUrl: ls.url, basicAuth: BASIC });
    project = (await ls.api('POST', '/api/projects/', { title: 'cyto-ml shim test', label_config: CONFIG })).id;
    await ls.api('POST', `/api/projects/${project}/import`, [1, 2, 3].map((i) => ({ image: `http://127.0.0.1:1/plankton-${i}.png` })));
    const listed = await ls.api('GET', `/api/tasks/?project=${project}&page_size=100`);
    tasks = (Array.isArray(listed) ? listed : listed.tasks).map((t: { id: number }) => t.id).sort((a: number, b: number) => a - b);
    expect(tasks).toHaveLength(3);
  }, 300_000);
  afterAll(async () => {
    await shim?.close();
    await dirs?.cleanup();
    await ls?.stop();
  });

  const token = () => ({ authorization: `Token ${ls.token}` });
  const relay = (task: number, version: string, label = 'Plankton') =>
    postJson(`${shim.url}/api/predictions`, relayedPrediction(task, String(project), version, label), token());
  const retrieve = () =>
    ls.api('POST', `/api/dm/actions?id=retrieve_tasks_predictions&project=${project}`, { selectedItems: { all: true, excluded: [] } });
  /** Label Studio's stored predictions: task → model versions (sorted), and whether any is empty. */
  async function stored(): Promise<{ byTask: Record<number, string[]>; empty: number }> {
    const list: Array<{ task: number; model_version: string; result: unknown[] }> = await ls.api('GET', `/api/predictions/?project=${project}`);
    const byTask: Record<number, string[]> = Object.fromEntries(tasks.map((t) => [t, []]));
    for (const p of list) byTask[p.task].push(p.model_version);
    for (const t of tasks) byTask[t].sort();
    return { byTask, empty: list.filter((p) => !Array.isArray(p.result) || p.result.length === 0).length };
  }

  it('lets only writers Label Studio confirms relay predictions', async () => {
    expect((await postJson(`${shim.url}/api/predictions`, relayedPrediction(tasks[0], String(project), 'v1'))).status).toBe(401);
    expect((await postJson(`${shim.url}/api/predictions`, relayedPrediction(tasks[0], '999999', 'v1'), token())).status).toBe(403);
    expect((await postJson(`${shim.url}/api/predictions`, relayedPrediction(tasks[0], String(project), 'v1'), { authorization: 'Token 0000000000000000000000000000000000000000' })).status).toBe(403);
    expect((await relay(tasks[0], 'v1')).status).toBe(201);
    expect((await relay(tasks[1], 'v1', 'Debris')).status).toBe(201);
  });

  it('through the proxy, accepts the relay post of a logged-in member (session cookie) and refuses others', async () => {
    const proxy = shim.proxyUrl!;
    const loginPage = await fetch(`${proxy}/user/login/`);
    const csrfCookie = loginPage.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('csrftoken='))!;
    const formToken = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await loginPage.text())![1];
    const login = await fetch(`${proxy}/user/login/`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie, referer: `${proxy}/user/login/` },
      body: new URLSearchParams({ csrfmiddlewaretoken: formToken, email: ls.email, password: ls.password }),
    });
    expect(login.status).toBe(302);
    const session = login.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('sessionid='))!;
    expect(session).toBeDefined();
    const viaProxy = (cookie: string, task: number) =>
      postJson(`${proxy}/cyto-ml/api/predictions`, relayedPrediction(task, String(project), 'v1'), { cookie });
    expect((await viaProxy(`${csrfCookie}; sessionid=not-a-session`, tasks[0])).status).toBe(403);
    expect((await viaProxy(`${csrfCookie}; ${session}`, tasks[0])).status).toBe(201);
  });

  it('Retrieve stores one prediction per predicted task, none empty, and no duplicate when run again', async () => {
    await ls.api('POST', '/api/ml/', {
      url: shim.url, project, title: 'cyto-ml', auth_method: 'BASIC_AUTH', basic_auth_user: BASIC.user, basic_auth_pass: BASIC.pass,
    });
    await retrieve();
    let now = await stored();
    expect(now.byTask).toEqual({ [tasks[0]]: ['v1'], [tasks[1]]: ['v1'], [tasks[2]]: [] });
    expect(now.empty).toBe(0);
    await retrieve();
    now = await stored();
    expect(now.byTask).toEqual({ [tasks[0]]: ['v1'], [tasks[1]]: ['v1'], [tasks[2]]: [] });
  }, 120_000);

  it('after a new model version, /setup reports it and Retrieve adds only that version where it is new', async () => {
    expect((await relay(tasks[0], 'v2', 'Debris')).status).toBe(201);
    const setup = await postJson(`${shim.url}/setup`, { project: `${project}.1700000000` }, {
      authorization: `Basic ${Buffer.from(`${BASIC.user}:${BASIC.pass}`).toString('base64')}`,
    });
    expect(setup.json).toEqual({ model_version: 'v2' });
    await retrieve();
    await retrieve();
    const now = await stored();
    expect(now.byTask).toEqual({ [tasks[0]]: ['v1', 'v2'], [tasks[1]]: ['v1'], [tasks[2]]: [] });
    expect(now.empty).toBe(0);
  }, 120_000);

  it('Retrieve adds no prediction to an annotated task, and only the newest of our versions elsewhere (issue 17)', async () => {
    await ls.api('POST', `/api/tasks/${tasks[1]}/annotations/`, {
      result: [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Debris'] } }], was_cancelled: false,
    });
    for (const task of [tasks[1], tasks[2]]) expect((await relay(task, 'v3', 'Plankton')).status).toBe(201);
    await retrieve();
    await retrieve();
    const now = await stored();
    // tasks[0] holds v2, the newest relayed for it: no v1 again; tasks[1] is annotated: nothing new.
    expect(now.byTask).toEqual({ [tasks[0]]: ['v1', 'v2'], [tasks[1]]: ['v1'], [tasks[2]]: ['v3'] });
    expect(now.empty).toBe(0);
  }, 120_000);
});
