// The attacks of issue 12, each as a test over real HTTP and real files: a fake Label Studio
// (node:http) behind the real proxy, the real LMDB store, a small tmpfs for disk-full (root
// only; skipped with a message otherwise). Numbers refer to the list.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from './json-body.ts';
import type { RunningShim } from './server.ts';
import { lsPredictBody, makeTempDirs, postJson, relayedPrediction, startTestShim } from './test-fixtures.ts';
import type { TempDirs } from './test-fixtures.ts';
import { measureStall } from './testing/stall.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NONCE = 'r4nd0mN0nce+/=';
let lastHeaders: IncomingHttpHeaders = {};
let releaseSlowPage: () => void = () => undefined;

function fakeLabelStudio(): Server {
  return createServer((req, res) => {
    lastHeaders = req.headers;
    const path = (req.url ?? '').split('?')[0];
    switch (path) {
      case '/closes-mid-body/':
        res.writeHead(200, { 'content-type': 'text/html', 'content-length': 10_000 });
        res.write('<html><head>');
        setTimeout(() => res.destroy(), 20);
        return;
      case '/binary-closes-mid-body/':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 100_000 });
        res.write(Buffer.alloc(1000, 1));
        setTimeout(() => res.destroy(), 20);
        return;
      case '/corrupt-gzip/':
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
        return res.end(Buffer.from('this is not gzip at all, only pretending'));
      case '/gzip-bomb/':
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
        return res.end(gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x20), { level: 9 }));
      case '/double-slash-redirect/':
        res.writeHead(302, { location: `http://${upstreamHost}//evil.example/path` });
        return res.end();
      case '/csp/':
        res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': `script-src 'nonce-${NONCE}' 'strict-dynamic'; object-src 'none'` });
        return res.end('<html><head><title>t</title></head><body></body></html>');
      case '/slow-page/':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write(`<html><head><title>big</title></head><body>${'x'.repeat(64 * 1024)}`);
        releaseSlowPage = () => res.end('</body></html>');
        return;
      case '/tricky/':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html><head><script>var s = "</head>";</script><!-- </head> --><title>t</title></head><body></body></html>');
      case '/latin1/':
        res.writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1' });
        return res.end(Buffer.concat([Buffer.from('<html><head><title>'), Buffer.from([0xe9, 0xe8, 0xfc]), Buffer.from('</title></head><body>\xe0</body></html>', 'latin1')]));
      case '/api/projects/8/':
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{}');
      case '/api/projects/7/':
        res.writeHead(/sessionid=member/.test(req.headers.cookie ?? '') ? 200 : 404, { 'content-type': 'application/json' });
        return res.end('{}');
      default: {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ bytes: Buffer.concat(chunks).length }));
        });
      }
    }
  });
}

let upstream: Server;
let upstreamHost: string;
let dirs: TempDirs;
let shim: RunningShim;
let proxy: string;

beforeAll(async () => {
  upstream = fakeLabelStudio();
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const address = upstream.address();
  upstreamHost = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  dirs = await makeTempDirs();
  shim = await startTestShim(dirs, { labelStudioUrl: `http://${upstreamHost}`, basicAuth: { user: 'u', pass: 'p' } });
  proxy = shim.proxyUrl!;
});
afterAll(async () => {
  releaseSlowPage();
  await shim.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await dirs.cleanup();
});

// The issue asks for no stall over ~50 ms. On a shared 2-core machine the test process itself is
// often descheduled for tens of milliseconds, so a stall is judged against the gaps the same
// timer shows while the loop is idle for as long, measured right after (the baseline).
const STALL_BUDGET_MS = 50;
const BASIC = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };
const html = { accept: 'text/html' };

async function proxyAlive(): Promise<void> {
  const response = await fetch(`${proxy}/api/echo/`);
  expect(response.status).toBe(200);
}

/**
 * How long the event loop stalled while `work` ran, beyond an idle wait as long (the smallest
 * over three runs; testing/stall.ts). A stall of a second or more fails whatever the machine's
 * load (the issue measured 22 s).
 */
async function maxStall(work: () => Promise<unknown>): Promise<number> {
  const { beyond, worstBusy, runs } = await measureStall('attack', work);
  expect(worstBusy, JSON.stringify(runs)).toBeLessThan(1000);
  return beyond;
}

