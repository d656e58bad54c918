import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImportOptions } from './import-options.ts';
import { ImportError } from './import-error.ts';
import { LabelStudioApi } from './label-studio-api.ts';

// A stand-in for Label Studio's answers to bad input (the real server is in e2e/ls-import.spec.ts).
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.headers.authorization !== 'Token good') return void res.writeHead(401).end('{"detail":"Invalid token."}');
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
