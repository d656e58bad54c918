import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { injectScriptTag, pluginScriptTag } from './html-inject.ts';
import { PROXY_PREFIX, relativeLocation } from './proxy.ts';
import type { RunningShim } from './server.ts';
import { FAKE_PLUGIN_JS, lsPredictBody, makeTempDirs, postJson, relayedPrediction, startTestShim } from './test-fixtures.ts';
import type { TempDirs } from './test-fixtures.ts';

const TAG = pluginScriptTag(PROXY_PREFIX);
const PAGE = '<!DOCTYPE html><html><head><title>Label Studio</title></head><body><div id="app"></div></body></html>';
const BINARY = randomBytes(256 * 1024);

/** What the fake Label Studio last received. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let upstream: Server;
let upstreamUrl: string;
let seen: Seen[] = [];

/** A small stand-in for Label Studio: fixed pages, echo, cookies, redirects, compression. */
function fakeLabelStudio(): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = (req.url ?? '').split('?')[0];
      switch (path) {
        case '/projects/':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(PAGE) });
          return res.end(PAGE);
        case '/gzip-anyway/': {
          // Ignores Accept-Encoding: identity, as a misbehaving upstream might.
          const zipped = gzipSync(PAGE);
          res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': zipped.length });
          return res.end(zipped);
        }
        case '/br-anyway/': {
          const zipped = brotliCompressSync(PAGE);
          res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br', 'content-length': zipped.length });
          return res.end(zipped);
        }
        case '/no-head/':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<html><body><p>x</p></body></html>');
        case '/fragment/':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<div class="partial">no head or body</div>');
        case '/static/app.bin':
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BINARY.length });
          return res.end(BINARY);
        case '/static/main.js': {
          const zipped = gzipSync('console.log("ls")');
          res.writeHead(200, { 'content-type': 'application/javascript', 'content-encoding': 'gzip' });
          return res.end(zipped);
        }
        case '/user/login/':
          res.writeHead(302, {
            location: '/projects/?next=1',
            'set-cookie': ['sessionid=abc; HttpOnly; Path=/; SameSite=Lax', 'csrftoken=tok123; Path=/'],
          });
          return res.end();
        case '/absolute-redirect/':
          res.writeHead(301, { location: `${upstreamUrl}/projects/?x=1#frag` });
          return res.end();
        case '/elsewhere/':
          res.writeHead(302, { location: 'https://sso.example.org/auth?x=1' });
          return res.end();
        default:
          // Echo: what arrived, as JSON (covers /api/predictions/ and other API calls).
          res.writeHead(path === '/api/missing/' ? 404 : 200, { 'content-type': 'application/json', 'x-upstream': 'label-studio' });
          return res.end(JSON.stringify({ method: req.method, url: req.url, cookie: req.headers.cookie ?? null, body: body.toString('base64') }));
      }
    });
  });
}

let dirs: TempDirs;
let shim: RunningShim;
let proxy: string;

beforeAll(async () => {
  upstream = fakeLabelStudio();
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const address = upstream.address();
  upstreamUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  dirs = await makeTempDirs();
  shim = await startTestShim(dirs, { labelStudioUrl: upstreamUrl });
  proxy = shim.proxyUrl ?? '';
});
afterEach(() => {
  seen = [];
});
afterAll(async () => {
  await shim.close();
  await new Promise((resolve) => upstream.close(resolve));
  await dirs.cleanup();
});

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe('HTML injection', () => {
  it('puts the tag before </head> exactly once, streamed (no Content-Length), and asks for identity encoding', async () => {
    const response = await fetch(`${proxy}/projects/`, { headers: { accept: 'text/html,application/xhtml+xml', 'accept-encoding': 'gzip, br' } });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(count(html, '<script src="/cyto-ml/plugin/cyto-ml.js"')).toBe(1);
    expect(html).toBe(PAGE.replace('</head>', `${TAG}</head>`));
    expect(response.headers.get('content-length')).toBeNull();
    expect(seen[0].headers['accept-encoding']).toBe('identity');
  });

  it('decodes gzip and br pages that arrive compressed anyway', async () => {
    for (const path of ['/gzip-anyway/', '/br-anyway/']) {
      const response = await fetch(proxy + path, { headers: { accept: 'text/html' } });
      const html = await response.text();
      expect(response.headers.get('content-encoding'), path).toBeNull();
      expect(count(html, TAG), path).toBe(1);
      expect(html.startsWith('<!DOCTYPE html>'), path).toBe(true);
    }
  });

  it('goes before <body> when there is no head, and leaves fragments alone', async () => {
    const noHead = await (await fetch(`${proxy}/no-head/`)).text();
    expect(noHead).toBe(`<html>${TAG}<body><p>x</p></body></html>`);
    const fragment = await (await fetch(`${proxy}/fragment/`)).text();
    expect(fragment).toBe('<div class="partial">no head or body</div>');
  });

  it('injects once even into a page that already has the tag', async () => {
    const once = await injectScriptTag(PAGE, TAG);
    expect(await injectScriptTag(once, TAG)).toBe(once);
    expect(await injectScriptTag('<HTML><HEAD></HEAD></HTML>', TAG)).toBe(`<HTML><HEAD>${TAG}</HEAD></HTML>`);
  });
});

