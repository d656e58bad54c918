// The attack catalogue of issue 19, each finding as a test over real HTTP against the real shim
// (and proxy, in front of a fake Label Studio on node:http): the attack, the expected answer,
// then a live /health. Stalls of the event loop are measured while the attacks run
// (testing/stall.ts); SHOW_STALLS=1 prints the figures.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEmbeddingPart } from '../store/embedding-file.ts';
import { partName } from './embedding-files.ts';
import { PREDICT_MAX_TASKS } from './json-body.ts';
import { PREDICT_ANSWER_BUDGET } from './ml-backend-routes.ts';
import { LOCK_FILE, processStart } from './data-dir-lock.ts';
import { STORE_DIR } from './prediction-store.ts';
import type { RunningShim } from './server.ts';
import { lsPredictBody, makeTempDirs, postJson, relayedPrediction, startTestShim } from './test-fixtures.ts';
import type { TempDirs } from './test-fixtures.ts';
import { measureStall, STALL_LIMIT_MS } from './testing/stall.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BASIC = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };

let upstreamPaths: string[] = [];
let upstream503Hits = 0;
function fakeLabelStudio(): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    upstreamPaths.push(`${req.method} ${path}`);
    switch (path) {
      case '/trailer/':
      case '/trailer-page/': {
        // A chunked answer that announces a trailer, as a proxy or server in front of Label Studio
        // may (written raw: Node's own server would refuse the Trailer header on HEAD).
        const [type, first, last] = path === '/trailer/' ? ['application/json', '{"ok":', 'true}'] : ['text/html', '<html><head><title>t</title></head>', '<body></body></html>'];
        const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
        req.socket.end(`HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n` +
          `Connection: X-Private, close\r\nX-Private: 1\r\nKeep-Alive: timeout=5\r\n\r\n` +
          (req.method === 'HEAD' ? '' : `${chunk(first)}${chunk(last)}0\r\nX-Checksum: abc\r\n\r\n`));
        return;
      }
      case '/busy/':
        upstream503Hits += 1;
        res.writeHead(503, { 'retry-after': '3600', 'content-type': 'application/json' });
        return res.end('{"detail":"maintenance"}');
      case '/api/projects/7/':
        res.writeHead(/sessionid=member/.test(req.headers.cookie ?? '') ? 200 : 404, { 'content-type': 'application/json' });
        return res.end('{}');
      default:
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'access-control-allow-methods': '*', 'access-control-allow-headers': '*' });
          res.end('{}');
        });
    }
  });
}

/** Sends raw bytes and returns what comes back until the server closes or `waitMs` passes. */
function rawExchange(url: string, text: string, waitMs = 2000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let got = '';
    socket.on('data', (c) => { got += c.toString('latin1'); });
    const timer = setTimeout(() => { socket.destroy(); done(got); }, waitMs);
    socket.on('close', () => { clearTimeout(timer); done(got); });
    socket.on('error', (error) => { clearTimeout(timer); if (got) done(got); else fail(error); });
  });
}

/**
 * PUTs a file `count` times at once from a child process (so the client's own work does not show
 * as a stall of this process, where the shim runs); returns the statuses.
 */
function putFromChild(url: string, file: string, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const script = `
    const { request } = require('node:http');
    const { createReadStream, statSync } = require('node:fs');
    const [url, file, count, headers] = [process.argv[1], process.argv[2], Number(process.argv[3]), JSON.parse(process.argv[4])];
    const one = () => new Promise((done) => {
      const req = request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size, ...headers } }, (res) => { res.resume(); res.on('end', () => done(res.statusCode)); });
      req.on('error', () => done(0));
      createReadStream(file).pipe(req);
    });
    Promise.all(Array.from({ length: count }, one)).then((s) => process.stdout.write(JSON.stringify(s)));`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', script, url, file, String(count), JSON.stringify(headers)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.on('exit', () => { try { done(JSON.parse(out) as number[]); } catch (error) { fail(error); } });
  });
}

async function healthy(url: string, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(`${url}/health`, { headers });
  expect(response.status).toBe(200);
  expect((await response.json()).status).toBe('UP');
}

/** A prediction of about `bytes` bytes of JSON results (200 results of 5 long choices: the schema's limits). */
function bigPrediction(task: number, bytes: number) {
  const perChoice = Math.min(1000, Math.floor(bytes / 1000));
  return {
    ...relayedPrediction(task, '7', 'big'),
    result: Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, from_name: `c${i}`, to_name: 'image', type: 'choices', value: { choices: Array.from({ length: 5 }, (_, j) => `${j}${'x'.repeat(perChoice - 1)}`) } })),
  };
}

