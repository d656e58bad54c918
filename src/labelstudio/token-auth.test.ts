import { describe, expect, it } from 'vitest';
import { makeAuthFetch } from './credentials.ts';
import { FakeLabelStudio } from './fake-label-studio.ts';
import { LabelStudioApiError, LabelStudioClient } from './rest-client.ts';
import { isJwt } from './token-auth.ts';

/** A JWT-shaped personal access token (header names its alg, as Label Studio's do). */
const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const PAT = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ token_type: 'refresh', user_id: 1 })}.c2lnbmF0dXJl`;

describe('API tokens', () => {
  it('tells a personal access token (JWT) from a legacy key by its shape', () => {
    expect(isJwt(PAT)).toBe(true);
    expect(isJwt('0123456789abcdef0123456789abcdef01234567')).toBe(false);
    expect(isJwt('a.b.c')).toBe(false);
  });

  it('REST client: exchanges a personal access token for a Bearer access token and refreshes it on a 401', async () => {
    const ls = new FakeLabelStudio();
    ls.refreshToken = PAT;
    ls.addTask(1, '/a.jpg');
    const client = new LabelStudioClient({ baseUrl: 'http://ls.test', auth: { kind: 'token', token: PAT }, fetch: ls.fetch });
    expect((await client.listTasks(3)).map((t) => t.id)).toEqual([1]);
    expect(ls.log.slice(0, 2)).toEqual(['POST /api/token/refresh/', 'GET /api/tasks?project=3&page=1&page_size=100']);
    // The access token expires: one 401, one refresh, the call repeated.
    ls.expired.add('access-1');
    expect(await client.listPredictions(1)).toEqual([]);
    expect(ls.accessTokens).toEqual(['access-1', 'access-2']);
    expect(ls.log.slice(2)).toEqual(['GET /api/predictions/?task=1', 'POST /api/token/refresh/', 'GET /api/predictions/?task=1']);
  });

  it('REST client: a revoked personal access token fails with what to do', async () => {
    const ls = new FakeLabelStudio();
    ls.refreshToken = 'another';
    const client = new LabelStudioClient({ baseUrl: 'http://ls.test', auth: { kind: 'token', token: PAT }, fetch: ls.fetch });
    const error = await client.getProject(3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabelStudioApiError);
    expect((error as Error).message).toMatch(/refused the personal access token .*expired or was revoked; create a new one/);
  });

  it('REST client: a legacy key is sent as Token and not retried on 401', async () => {
    const ls = new FakeLabelStudio();
    ls.legacyToken = 'abc';
    const ok = new LabelStudioClient({ baseUrl: 'http://ls.test', auth: { kind: 'token', token: 'abc' }, fetch: ls.fetch });
    expect((await ok.getProject(3)).id).toBe(3);
    const bad = new LabelStudioClient({ baseUrl: 'http://ls.test', auth: { kind: 'token', token: 'wrong' }, fetch: ls.fetch });
    await expect(bad.getProject(3)).rejects.toMatchObject({ status: 401 });
    expect(ls.log).toEqual(['GET /api/projects/3/', 'GET /api/projects/3/']);
  });

  it('outbox fetch: Bearer for a personal access token, refreshed on 401; nothing reaches other servers', async () => {
    const ls = new FakeLabelStudio();
    ls.refreshToken = PAT;
    ls.addTask(1, '/a.jpg');
    const seen: Array<[string, string | null]> = [];
    const spy = ((input: RequestInfo | URL, init?: RequestInit) => {
      seen.push([String(input), new Headers(init?.headers).get('Authorization')]);
      return ls.fetch(input, init);
    }) as typeof fetch;
    const send = makeAuthFetch({ labelStudioBase: 'http://ls.test/', apiToken: PAT, fetch: spy, cookies: () => '' });
    expect((await send('http://ls.test/api/predictions/', { method: 'POST', body: JSON.stringify({ task: 1, model_version: 'v', score: 1, result: [] }) })).status).toBe(201);
    ls.expired.add('access-1');
    expect((await send('http://ls.test/api/predictions/', { method: 'POST', body: JSON.stringify({ task: 1, model_version: 'v', score: 1, result: [] }) })).status).toBe(201);
    await send('http://shim.test/api/predictions', { method: 'POST', body: '{}' }).catch(() => undefined);
    expect(seen.map(([url, auth]) => `${url} ${auth}`)).toEqual([
      'http://ls.test/api/token/refresh/ null',
      'http://ls.test/api/predictions/ Bearer access-1',
      'http://ls.test/api/predictions/ Bearer access-1',
      'http://ls.test/api/token/refresh/ null',
      'http://ls.test/api/predictions/ Bearer access-2',
      'http://shim.test/api/predictions null',
    ]);
  });
});