describe('pass-through', () => {
  it('passes other content byte for byte, binary and still-compressed included', async () => {
    const bin = await fetch(`${proxy}/static/app.bin`);
    expect(Buffer.from(await bin.arrayBuffer()).equals(BINARY)).toBe(true);
    const js = await fetch(`${proxy}/static/main.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(await js.text()).toBe('console.log("ls")'); // fetch decodes; the bytes arrived gzipped
    expect(seen.at(-1)?.headers['accept-encoding']).toBe('gzip');
  });

  it('passes request bodies, methods, queries and the Host header unchanged', async () => {
    const body = randomBytes(100_000);
    const response = await fetch(`${proxy}/api/import?commit=1`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
    const echo = await response.json();
    expect(echo.method).toBe('PUT');
    expect(echo.url).toBe('/api/import?commit=1');
    expect(Buffer.from(echo.body, 'base64').equals(body)).toBe(true);
    expect(seen[0].headers.host).toBe(new URL(proxy).host);

    const json = '{"task": 1,   "result": []}';
    await fetch(`${proxy}/api/annotations/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json });
    expect(seen[1].body.toString()).toBe(json); // not re-serialised
  });

  it('sends Label Studio\'s own /api/predictions/ to Label Studio, the plugin\'s relay to the shim', async () => {
    const ls = await postJson(`${proxy}/api/predictions/`, { task: 1, result: [] });
    expect(ls.headers.get('x-upstream')).toBe('label-studio');
    expect(ls.json.url).toBe('/api/predictions/');

    const relay = await postJson(`${proxy}/cyto-ml/api/predictions`, relayedPrediction(77));
    expect(relay.status).toBe(201);
    expect(seen).toHaveLength(1);
    expect((await postJson(`${shim.url}/predict`, lsPredictBody([77]))).json.results).toHaveLength(1);
  });

  it('serves the plugin and models under /cyto-ml/', async () => {
    expect(await (await fetch(`${proxy}/cyto-ml/plugin/cyto-ml.js`)).text()).toBe(FAKE_PLUGIN_JS);
    expect((await fetch(`${proxy}/cyto-ml/models/manifest.json`)).status).toBe(200);
    const bad = await postJson(`${proxy}/cyto-ml/api/predictions`, '{"task":');
    expect(bad.status).toBe(400);
    expect(seen).toHaveLength(0);
  });

  it('passes cookies both ways and redirects, keeping them on the proxy', async () => {
    const login = await fetch(`${proxy}/user/login/`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/projects/?next=1');
    expect(login.headers.getSetCookie()).toEqual(['sessionid=abc; HttpOnly; Path=/; SameSite=Lax', 'csrftoken=tok123; Path=/']);

    const echo = await (await fetch(`${proxy}/api/projects/`, { headers: { cookie: 'sessionid=abc; csrftoken=tok123' } })).json();
    expect(echo.cookie).toBe('sessionid=abc; csrftoken=tok123');

    const absolute = await fetch(`${proxy}/absolute-redirect/`, { redirect: 'manual' });
    expect(absolute.status).toBe(301);
    expect(absolute.headers.get('location')).toBe('/projects/?x=1#frag');
    const elsewhere = await fetch(`${proxy}/elsewhere/`, { redirect: 'manual' });
    expect(elsewhere.headers.get('location')).toBe('https://sso.example.org/auth?x=1');
  });

  it('passes Label Studio\'s error statuses', async () => {
    const response = await fetch(`${proxy}/api/missing/`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-upstream')).toBe('label-studio');
  });

  it('makes Location headers relative only for Label Studio\'s own origin', () => {
    expect(relativeLocation('http://ls:8080/a?b=1', 'http://ls:8080')).toBe('/a?b=1');
    expect(relativeLocation('/already/relative', 'http://ls:8080')).toBe('/already/relative');
    expect(relativeLocation('http://other:8080/a', 'http://ls:8080')).toBe('http://other:8080/a');
  });
});

describe('isolation and upstream failures', () => {
  let isolated: RunningShim | undefined;
  let isolatedDirs: TempDirs | undefined;
  afterEach(async () => {
    await isolated?.close();
    await isolatedDirs?.cleanup();
    isolated = undefined;
  });

  it('adds COOP/COEP only with isolate', async () => {
    const plain = await fetch(`${proxy}/projects/`);
    expect(plain.headers.get('cross-origin-opener-policy')).toBeNull();

    isolatedDirs = await makeTempDirs();
    isolated = await startTestShim(isolatedDirs, { labelStudioUrl: upstreamUrl, isolate: true });
    for (const path of ['/projects/', '/static/app.bin', '/cyto-ml/plugin/cyto-ml.js']) {
      const response = await fetch(`${isolated.proxyUrl}${path}`);
      expect(response.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(response.headers.get('cross-origin-embedder-policy'), path).toBe('credentialless');
    }
  });

  it('answers 502 with a JSON error when Label Studio is down', async () => {
    isolatedDirs = await makeTempDirs();
    isolated = await startTestShim(isolatedDirs, { labelStudioUrl: 'http://127.0.0.1:9' });
    const response = await fetch(`${isolated.proxyUrl}/projects/`);
    expect(response.status).toBe(502);
    expect((await response.json()).error).toMatch(/Label Studio at http:\/\/127\.0\.0\.1:9 did not answer/);
  });
});