let upstream: Server;
let upstreamUrl: string;
let dirs: TempDirs;
let open: RunningShim; // auth off (the default), proxy on
let guarded: RunningShim; // auth on, proxy on
let guardedDirs: TempDirs;

beforeAll(async () => {
  upstream = fakeLabelStudio();
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const address = upstream.address();
  upstreamUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  dirs = await makeTempDirs();
  open = await startTestShim(dirs, { labelStudioUrl: upstreamUrl });
  guardedDirs = await makeTempDirs();
  guarded = await startTestShim(guardedDirs, { labelStudioUrl: upstreamUrl, basicAuth: { user: 'u', pass: 'p' } });
});
afterAll(async () => {
  await open.close();
  await guarded.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await dirs.cleanup();
  await guardedDirs.cleanup();
});

describe('critical: an upstream Trailer on HEAD or HTTP/1.0 never stops the proxy', () => {
  it('answers HEAD and HTTP/1.0 for chunked answers with a Trailer (JSON and HTML), without hop-by-hop headers, and keeps serving', async () => {
    const host = new URL(open.proxyUrl!).host;
    const requests = [
      `HEAD /trailer/ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      `GET /trailer/ HTTP/1.0\r\nHost: ${host}\r\n\r\n`,
      `HEAD /trailer-page/ HTTP/1.1\r\nHost: ${host}\r\nAccept: text/html\r\nConnection: close\r\n\r\n`,
      `GET /trailer-page/ HTTP/1.0\r\nHost: ${host}\r\nAccept: text/html\r\n\r\n`,
      `HEAD /trailer/ HTTP/1.0\r\nHost: ${host}\r\n\r\n`,
    ];
    let answers: string[] = [];
    const stall = await measureStall('trailer', async () => {
      answers = [];
      for (const text of requests) answers.push(await rawExchange(open.proxyUrl!, text));
    });
    for (const [i, answer] of answers.entries()) {
      expect(answer, requests[i]).toMatch(/^HTTP\/1\.[01] 200/);
      const head = answer.split('\r\n\r\n')[0].toLowerCase();
      expect(head, requests[i]).not.toMatch(/\r\n(trailer|keep-alive|x-private):/);
    }
    expect(answers[1]).toMatch(/\{"ok":true\}$/);
    expect(answers[3]).toMatch(/data-cyto-ml-plugin/);
    // A chunked GET over HTTP/1.1 still passes the body whole.
    expect(await (await fetch(`${open.proxyUrl}/trailer/`)).json()).toEqual({ ok: true });
    expect(stall.beyond).toBeLessThan(STALL_LIMIT_MS);
    await healthy(open.url);
    expect((await fetch(`${open.proxyUrl}/api/x/`)).status).toBe(200);
  }, 60_000);
});

describe('high: /predict amplification', () => {
  it('refuses a task listed twice, and answers one entry (Label Studio then asks task by task) past the answer budget', async () => {
    const local = await makeTempDirs();
    const shim = await startTestShim(local);
    try {
      // One ~1 MB prediction on each of 8 tasks (8 MB together: over the 4 MiB budget).
      for (let task = 1; task <= 8; task += 1) {
        const posted = await postJson(`${shim.url}/api/predictions`, bigPrediction(task, 1_000_000));
        expect(posted.status).toBe(201);
      }
      const repeated = await postJson(`${shim.url}/predict`, lsPredictBody(Array(300).fill(1)));
      expect(repeated.status).toBe(400);
      expect(repeated.json.error).toMatch(/task 1 is listed twice/);

      const body = JSON.stringify(lsPredictBody([1, 2, 3, 4, 5, 6, 7, 8]));
      let sizes: number[] = [];
      const stall = await measureStall('predict-amplification (4 at once)', async () => {
        const answers = await Promise.all(Array.from({ length: 4 }, () => fetch(`${shim.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.text())));
        sizes = answers.map((a) => a.length);
        for (const a of answers) expect(JSON.parse(a).results).toHaveLength(1);
      });
      for (const size of sizes) expect(size).toBeLessThan(1.1 * 1024 * 1024);
      expect(stall.beyond).toBeLessThan(STALL_LIMIT_MS);
      // Each task alone (Label Studio's one-by-one path) gets its own prediction.
      const one = await postJson(`${shim.url}/predict`, lsPredictBody([5]));
      expect(one.json.results).toHaveLength(1);
      // Within the budget, every task gets its entry, in order.
      const four = await postJson(`${shim.url}/predict`, lsPredictBody([1, 2, 3]));
      expect(four.json.results).toHaveLength(3);
      expect(3 * 1_000_000).toBeLessThan(PREDICT_ANSWER_BUDGET);
      await healthy(shim.url);
    } finally {
      await shim.close();
      await local.cleanup();
    }
  }, 120_000);
});

