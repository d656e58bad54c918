import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImportOptions } from './import-options.ts';
import { ImportError } from './import-error.ts';
import { LabelStudioApi } from './label-studio-api.ts';

// A stand-in for Label Studio's answers to bad input (the real server is in e2e/ls-import.spec.ts).
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const PAT = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ token_type: 'refresh', user_id: 1 })}.c2lnbmF0dXJl`;
const uploads: string[] = [];
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    // A personal access token (JWT) is exchanged for a Bearer access token.
    if (req.url === '/api/token/refresh/') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const ok = (JSON.parse(body) as { refresh?: string }).refresh === PAT;
        res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' }).end(ok ? '{"access":"acc"}' : '{"detail":"Token is invalid or expired"}');
      });
      return;
    }
    if (req.url?.startsWith('/api/projects/5/')) return void res.writeHead(302, { Location: '/user/login/' }).end();
    if (req.url?.startsWith('/api/projects/1/import')) {
      // The multipart upload goes through the shared client as FormData, not JSON.
      uploads.push(String(req.headers['content-type']));
      return void res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"file_upload_ids":[7]}');
    }
    if (req.url?.startsWith('/api/projects/1/file-uploads')) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('[{"id":7,"file":"upload/1/x-a.png"}]');
    if (req.headers.authorization !== 'Token good' && req.headers.authorization !== 'Bearer acc') return void res.writeHead(401).end('{"detail":"Invalid token."}');
    if (req.url?.startsWith('/api/projects/1/')) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":1,"title":"p","label_config":"<View/>"}');
    if (req.url?.startsWith('/api/projects/3/')) return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>Welcome</title>');
    res.writeHead(404).end('{"detail":"Not found."}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('Label Studio API errors say what to do', () => {
  it('names a refused or missing token', async () => {
    await expect(new LabelStudioApi(url, 'bad').project(1)).rejects.toThrow(/refused the token .*Access Token/);
    await expect(new LabelStudioApi(url, undefined).project(1)).rejects.toThrow(/needs an API token/);
  });
  it('names a missing project', async () => {
    await expect(new LabelStudioApi(url, 'good').project(2)).rejects.toThrow(/project 2 was not found .*project id/);
    expect((await new LabelStudioApi(url, 'good').project(1)).title).toBe('p');
  });
  it('names an unreachable server, a non-URL, and a server that is not Label Studio', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(new LabelStudioApi(`http://127.0.0.1:${port}`, 'good').project(1)).rejects.toThrow(/cannot reach Label Studio at http:\/\/127.0.0.1:\d+ \(ECONNREFUSED\)/);
    expect(() => new LabelStudioApi('localhost8080', 't')).toThrow(ImportError);
    await expect(new LabelStudioApi(url, 'good').project(3)).rejects.toThrow(/not JSON .*Label Studio's address/);
  });
});

describe('the import on the shared Label Studio client', () => {
  it('authorises with a personal access token (JWT) as Bearer, and names a refused one', async () => {
    expect((await new LabelStudioApi(url, PAT).project(1)).title).toBe('p');
    await expect(new LabelStudioApi(url, `${PAT.slice(0, -2)}xx`).project(1)).rejects.toThrow(/refused the personal access token.*--token/);
  });
  it('reads a redirect to the login page as a refused token', async () => {
    await expect(new LabelStudioApi(url, 'good').project(5)).rejects.toThrow(/refused the token \(HTTP 302 for project 5\)/);
  });
  it('uploads files as multipart and returns their URLs', async () => {
    expect(await new LabelStudioApi(url, 'good').uploadFiles(1, [{ name: 'a.png', bytes: new Uint8Array([1, 2]) }])).toEqual(['/data/upload/1/x-a.png']);
    expect(uploads.at(-1)).toMatch(/^multipart\/form-data; boundary=/);
  });
});

describe('import options', () => {
  it('refuses incomplete or contradictory combinations', () => {
    expect(() => parseImportOptions(['folder'], {})).toThrow(/say where the tasks go/);
    expect(() => parseImportOptions(['folder', '--label-studio', 'http://x'], {})).toThrow(/--project ID is required/);
    expect(() => parseImportOptions(['folder', '--label-studio', 'http://x', '--project', 'abc'], {})).toThrow(/positive whole number/);
    expect(() => parseImportOptions(['folder', '--label-studio', 'http://x', '--project', '1', '--embed'], {})).toThrow(/needs --shim/);
    expect(() => parseImportOptions(['folder', '--to-folder', 'out', '--shim', 'http://s'], {})).toThrow(/only apply with --embed/);
    expect(() => parseImportOptions(['folder', '--to-folder', 'out', '--embed', '--shim', 'http://s'], {})).toThrow(/--shim needs --label-studio/);
    expect(() => parseImportOptions(['a', 'b', '--to-folder', 'out'], {})).toThrow(/exactly one folder/);
  });
  it('reads the token and URL from the environment', () => {
    const o = parseImportOptions(['f', '--project', '4'], { LABEL_STUDIO_URL: 'http://ls', LABEL_STUDIO_TOKEN: 'tok' });
    expect(o).toMatchObject({ labelStudio: { url: 'http://ls', project: 4, token: 'tok', localFilesSubdir: 'cyto-ml-import-4' } });
  });
});