describe('1: one bad upstream answer never kills the proxy', () => {
  it('answers 502 (JSON) for an upstream that closes mid-body, corrupt gzip and a gzip bomb, and keeps serving', async () => {
    const response = await fetch(`${proxy}/corrupt-gzip/`, { headers: html });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect((await response.json()).error).toMatch(/could not read the page/);
    await proxyAlive();
    // A bomb, or an upstream closing after its first bytes: the answer has started
    // (streamed), so it is cut short; only that response.
    for (const path of ['/gzip-bomb/', '/closes-mid-body/', '/binary-closes-mid-body/']) {
      const outcome = await fetch(proxy + path, { headers: html }).then((r) => r.text()).then(() => 'complete', () => 'cut');
      expect(outcome, path).toBe('cut');
      await proxyAlive();
    }
    expect((await fetch(`${shim.url}/health`, { headers: BASIC })).status).toBe(200);
  }, 30_000);
});

describe('2: bounded work and answers for any accepted body', () => {
  it('refuses a 1 MiB relay post of {} items fast, with a short error, without stalling the loop', async () => {
    const body = `[${Array(340_000).fill('{}').join(',')}]`;
    let answer: Awaited<ReturnType<typeof postJson>> | undefined;
    const stall = await maxStall(async () => { answer = await postJson(`${shim.url}/api/predictions`, body, BASIC); });
    expect(answer!.status).toBe(400);
    expect(JSON.stringify(answer!.json).length).toBeLessThan(2000);
    expect(answer!.json.error).toMatch(/too many predictions/);
    expect(stall).toBeLessThan(STALL_BUDGET_MS);
  });

  it('answers an 8 MB Label Studio /predict body without stalling the loop', async () => {
    const body = JSON.stringify(lsPredictBody(Array.from({ length: 17_000 }, (_, i) => i + 1)));
    expect(body.length).toBeGreaterThan(7_000_000);
    let answer: Awaited<ReturnType<typeof postJson>> | undefined;
    const stall = await maxStall(async () => { answer = await postJson(`${shim.url}/predict`, body, BASIC); });
    expect(answer!.status).toBe(200);
    expect(stall).toBeLessThan(STALL_BUDGET_MS);
  });

  it('lists the first few problems of an invalid post and counts the rest', async () => {
    const { status, json } = await postJson(`${shim.url}/api/predictions`, Array(1500).fill({}), BASIC);
    expect(status).toBe(400);
    expect(json.errors).toHaveLength(5);
    expect(json.problems).toBeGreaterThan(1500);
    expect(json.error).toMatch(/and \d+ more problems/);
  });

  it('refuses deeply nested JSON at once on every JSON endpoint', async () => {
    const nested = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    for (const path of ['/predict', '/setup', '/api/predictions']) {
      let answer: Awaited<ReturnType<typeof postJson>> | undefined;
      const stall = await maxStall(async () => { answer = await postJson(shim.url + path, nested, BASIC); });
      expect(answer!.status, path).toBe(400);
      expect(answer!.json.error).toMatch(new RegExp(`deeper than ${MAX_JSON_DEPTH}`));
      expect(stall, path).toBeLessThan(STALL_BUDGET_MS);
    }
  });
});

describe('3: the store stays bounded', () => {
  it('keeps a few versions per task and refuses posts beyond the project limit with 507', async () => {
    const local = await makeTempDirs();
    const small = await startTestShim(local, { storeLimits: { versionsPerTask: 2, predictionsPerProject: 5 } });
    try {
      for (const v of ['v1', 'v2', 'v3', 'v4']) expect((await postJson(`${small.url}/api/predictions`, relayedPrediction(1, '7', v))).status).toBe(201);
      const metrics = await (await fetch(`${small.url}/metrics`)).json();
      expect(metrics.store.predictions).toBe(2);
      const over = await postJson(`${small.url}/api/predictions`, [2, 3, 4, 5].map((t) => relayedPrediction(t)));
      expect(over.status).toBe(507);
      expect(over.json.error).toMatch(/more than the limit of 5/);
      expect((await (await fetch(`${small.url}/metrics`)).json()).store.predictions).toBe(2); // nothing of it stored
    } finally {
      await small.close();
      await local.cleanup();
    }
  });

  it('reopens a store of 20,000 predictions without replaying it', async () => {
    const local = await makeTempDirs();
    let s = await startTestShim(local);
    try {
      for (let i = 0; i < 10; i += 1) {
        const batch = Array.from({ length: 2000 }, (_, j) => relayedPrediction(1 + i * 2000 + j));
        expect((await postJson(`${s.url}/api/predictions`, batch)).status).toBe(201);
      }
      await s.close();
      const t0 = performance.now();
      s = await startTestShim(local);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect((await postJson(`${s.url}/predict`, lsPredictBody([19_999]))).json.results).toHaveLength(1);
    } finally {
      await s.close();
      await local.cleanup();
    }
  }, 60_000);
});