describe('high: embedding-part PUT with auth on', () => {
  const items = (count: number, dim: number) => Array.from({ length: count }, (_, i) => ({ imageKey: i.toString(16).padStart(64, '0'), vector: new Float32Array(dim).fill(i / count), width: 8, height: 8 }));
  // 5,000 vectors of 3,100 floats: a 62 MB part (the issue's size).
  const big = encodeEmbeddingPart('model-a', 3100, items(5000, 3100));
  const name = partName(big);

  function put(base: string, path: string, body: Uint8Array, headers: Record<string, string> = {}) { // small parts, in process
    return fetch(`${base}${path}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', ...headers }, body: body as Uint8Array<ArrayBuffer> });
  }

  it('answers 401 to an unauthorised 62 MB part before reading it, and stores an authorised one without stalling the loop', async () => {
    expect(big.length).toBeGreaterThan(60_000_000);
    const file = join(guardedDirs.root, 'big.cyemb');
    writeFileSync(file, big);
    const url = `${guarded.url}/embeddings/7/model-a/${name}`;
    let statuses: number[] = [];
    const refused = await measureStall('put-unauthorised 62 MB (4 at once)', async () => { statuses = await putFromChild(url, file, 4); }, 2);
    // 401, or the connection closed while the client was still sending (0): never read, never stored.
    for (const status of statuses) expect([401, 0]).toContain(status);
    expect(statuses).toContain(401);
    expect(refused.beyond).toBeLessThan(STALL_LIMIT_MS);
    expect((await fetch(`${guarded.url}/embeddings/7/model-a`, { headers: BASIC }).then((r) => r.json())).parts).toEqual([]);
    await healthy(guarded.url, BASIC);

    const accepted = await measureStall('put-authorised 62 MB', async () => { statuses = await putFromChild(url, file, 1, BASIC); }, 2);
    expect(statuses).toEqual([201]);
    expect(accepted.beyond).toBeLessThan(STALL_LIMIT_MS);
    const served = await fetch(`${guarded.url}/embeddings/7/model-a/${name}`, { headers: BASIC });
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(big))).toBe(true);
    await healthy(guarded.url, BASIC);
  }, 180_000);

  it('stores 20 concurrent PUTs of one part: every one 201, one file, no temporary files left', async () => {
    const small = encodeEmbeddingPart('model-b', 4, items(50, 4));
    const answers = await Promise.all(Array.from({ length: 20 }, () => put(guarded.url, `/embeddings/7/model-b/${partName(small)}`, small, BASIC).then(async (r) => ({ status: r.status, text: await r.text() }))));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(guardedDirs.dataDir, 'embeddings', '7', 'model-b'))).toEqual([partName(small)]);
    await healthy(guarded.url, BASIC);
  });

  it('refuses reads without credentials (medium): the listing and the parts, on the shim and through the proxy', async () => {
    for (const base of [guarded.url, `${guarded.proxyUrl}/cyto-ml`]) {
      expect((await fetch(`${base}/embeddings/7/model-a`)).status, base).toBe(401);
      expect((await fetch(`${base}/embeddings/7/model-a/${name}`)).status, base).toBe(401);
      expect((await fetch(`${base}/embeddings/7/model-a`, { headers: { cookie: 'sessionid=stranger' } })).status, base).toBe(403);
    }
    expect((await fetch(`${guarded.proxyUrl}/cyto-ml/embeddings/7/model-a`, { headers: { cookie: 'sessionid=member' } })).status).toBe(200);
    await healthy(guarded.url, BASIC);
  });
});

describe('medium: large /predict bodies', () => {
  it('refuses 8 MiB of nested arrays and over 20,000 tasks at once, without stalling the loop', async () => {
    const nest = `${'['.repeat(10)}${']'.repeat(10)}`; // 20 characters, depth 10 (under the limit of 32)
    const nestedTasks = `{"tasks":[${Array(Math.floor(8_000_000 / 21)).fill(nest).join(',')}],"project":"7"}`;
    const nestedRoot = `[${Array(Math.floor(8_000_000 / 21)).fill(nest).join(',')}]`;
    const manyTasks = `{"tasks":[${Array(330_000).fill('{"id":1}').join(',')}],"project":"7"}`;
    expect(nestedTasks.length).toBeGreaterThan(7_000_000);
    for (const [label, body, status, message] of [
      ['nested tasks', nestedTasks, 413, /too many tasks in one \/predict call: 380952/],
      ['nested tasks, fewer', `{"tasks":[${Array(15_000).fill(`[${Array(25).fill(nest).join(",")}]`).join(',')}],"project":"7"}`, 400, /tasks\/0 must be object/],
      ['nested root', nestedRoot, 400, /must be object/],
      ['330k tasks', manyTasks, 413, new RegExp(`too many tasks in one /predict call: 330000; send at most ${PREDICT_MAX_TASKS}`)],
    ] as const) {
      let answer: Awaited<ReturnType<typeof postJson>> | undefined;
      const stall = await measureStall(`predict ${label}`, async () => { answer = await postJson(`${open.url}/predict`, body); }, 2);
      expect(answer!.status, label).toBe(status);
      expect(answer!.json.error, label).toMatch(message);
      expect(JSON.stringify(answer!.json).length).toBeLessThan(1000);
      expect(stall.beyond, label).toBeLessThan(STALL_LIMIT_MS);
    }
    await healthy(open.url);
  }, 120_000);
});

describe('medium: slow clients (slowloris)', () => {
  it('closes slow-header and slow-body connections after their timeouts and keeps /health answering at the connection cap', async () => {
    const local = await makeTempDirs();
    const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 500, checkIntervalMs: 200, maxConnections: 100 };
    const shim = await startTestShim(local, { serverLimits: limits });
    const sockets: Socket[] = [];
    const closed = new Set<Socket>();
    const { port } = new URL(shim.url);
    try {
      await Promise.all(Array.from({ length: 300 }, (_, i) => new Promise<void>((ready) => {
        const s = connect(Number(port), '127.0.0.1', () => {
          // Half send headers that never end, half a body that never ends.
          s.write(i % 2 === 0 ? 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n' : 'POST /setup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
          ready();
        });
        s.on('error', () => undefined);
        s.on('close', () => closed.add(s));
        sockets.push(s);
      })));
      const drip = setInterval(() => { for (const s of sockets) if (!closed.has(s)) s.write(' '); }, 100);
      try {
        // At the cap the oldest waiting connections make room: /health answers during the attack.
        const t0 = performance.now();
        await healthy(shim.url);
        expect(performance.now() - t0).toBeLessThan(1000);
        expect(closed.size).toBeGreaterThanOrEqual(200 - 1); // 300 opened, at most 100 kept
        await new Promise((r) => setTimeout(r, limits.requestTimeoutMs + 1000));
        expect(closed.size).toBe(300); // every slow one closed by the server, dripping or not
      } finally {
        clearInterval(drip);
      }
      await healthy(shim.url);
    } finally {
      for (const s of sockets) s.destroy();
      await shim.close();
      await local.cleanup();
    }
  }, 60_000);
});

describe('medium: cross-origin writes through the proxy', () => {
  it('answers preflights of its own routes itself, granting nothing, and refuses posts from another origin', async () => {
    upstreamPaths = [];
    const preflight = await fetch(`${open.proxyUrl}/cyto-ml/api/predictions`, {
      method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(upstreamPaths).toEqual([]); // not forwarded to Label Studio
    const before = (await (await fetch(`${open.url}/metrics`)).json()).store.predictions;
    const crossSite = await postJson(`${open.proxyUrl}/cyto-ml/api/predictions`, relayedPrediction(401), { origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json.error).toMatch(/cross-origin writes are refused/);
    const fetchMeta = await postJson(`${open.proxyUrl}/cyto-ml/api/predictions`, relayedPrediction(402), { 'sec-fetch-site': 'cross-site' });
    expect(fetchMeta.status).toBe(403);
    expect((await (await fetch(`${open.url}/metrics`)).json()).store.predictions).toBe(before);
    // The proxy's own pages post with their own origin: stored.
    expect((await postJson(`${open.proxyUrl}/cyto-ml/api/predictions`, relayedPrediction(403), { origin: open.proxyUrl! })).status).toBe(201);
    // Label Studio's own routes still get their preflights.
    expect((await fetch(`${open.proxyUrl}/api/tasks/`, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } })).status).toBe(200);
    await healthy(open.url);
  });
});

describe('medium: one bound for the whole store', () => {
  it('refuses with 507 and a sentence once all projects together reach the bound', async () => {
    const local = await makeTempDirs();
    const shim = await startTestShim(local, { storeLimits: { totalBytes: 200_000 } });
    try {
      let refused: Awaited<ReturnType<typeof postJson>> | undefined;
      let project = 1;
      for (; project < 100 && !refused; project += 1) {
        const answer = await postJson(`${shim.url}/api/predictions`, Array.from({ length: 20 }, (_, i) => ({ ...relayedPrediction(i + 1, String(project), 'v', 'x'.repeat(500)) })));
        if (answer.status !== 201) refused = answer;
      }
      expect(refused?.status).toBe(507);
      expect(refused?.json.error).toMatch(/more than its limit of 0\.2 MB for all projects together/);
      expect(project).toBeGreaterThan(2); // several projects were accepted first
      const metrics = (await (await fetch(`${shim.url}/metrics`)).json()).store;
      expect(metrics.bytes).toBeLessThanOrEqual(200_000);
      await healthy(shim.url);
    } finally {
      await shim.close();
      await local.cleanup();
    }
  });
});

describe('medium: a damaged store at start-up', () => {
  it('stops with one sentence naming the file and what to do, for a truncated file, zeroed meta pages, a 1-byte file and random bytes', async () => {
    const local = await makeTempDirs();
    const shim = await startTestShim(local);
    for (let i = 0; i < 5; i += 1) {
      expect((await postJson(`${shim.url}/api/predictions`, Array.from({ length: 500 }, (_, j) => relayedPrediction(i * 500 + j + 1)))).status).toBe(201);
    }
    await shim.close();
    const good = join(local.dataDir, STORE_DIR);
    const size = readFileSync(good).length;
    const damage: Record<string, (file: string) => void> = {
      truncated: (f) => truncateSync(f, Math.floor(size / 2)),
      'zeroed meta pages': (f) => { const b = readFileSync(f); b.fill(0, 0, 8192); writeFileSync(f, b); },
      '1-byte file': (f) => writeFileSync(f, Buffer.from([0x42])),
      'random garbage': (f) => { let x = 12345; writeFileSync(f, Buffer.from(Array.from({ length: size }, () => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x & 0xff; }))); },
    };
    try {
      for (const [what, harm] of Object.entries(damage)) {
        const dataDir = join(local.root, `data-${what.replace(/\W/g, '-')}`);
        mkdirSync(dataDir);
        copyFileSync(good, join(dataDir, STORE_DIR));
        harm(join(dataDir, STORE_DIR));
        const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/shim/cli.ts'), '--port', '0', '--data-dir', dataDir, '--plugin-dir', local.pluginDir, '--models-dir', local.modelsDir],
          { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
        expect(run.signal, what).toBeNull();
        expect(run.status, `${what}: ${run.stderr}`).toBe(1);
        const lines = run.stderr.trim().split('\n');
        expect(lines, what).toHaveLength(1);
        expect(lines[0], what).toMatch(new RegExp(`the prediction store .*${STORE_DIR} is damaged .*move it aside`));
      }
      // The sound store still opens and serves.
      const again = await startTestShim(local);
      expect((await postJson(`${again.url}/predict`, lsPredictBody([2500]))).json.results).toHaveLength(1);
      await healthy(again.url);
      await again.close();
    } finally {
      await local.cleanup();
    }
  }, 120_000);
});

describe('low items', () => {
  it('serves no dotfile from /plugin, on the shim and the proxy', async () => {
    writeFileSync(join(dirs.pluginDir, '.env.js'), 'secret');
    writeFileSync(join(dirs.pluginDir, '.secret.css'), 'secret');
    for (const path of ['/plugin/.env.js', '/plugin/.secret.css']) {
      expect((await fetch(`${open.url}${path}`)).status, path).toBe(404);
      expect((await fetch(`${open.proxyUrl}/cyto-ml${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${open.url}/plugin/cyto-ml.js`)).status).toBe(200);
    await healthy(open.url);
  });

  it('follows no symlink in embeddings/', async () => {
    const outside = join(dirs.root, 'outside');
    mkdirSync(outside);
    const part = encodeEmbeddingPart('model-a', 2, [{ imageKey: 'a'.repeat(64), vector: Float32Array.of(1, 2), width: 1, height: 1 }]);
    writeFileSync(join(outside, partName(part)), part);
    const root = join(dirs.dataDir, 'embeddings');
    mkdirSync(join(root, '8', 'model-a'), { recursive: true });
    symlinkSync(outside, join(root, '9')); // a project folder that is a link
    symlinkSync(outside, join(root, '8', 'model-b')); // a model folder that is a link
    symlinkSync(join(outside, partName(part)), join(root, '8', 'model-a', partName(part))); // a part that is a link
    for (const path of ['/embeddings/9/model-a', '/embeddings/8/model-b', '/embeddings/8/model-a']) {
      expect(await (await fetch(`${open.url}${path}`)).json(), path).toEqual({ parts: [] });
      expect((await fetch(`${open.url}${path}/${partName(part)}`)).status, path).toBe(404);
    }
    await healthy(open.url);
  });

  it('takes over a stale lock that names a reused, live PID', async () => {
    const local = await makeTempDirs();
    mkdirSync(local.dataDir);
    const sleeper: ChildProcess = spawn('sleep', ['30']);
    try {
      const { hostname } = await import('node:os');
      // The PID runs, but it is not the process that wrote the lock (another start time).
      writeFileSync(join(local.dataDir, LOCK_FILE), JSON.stringify({ pid: sleeper.pid, start: '1', host: hostname(), since: '2026-01-01T00:00:00Z' }));
      expect(processStart(sleeper.pid!)).not.toBe('1');
      const shim = await startTestShim(local);
      await healthy(shim.url);
      await shim.close();
    } finally {
      sleeper.kill();
      await local.cleanup();
    }
  });

  it('answers 400 to an LMDB key over its limit and to an absolute-form request target', async () => {
    const longProject = '€'.repeat(900); // 900 characters (under the schema's 1,000), 2,700 bytes
    const relay = await postJson(`${open.url}/api/predictions`, relayedPrediction(1, longProject));
    expect(relay.status).toBe(400);
    expect(relay.json.error).toMatch(/project key is longer than 256 bytes/);
    for (const path of ['/predict', '/setup']) {
      const answer = await postJson(`${open.url}${path}`, { ...lsPredictBody([1]), project: longProject });
      expect(answer.status, path).toBe(400);
    }
    for (const base of [open.url, open.proxyUrl!]) {
      const answer = await rawExchange(base, `GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
      expect(answer, base).toMatch(/^HTTP\/1\.1 400/);
      expect(answer, base).toMatch(/must be a path starting with/);
    }
    expect(upstreamPaths.some((p) => p.includes('evil'))).toBe(false);
    await healthy(open.url);
  });

  it('passes an upstream 503 with Retry-After: 3600 on at once, without retrying it', async () => {
    upstream503Hits = 0;
    const t0 = performance.now();
    const response = await fetch(`${open.proxyUrl}/busy/`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('3600');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(upstream503Hits).toBe(1);
    await healthy(open.url);
  });

  it('answers /health in constant time with 60,000 projects', async () => {
    const local = await makeTempDirs();
    const shim = await startTestShim(local);
    try {
      const timeHealth = async () => {
        const times: number[] = [];
        for (let i = 0; i < 21; i += 1) {
          const t0 = performance.now();
          await healthy(shim.url);
          times.push(performance.now() - t0);
        }
        return times.sort((a, b) => a - b)[10];
      };
      expect((await postJson(`${shim.url}/api/predictions`, relayedPrediction(1, 'p0'))).status).toBe(201);
      const few = await timeHealth();
      for (let batch = 0; batch < 30; batch += 1) {
        const posts = Array.from({ length: 2000 }, (_, i) => relayedPrediction(1, `p${batch * 2000 + i + 1}`));
        expect((await postJson(`${shim.url}/api/predictions`, posts)).status).toBe(201);
      }
      const many = await timeHealth();
      const stats = (await (await fetch(`${shim.url}/metrics`)).json()).store;
      expect(stats.projects).toBe(60_001);
      if (process.env.SHOW_STALLS) console.log(`/health median: ${few.toFixed(1)} ms with 1 project, ${many.toFixed(1)} ms with 60,001`);
      // Before, every call scanned one record per project; now it reads counters kept in memory.
      expect(many).toBeLessThan(few + 10);
    } finally {
      await shim.close();
      await local.cleanup();
    }
  }, 120_000);
});