describe('4: relay writes are authorised when auth is on', () => {
  it('refuses anonymous writes on the shim and the proxy; accepts basic auth and a Label Studio member session', async () => {
    expect((await postJson(`${shim.url}/api/predictions`, relayedPrediction(1))).status).toBe(401);
    expect((await postJson(`${proxy}/cyto-ml/api/predictions`, relayedPrediction(1))).status).toBe(401);
    expect((await postJson(`${proxy}/cyto-ml/api/predictions`, relayedPrediction(1), { cookie: 'sessionid=stranger' })).status).toBe(403);
    expect((await postJson(`${proxy}/cyto-ml/api/predictions`, relayedPrediction(1), { cookie: 'csrftoken=x; sessionid=member' })).status).toBe(201);
    expect((await postJson(`${shim.url}/api/predictions`, relayedPrediction(2), BASIC)).status).toBe(201);
    expect((await postJson(`${proxy}/cyto-ml/api/predictions`, relayedPrediction(3, '8'), { cookie: 'sessionid=member' })).status).toBe(403);
  });
});

describe('5: disk full never loses an acknowledged write', () => {
  const mountPoint = `/tmp/cyto-shim-tmpfs-${process.pid}`;
  let mounted = false;
  beforeAll(() => {
    mkdirSync(mountPoint, { recursive: true });
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]).status === 0;
    if (!mounted) console.warn('disk-full test skipped: mounting a small tmpfs needs root (mount -t tmpfs)');
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('answers 507 with a short message when the disk is full, and keeps every 201 across a restart', async (ctx) => {
    if (!mounted) ctx.skip();
    const local = await makeTempDirs();
    const dataDir = join(mountPoint, 'data');
    writeFileSync(join(mountPoint, 'filler'), Buffer.alloc(512 * 1024)); // freed once the disk is full
    let s = await startTestShim({ ...local, dataDir });
    const acknowledged: number[] = [];
    try {
      let refused: Awaited<ReturnType<typeof postJson>> | undefined;
      for (let task = 1; task < 100_000 && !refused; task += 100) {
        const answer = await postJson(`${s.url}/api/predictions`, Array.from({ length: 100 }, (_, i) => relayedPrediction(task + i, '7', `v-${'x'.repeat(200)}`)));
        if (answer.status === 201) for (let i = 0; i < 100; i += 1) acknowledged.push(task + i);
        else refused = answer;
      }
      expect(refused?.status).toBe(507);
      expect(refused?.json.error).toMatch(/disk full/);
      expect(refused?.json.error).not.toMatch(/ENOSPC/);
      expect(acknowledged.length).toBeGreaterThan(0);
      rmSync(join(mountPoint, 'filler'));
      const after = await postJson(`${s.url}/api/predictions`, relayedPrediction(999_999));
      expect(after.status).toBe(201);
      acknowledged.push(999_999);
      await s.close();
      s = await startTestShim({ ...local, dataDir });
      for (const task of [acknowledged[0], acknowledged.at(-1)!]) {
        expect((await postJson(`${s.url}/predict`, lsPredictBody([task]))).json.results, `task ${task}`).toHaveLength(1);
      }
      expect((await (await fetch(`${s.url}/metrics`)).json()).store.predictions).toBe(acknowledged.length);
    } finally {
      await s.close();
      await local.cleanup();
    }
  }, 60_000);
});

describe('6-8: redirects, CSP, streaming', () => {
  it('6: keeps a same-origin redirect to //evil.example on the proxy', async () => {
    const response = await fetch(`${proxy}/double-slash-redirect/`, { redirect: 'manual' });
    expect(response.headers.get('location')).toBe('/evil.example/path');
  });

  it('7: carries the page\'s CSP nonce onto the injected tag', async () => {
    const page = await (await fetch(`${proxy}/csp/`, { headers: html })).text();
    expect(page).toContain(`data-cyto-ml-plugin nonce="${NONCE}"`);
  });

  it('8: streams HTML: the first bytes arrive while Label Studio is still sending', async () => {
    const response = await fetch(`${proxy}/slow-page/`, { headers: html });
    const reader = response.body!.getReader();
    const first = await Promise.race([reader.read(), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3000))]);
    expect(first).not.toBe('timeout');
    releaseSlowPage();
    let text = new TextDecoder().decode((first as { value: Uint8Array }).value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toMatch(/data-cyto-ml-plugin[^>]*><\/script><\/head>/);
    expect(text.endsWith('</body></html>')).toBe(true);
  });
});

describe('9: the lower items', () => {
  it('injects into the real head, not into a script string or a comment', async () => {
    const page = await (await fetch(`${proxy}/tricky/`, { headers: html })).text();
    expect(page).toMatch(/^<html><head><script>var s = "<\/head>";<\/script><!-- <\/head> --><title>t<\/title><script src="\/cyto-ml/);
  });

  it('keeps a latin-1 page\'s bytes', async () => {
    const bytes = Buffer.from(await (await fetch(`${proxy}/latin1/`, { headers: html })).arrayBuffer());
    expect(bytes.includes(Buffer.from([0xe9, 0xe8, 0xfc]))).toBe(true);
    expect(bytes.includes(Buffer.from([0xe0]))).toBe(true);
  });

  it('HEAD answers the headers GET answers; X-Forwarded-* reach Label Studio', async () => {
    const get = await fetch(`${proxy}/csp/`, { headers: html });
    await get.text();
    const head = await fetch(`${proxy}/csp/`, { method: 'HEAD', headers: html });
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(head.headers.get('content-encoding')).toBe(get.headers.get('content-encoding'));
    expect(lastHeaders['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(lastHeaders['x-forwarded-proto']).toBe('http');
    expect(lastHeaders['x-forwarded-host']).toBe(new URL(proxy).host);
  });

  it('passes Expect: 100-continue uploads (curl does that above 1 MiB)', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 1);
    const answer = await new Promise<{ status: number; text: string }>((resolveAnswer, reject) => {
      const req = httpRequest(`${proxy}/api/import`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': body.length, expect: '100-continue' } }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, text }));
      });
      req.on('continue', () => req.end(body));
      req.on('error', reject);
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).bytes).toBe(body.length);
  });

  it('serves only what the manifest and the build name; no symlink out of the folders', async () => {
    writeFileSync(join(dirs.modelsDir, 'notes.txt'), 'private');
    symlinkSync(join(dirs.root, 'secret.txt'), join(dirs.modelsDir, 'escape.onnx'));
    symlinkSync(join(dirs.root, 'secret.txt'), join(dirs.pluginDir, 'escape.js'));
    writeFileSync(join(dirs.modelsDir, 'manifest.json'), JSON.stringify({ version: 1, models: [{ id: 't', file: 'tiny.onnx' }, { id: 'e', file: 'escape.onnx' }] }));
    for (const path of ['/models/notes.txt', '/models/escape.onnx', '/plugin/escape.js']) {
      expect((await fetch(shim.url + path)).status, path).toBe(404);
    }
    expect((await fetch(`${shim.url}/models/tiny.onnx`)).status).toBe(200);
  });

  it('refuses task ids above 2^53 and names prototype poisoning', async () => {
    const big = await postJson(`${shim.url}/predict`, '{"tasks":[{"id":9007199254740993}],"project":"7.1"}', BASIC);
    expect(big.status).toBe(400);
    expect(big.json.error).toMatch(/9007199254740991/);
    const poison = await postJson(`${shim.url}/api/predictions`, '{"__proto__":{"polluted":1},"task":1}', BASIC);
    expect(poison.status).toBe(400);
    expect(poison.json.error).toMatch(/prototype poisoning/);
  });

  it('says in one sentence when the data dir is unusable or held by another shim', async () => {
    const cli = (dataDir: string) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/shim/cli.ts'), '--port', '0', '--data-dir', dataDir,
      '--plugin-dir', dirs.pluginDir, '--models-dir', dirs.modelsDir], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    const unusable = cli(join(dirs.root, 'secret.txt', 'data'));
    expect(unusable.status).toBe(1);
    expect(unusable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unusable.stderr).toMatch(/cannot use the data dir .*--data-dir/);
    const held = cli(dirs.dataDir);
    expect(held.status).toBe(1);
    expect(held.stderr).toMatch(/in use by another shim \(pid \d+\)/);
    expect(held.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

